package dev.retune.data;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_VARIABLE_FRAME_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CONFIG_SAMPLE_RATE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_BITEXACT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_QSCALE;
import static org.bytedeco.ffmpeg.global.avcodec.FF_COMPLIANCE_EXPERIMENTAL;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_supported_config;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.FF_QP2LAMBDA;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_read;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_size;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;
import static org.bytedeco.ffmpeg.global.swresample.swr_set_matrix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Writes {@link Audio} to a file with FFmpeg; the file's extension picks container and codec (see {@link #extensions()}).
 *
 * <p>The file appears complete or not at all: audio is encoded into a hidden temp file in the same folder, synced to
 * disk and renamed over the target, so a crash or an encoder error never leaves a half-written or clobbered file.
 * Output is bit-exact (no random Ogg serials, no library version strings), so the same audio gives the same bytes.
 */
public final class AudioEncoder {

    /**
     * Settings for the lossy formats. {@code bitrateKbps} applies to mp3, m4a and opus (0 = the format's default:
     * 128 kbit/s for mp3 and m4a, 96 kbit/s for opus). FFmpeg's native Vorbis encoder has no bitrate control, so
     * ogg takes {@code vorbisQuality} instead (0..10, higher is larger and better). wav and flac are lossless and
     * ignore both.
     */
    public record Options(int bitrateKbps, double vorbisQuality) {

        public static final Options DEFAULT = new Options(0, 3.0);

        public Options {
            if (bitrateKbps < 0 || bitrateKbps > 512) {
                throw new IllegalArgumentException("bitrateKbps must be within 0..512 (0 = format default), found " + bitrateKbps);
            }
            if (!(vorbisQuality >= 0 && vorbisQuality <= 10)) {
                throw new IllegalArgumentException("vorbisQuality must be within 0..10, found " + vorbisQuality);
            }
        }
    }

    /** One supported extension: the muxer, the encoder and the sample format that encoder is fed. */
    private enum Format {
        WAV("wav", "wav", "pcm_s16le", AV_SAMPLE_FMT_S16, 0),
        FLAC("flac", "flac", "flac", AV_SAMPLE_FMT_S16, 0),
        MP3("mp3", "mp3", "libmp3lame", AV_SAMPLE_FMT_FLTP, 128),
        OGG("ogg", "ogg", "vorbis", AV_SAMPLE_FMT_FLTP, 0),
        OPUS("opus", "opus", "libopus", AV_SAMPLE_FMT_FLT, 96),
        // FFmpeg's muxer for .m4a is "ipod": the MP4 flavour Apple players and every decoder read.
        M4A("m4a", "ipod", "aac", AV_SAMPLE_FMT_FLTP, 128);

        final String extension;
        final String muxer;
        final String encoder;
        final int sampleFormat;
        final int defaultKbps;

        Format(String extension, String muxer, String encoder, int sampleFormat, int defaultKbps) {
            this.extension = extension;
            this.muxer = muxer;
            this.encoder = encoder;
            this.sampleFormat = sampleFormat;
            this.defaultKbps = defaultKbps;
        }

        static Format of(Path file) {
            String extension = extensionOf(file);
            for (Format format : values()) {
                if (format.extension.equals(extension)) {
                    return format;
                }
            }
            throw new AudioException(file, (extension.isEmpty() ? "no file extension" : "unsupported extension ." + extension)
                    + "; supported: " + String.join(", ", extensions()));
        }

        /** Channels the encoder is opened with for audio of {@code channels}. */
        int outputChannels(Path file, int channels) {
            if (this != OGG) {
                return channels;
            }
            // FFmpeg's native Vorbis encoder refuses anything but stereo; mono goes in as identical left and right.
            if (channels > 2) {
                throw new AudioException(file, "FFmpeg's Vorbis encoder writes at most 2 channels, found " + channels + "; use .flac or .opus");
            }
            return 2;
        }

        /** Bit rate in bit/s for the lossy codecs that take one, else 0. */
        long bitRate(Options options) {
            if (defaultKbps == 0) {
                return 0;
            }
            return 1000L * (options.bitrateKbps() > 0 ? options.bitrateKbps() : defaultKbps);
        }
    }

