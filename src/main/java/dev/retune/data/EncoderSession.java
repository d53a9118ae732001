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
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
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

import dev.retune.data.AudioEncoder.Format;
import dev.retune.data.AudioEncoder.Options;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
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
 * One encode from header to trailer: the muxer, the encoder, a resampler from planar float at the audio's rate to
 * the encoder's sample format and rate, and a FIFO that cuts the resampled stream into the encoder's fixed frame
 * size. Audio comes in blocks of any length ({@link #write}), each passed on at once, so the session holds no more
 * than the resampler's and the encoder's own few frames. {@link #close()} frees every FFmpeg object, whichever step
 * failed.
 */
final class EncoderSession implements AutoCloseable {

    /** Input frames handed to the resampler per call; also the frame size of encoders that take any size. */
    private static final int CHUNK = 8192;

    private final Path file;
    private final int sampleRate;
    private final FloatPointer[] planes; // one CHUNK of input per channel, reused for every block
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
    private PointerPointer<FloatPointer> input;
    private long written; // frames of input so far

    /** Errors name {@code file}, the caller's path, not the temp file being written. */
    EncoderSession(Path file, Path temp, Format format, int channels, int sampleRate, Options options) {
        Ffmpeg.init();
        this.file = file;
        this.sampleRate = sampleRate;
        this.planes = new FloatPointer[channels];
        try {
            allocateMuxer(format, temp);
            openEncoder(format, channels, sampleRate, options);
            openOutput(temp);
            openResampler(channels, sampleRate);
            for (int c = 0; c < channels; c++) {
                planes[c] = new FloatPointer(CHUNK);
            }
            input = new PointerPointer<>(planes);
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

    private void openEncoder(Format format, int channels, int sampleRate, Options options) {
        AVCodec encoder = avcodec_find_encoder_by_name(format.encoder);
        if (encoder == null || encoder.isNull()) {
            throw new AudioException(file, "this FFmpeg build has no " + format.encoder + " encoder");
        }
        codec = avcodec_alloc_context3(encoder);
        codec.sample_fmt(format.sampleFormat);
        codec.sample_rate(outputRate(encoder, sampleRate));
        codec.time_base(av_make_q(1, codec.sample_rate()));
        av_channel_layout_default(codec.ch_layout(), format.outputChannels(file, channels));
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

    private void openResampler(int channels, int sampleRate) {
        AVChannelLayout in = new AVChannelLayout();
        try {
            av_channel_layout_default(in, channels);
            check(swr_alloc_set_opts2(swr, codec.ch_layout(), codec.sample_fmt(), codec.sample_rate(),
                    in, AV_SAMPLE_FMT_FLTP, sampleRate, 0, null), "cannot set up the resampler");
        } finally {
            av_channel_layout_uninit(in);
            in.close();
        }
        if (channels == 1 && codec.ch_layout().nb_channels() == 2) {
            // swresample would put mono at -3 dB on each side; a dual-mono copy keeps the level.
            check(swr_set_matrix(swr, new double[] {1.0, 1.0}, 1), "cannot set the stereo upmix");
        }
        check(swr_init(swr), "cannot start the resampler");
        fifo = av_audio_fifo_alloc(codec.sample_fmt(), codec.ch_layout().nb_channels(), frameSize);
        if (fifo == null || fifo.isNull()) {
            throw new AudioException(file, "cannot allocate the sample FIFO");
        }
    }

    /** Encodes the next block, {@code block[c][n]} for every channel c, all of one length. */
    void write(float[][] block) {
        if (block.length != planes.length) {
            throw new IllegalArgumentException("expected " + planes.length + " channels, found " + block.length);
        }
        int frames = block[0].length;
        for (float[] channel : block) {
            if (channel.length != frames) {
                throw new IllegalArgumentException("channels differ in length: " + channel.length + " vs " + frames);
            }
        }
        for (int start = 0; start < frames; start += CHUNK) {
            int n = Math.min(CHUNK, frames - start);
            for (int c = 0; c < planes.length; c++) {
                planes[c].put(block[c], start, n);
            }
            resample(input, n);
        }
        written += frames;
    }

    /** Encodes what the resampler and the FIFO still hold and writes the trailer; the caller syncs and renames the file. */
    void finish() {
        if (written == 0) {
            // Nothing useful to write, and FFmpeg's Vorbis encoder never finishes flushing an empty stream.
            throw new AudioException(file, "audio has no samples; nothing to write");
        }
        while (resample(null, 0) > 0) {
            // Drains the resampler's filter tail into the FIFO.
        }
        while (av_audio_fifo_size(fifo) > 0) {
            sendFrame(Math.min(frameSize, av_audio_fifo_size(fifo)));
        }
        if (pts == 0) {
            // A few samples can resample to none; muxers then write files no decoder accepts.
            throw new AudioException(file, "audio too short to encode (" + written + " samples at " + sampleRate + " Hz)");
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
        if (input != null) {
            input.close();
        }
        for (FloatPointer plane : planes) {
            if (plane != null) {
                plane.close();
            }
        }
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