    private AudioEncoder() {}

    /** The extensions {@link #encode} accepts, with their dot: .wav, .flac, .mp3, .ogg, .opus, .m4a. */
    public static List<String> extensions() {
        return Arrays.stream(Format.values()).map(format -> "." + format.extension).toList();
    }

    /** Writes {@code audio} to {@code file} with {@link Options#DEFAULT}. */
    public static void encode(Audio audio, Path file) {
        encode(audio, file, Options.DEFAULT);
    }

    /**
     * Writes {@code audio} to {@code file}, replacing any existing file atomically. Samples are clipped to [-1, 1]
     * where the format stores integers. Formats with a fixed set of sample rates (mp3, opus, m4a) get the nearest
     * supported rate at or above the audio's own, e.g. 44.1 kHz becomes 48 kHz in opus.
     *
     * <p>ogg is the weakest format here. FFmpeg's own Vorbis encoder (this build has no libvorbis) takes stereo only,
     * so mono is written as two identical channels; it codes the difference between unlike channels coarsely, and
     * decoded lengths are only accurate to about 1024 samples. Prefer opus or mp3 where that matters.
     *
     * @throws AudioException naming the file and FFmpeg's reason when it cannot be written, or when the audio is
     *     empty or too short to give the encoder a single sample
     */
    public static void encode(Audio audio, Path file, Options options) {
        Format format = Format.of(file);
        if (audio.frames() == 0) {
            // Nothing useful to write, and FFmpeg's Vorbis encoder never finishes flushing an empty stream.
            throw new AudioException(file, "audio has no samples; nothing to write");
        }
        Path target = file.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "." + format.extension);
        try {
            try (Session session = new Session(file, temp, format, audio, options)) {
                session.write(audio);
            }
            // Without the sync a crash shortly after the rename can leave an empty file under the final name.
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new AudioException(file, "cannot write: " + e);
        } finally {
            deleteQuietly(temp);
        }
    }

    private static String extensionOf(Path file) {
        Path name = file.getFileName();
        String text = name == null ? "" : name.toString();
        int dot = text.lastIndexOf('.');
        return dot <= 0 ? "" : text.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // The write already failed or succeeded; a leftover hidden temp file must not mask that outcome.
        }
    }

    /**
     * One encode from header to trailer: the muxer, the encoder, a resampler from planar float at the audio's rate to
     * the encoder's sample format and rate, and a FIFO that cuts the resampled stream into the encoder's fixed frame
     * size. {@link #close()} frees every FFmpeg object, whichever step failed.
     */
    private static final class Session implements AutoCloseable {

        /** Input frames handed to the resampler per call; also the frame size of encoders that take any size. */
        private static final int CHUNK = 8192;

        private final Path file;
        private final AVFormatContext muxer = new AVFormatContext(null);
        private final AVIOContext io = new AVIOContext(null);
        private final SwrContext swr = new SwrContext(null);
        private final AVPacket packet = av_packet_alloc();
        private final AVFrame frame = av_frame_alloc();
        private final AVFrame converted = av_frame_alloc();
        private AVCodecContext codec;
        private AVStream stream;
        private AVAudioFifo fifo;
        private int frameSize;
        private long pts;

        /** Errors name {@code file}, the caller's path, not the temp file being written. */
        Session(Path file, Path temp, Format format, Audio audio, Options options) {
            Ffmpeg.init();
            this.file = file;
            try {
                allocateMuxer(format, temp);
                openEncoder(format, audio, options);
                openOutput(temp);
                openResampler(audio);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void allocateMuxer(Format format, Path temp) {
            try (BytePointer name = new BytePointer(format.muxer); BytePointer url = utf8(temp)) {
                check(avformat_alloc_output_context2(muxer, null, name, url), "cannot create the " + format.muxer + " muxer");
            }
            // Set by name: the presets do not map the AVFMT_FLAG_BITEXACT constant.
            check(av_opt_set(muxer, "fflags", "+bitexact", 0), "cannot make the muxer bit-exact");
        }

        private void openEncoder(Format format, Audio audio, Options options) {
            AVCodec encoder = avcodec_find_encoder_by_name(format.encoder);
            if (encoder == null || encoder.isNull()) {
                throw new AudioException(file, "this FFmpeg build has no " + format.encoder + " encoder");
            }
            codec = avcodec_alloc_context3(encoder);
            codec.sample_fmt(format.sampleFormat);
            codec.sample_rate(outputRate(encoder, audio.sampleRate()));
            codec.time_base(av_make_q(1, codec.sample_rate()));
            av_channel_layout_default(codec.ch_layout(), format.outputChannels(file, audio.channels()));
            codec.flags(codec.flags() | AV_CODEC_FLAG_BITEXACT);
            if (format.bitRate(options) > 0) {
                codec.bit_rate(format.bitRate(options));
            }
            if (format == Format.OGG) {
                // FFmpeg's own Vorbis encoder is marked experimental and knows only a quality scale, no bitrate.
                codec.strict_std_compliance(FF_COMPLIANCE_EXPERIMENTAL);
                codec.flags(codec.flags() | AV_CODEC_FLAG_QSCALE);
                codec.global_quality((int) Math.round(options.vorbisQuality() * FF_QP2LAMBDA));
            }
            if ((muxer.oformat().flags() & AVFMT_GLOBALHEADER) != 0) {
                codec.flags(codec.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
            }
            check(avcodec_open2(codec, encoder, (PointerPointer<?>) null), "cannot open the " + format.encoder + " encoder");
            boolean anySize = codec.frame_size() == 0 || (encoder.capabilities() & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
            frameSize = anySize ? CHUNK : codec.frame_size();
        }

        private void openOutput(Path temp) {
            stream = avformat_new_stream(muxer, null);
            if (stream == null || stream.isNull()) {
                throw new AudioException(file, "cannot add an audio stream to the muxer");
            }
            check(avcodec_parameters_from_context(stream.codecpar(), codec), "cannot pass the encoder settings to the muxer");
            stream.time_base(codec.time_base());
            try (BytePointer url = utf8(temp)) {
                check(avio_open(io, url, AVIO_FLAG_WRITE), "cannot create a temp file in " + temp.getParent());
            }
            muxer.pb(io);
            check(avformat_write_header(muxer, (PointerPointer<?>) null), "cannot write the header");
        }

        private void openResampler(Audio audio) {
            AVChannelLayout in = new AVChannelLayout();
            try {
                av_channel_layout_default(in, audio.channels());
                check(swr_alloc_set_opts2(swr, codec.ch_layout(), codec.sample_fmt(), codec.sample_rate(),
                        in, AV_SAMPLE_FMT_FLTP, audio.sampleRate(), 0, null), "cannot set up the resampler");
            } finally {
                av_channel_layout_uninit(in);
                in.close();
            }
            if (audio.channels() == 1 && codec.ch_layout().nb_channels() == 2) {
                // swresample would put mono at -3 dB on each side; a dual-mono copy keeps the level.
                check(swr_set_matrix(swr, new double[] {1.0, 1.0}, 1), "cannot set the stereo upmix");
            }
            check(swr_init(swr), "cannot start the resampler");
            fifo = av_audio_fifo_alloc(codec.sample_fmt(), codec.ch_layout().nb_channels(), frameSize);
            if (fifo == null || fifo.isNull()) {
                throw new AudioException(file, "cannot allocate the sample FIFO");
            }
        }

        /** Encodes all of {@code audio} and finishes the file; the caller syncs and renames it. */
        void write(Audio audio) {
            FloatPointer[] planes = new FloatPointer[audio.channels()];
            for (int c = 0; c < planes.length; c++) {
                planes[c] = new FloatPointer(CHUNK);
            }
            try (PointerPointer<FloatPointer> input = new PointerPointer<>(planes)) {
                for (int start = 0; start < audio.frames(); start += CHUNK) {
                    int n = Math.min(CHUNK, audio.frames() - start);
                    for (int c = 0; c < planes.length; c++) {
                        planes[c].put(audio.samples()[c], start, n);
                    }
                    resample(input, n);
                }
            } finally {
                for (FloatPointer plane : planes) {
                    plane.close();
                }
            }
            while (resample(null, 0) > 0) {
                // Drains the resampler's filter tail into the FIFO.
            }
            while (av_audio_fifo_size(fifo) > 0) {
                sendFrame(Math.min(frameSize, av_audio_fifo_size(fifo)));
            }
            if (pts == 0) {
                // A few samples can resample to none; muxers then write files no decoder accepts.
                throw new AudioException(file, "audio too short to encode (" + audio.frames() + " samples at " + audio.sampleRate() + " Hz)");
            }
            encode(null);
            check(av_write_trailer(muxer), "cannot finish the file");
            check(avio_closep(io), "cannot close the file");
        }

        /** Converts {@code n} input frames (null input drains the filter) into the FIFO and encodes every full frame. */
        private int resample(PointerPointer<FloatPointer> input, int n) {
            int room = swr_get_out_samples(swr, n);
            if (converted.nb_samples() < room) {
                av_frame_unref(converted);
                allocate(converted, room);
            }
            int produced = swr_convert(swr, converted.extended_data(), room, input, n);
            check(produced, "cannot resample");
            if (av_audio_fifo_write(fifo, converted.extended_data(), produced) < produced) {
                throw new AudioException(file, "cannot grow the sample FIFO");
            }
            while (av_audio_fifo_size(fifo) >= frameSize) {
                sendFrame(frameSize);
            }
            return produced;
        }

        private void sendFrame(int n) {
            // A fresh buffer per frame: the encoder may still hold a reference to the previous one.
            av_frame_unref(frame);
            allocate(frame, n);
            av_audio_fifo_read(fifo, frame.extended_data(), n);
            frame.pts(pts);
            pts += n;
            encode(frame);
        }

        private void allocate(AVFrame target, int samples) {
            target.format(codec.sample_fmt());
            target.sample_rate(codec.sample_rate());
            target.nb_samples(samples);
            check(av_channel_layout_copy(target.ch_layout(), codec.ch_layout()), "cannot copy the channel layout");
            check(av_frame_get_buffer(target, 0), "cannot allocate an audio frame");
        }

        /** Sends one frame (null = end of stream) and writes every packet the encoder has ready. */
        private void encode(AVFrame input) {
            check(avcodec_send_frame(codec, input), "cannot encode");
            while (true) {
                int code = avcodec_receive_packet(codec, packet);
                if (code == AVERROR_EAGAIN() || code == AVERROR_EOF()) {
                    return;
                }
                check(code, "cannot encode");
                av_packet_rescale_ts(packet, codec.time_base(), stream.time_base());
                packet.stream_index(stream.index());
                check(av_interleaved_write_frame(muxer, packet), "cannot write audio");
            }
        }

        /** The audio's own rate if the encoder takes it, else the nearest supported rate above it, else the highest. */
        private static int outputRate(AVCodec encoder, int rate) {
            try (PointerPointer<?> configs = new PointerPointer<>(1); IntPointer count = new IntPointer(1)) {
                int code = avcodec_get_supported_config(null, encoder, AV_CODEC_CONFIG_SAMPLE_RATE, 0, configs, count);
                Pointer list = configs.get(0);
                if (code < 0 || list == null || list.isNull()) {
                    return rate;
                }
                int[] rates = new int[count.get()];
                new IntPointer(list).get(rates);
                int above = Arrays.stream(rates).filter(r -> r >= rate).min().orElse(0);
                return above > 0 ? above : Arrays.stream(rates).max().orElse(rate);
            }
        }

        private static BytePointer utf8(Path path) {
            // FFmpeg opens paths as UTF-8 bytes; JavaCPP's String overloads would use the platform charset.
            return new BytePointer(path.toString(), StandardCharsets.UTF_8);
        }

        private void check(int code, String what) {
            if (code < 0) {
                throw new AudioException(file, what + " (" + Ffmpeg.error(code) + ")");
            }
        }

        @Override
        public void close() {
            av_frame_free(frame);
            av_frame_free(converted);
            av_packet_free(packet);
            if (fifo != null) {
                av_audio_fifo_free(fifo);
            }
            swr_free(swr);
            if (codec != null) {
                avcodec_free_context(codec);
            }
            if (!io.isNull()) {
                avio_closep(io);
            }
            avformat_free_context(muxer);
        }
    }
}
