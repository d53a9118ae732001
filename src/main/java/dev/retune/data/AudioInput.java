package dev.retune.data;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One open audio file: the demuxer, the best audio stream and its decoder. Frames come out one at a time through
 * {@link #nextFrame()}; every FFmpeg object is freed by {@link #close()}.
 */
final class AudioInput implements AutoCloseable {

    private static final long QUICK_PROBE_BYTES = 32 * 1024;

    private final Path file;
    private final AVFormatContext format = new AVFormatContext(null);
    private final AVPacket packet = av_packet_alloc();
    private final AVFrame frame = av_frame_alloc();
    private AVCodecContext codec;
    private AVStream stream;
    private int streamIndex = -1;
    private boolean demuxerDone;
    private int decodeErrors;
    private String firstDecodeError;

    AudioInput(Path file) {
        Ffmpeg.init();
        this.file = file;
        if (!Files.isRegularFile(file)) {
            close();
            throw new AudioException(file, Files.exists(file) ? "not a regular file" : "file not found");
        }
        try {
            // FFmpeg's stream analysis reads up to 5 MB ahead by default, which made a 10 s training crop cost several
            // times its decode. Audio headers usually describe the stream within a few kB; where they do not, the
            // file is opened again with FFmpeg's defaults.
            if (!open(QUICK_PROBE_BYTES)) {
                release();
                if (!open(0)) {
                    throw new AudioException(file, "audio stream has no sample rate or channel count");
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens demuxer and decoder; false when the stream's rate or channels are still unknown after probing. */
    private boolean open(long probeBytes) {
        int code = avformat_open_input(format, file.toString(), null, null);
        if (code < 0) {
            throw new AudioException(file, "not a readable audio file (" + Ffmpeg.error(code) + ")");
        }
        if (probeBytes > 0) {
            format.probesize(probeBytes);
        }
        code = avformat_find_stream_info(format, (PointerPointer<?>) null);
        if (code < 0) {
            throw new AudioException(file, "cannot read stream information (" + Ffmpeg.error(code) + ")");
        }
        streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, (AVCodec) null, 0);
        if (streamIndex < 0) {
            throw new AudioException(file, "contains no audio stream");
        }
        stream = format.streams(streamIndex);
        AVCodec decoder = avcodec_find_decoder(stream.codecpar().codec_id());
        if (decoder == null || decoder.isNull()) {
            throw new AudioException(file, "no decoder for codec " + avcodec_get_name(stream.codecpar().codec_id()).getString());
        }
        codec = avcodec_alloc_context3(decoder);
        code = avcodec_parameters_to_context(codec, stream.codecpar());
        if (code < 0) {
            throw new AudioException(file, "cannot configure the decoder (" + Ffmpeg.error(code) + ")");
        }
        codec.pkt_timebase(stream.time_base());
        code = avcodec_open2(codec, decoder, (PointerPointer<?>) null);
        if (code < 0) {
            throw new AudioException(file, "cannot open the " + decoder.name().getString() + " decoder (" + Ffmpeg.error(code) + ")");
        }
        return codec.sample_rate() > 0 && codec.ch_layout().nb_channels() > 0;
    }

    Path file() {
        return file;
    }

    AVCodecContext codec() {
        return codec;
    }

    String codecName() {
        return avcodec_get_name(codec.codec_id()).getString();
    }

    /** Duration the container declares, in seconds; NaN when it declares none. */
    double declaredSeconds() {
        if (stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0) {
            return stream.duration() * av(stream.time_base());
        }
        if (format.duration() != AV_NOPTS_VALUE && format.duration() > 0) {
            return (double) format.duration() / AV_TIME_BASE;
        }
        return Double.NaN;
    }

    /** Decode errors the decoder reported and skipped over (corrupt packets); the stream went on after them. */
    int decodeErrors() {
        return decodeErrors;
    }

    String firstDecodeError() {
        return firstDecodeError;
    }

    /**
     * Seeks to the last seekable point at or before {@code seconds}. Returns false when the container cannot seek,
     * in which case the position is unchanged.
     */
    boolean seek(double seconds) {
        long timestamp = (long) Math.floor(seconds / av(stream.time_base()));
        if (stream.start_time() != AV_NOPTS_VALUE) {
            timestamp += stream.start_time();
        }
        if (av_seek_frame(format, streamIndex, timestamp, AVSEEK_FLAG_BACKWARD) < 0) {
            return false;
        }
        avcodec_flush_buffers(codec);
        demuxerDone = false;
        return true;
    }

    /** Start time of a decoded frame in seconds from the stream start, or NaN when the frame carries no timestamp. */
    double frameSeconds(AVFrame decoded) {
        long pts = decoded.best_effort_timestamp() != AV_NOPTS_VALUE ? decoded.best_effort_timestamp() : decoded.pts();
        if (pts == AV_NOPTS_VALUE) {
            return Double.NaN;
        }
        long start = stream.start_time() == AV_NOPTS_VALUE ? 0 : stream.start_time();
        return (pts - start) * av(stream.time_base());
    }

    /**
     * The next decoded frame, or null at the end of the stream. The frame is reused by the following call. A container
     * read error ends the stream like EOF but is counted as a decode error.
     */
    AVFrame nextFrame() {
        while (true) {
            int code = avcodec_receive_frame(codec, frame);
            if (code == 0) {
                return frame;
            }
            if (code == AVERROR_EOF()) {
                return null;
            }
            if (code != AVERROR_EAGAIN()) {
                recordError(code);
                continue;
            }
            if (demuxerDone) {
                return null;
            }
            feedPacket();
        }
    }

    private void feedPacket() {
        while (true) {
            int code = av_read_frame(format, packet);
            if (code < 0) {
                if (code != AVERROR_EOF()) {
                    recordError(code);
                }
                demuxerDone = true;
                avcodec_send_packet(codec, null);
                return;
            }
            try {
                if (packet.stream_index() != streamIndex) {
                    continue;
                }
                code = avcodec_send_packet(codec, packet);
                if (code < 0 && code != AVERROR_EAGAIN()) {
                    recordError(code);
                    continue;
                }
                return;
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    private void recordError(int code) {
        if (decodeErrors++ == 0) {
            firstDecodeError = Ffmpeg.error(code);
        }
    }

    private static double av(AVRational r) {
        return (double) r.num() / r.den();
    }

    /** Frees decoder and demuxer (both null-safe), leaving the packet and frame for a second open. */
    private void release() {
        if (codec != null) {
            avcodec_free_context(codec);
            codec = null;
        }
        avformat_close_input(format);
    }

    @Override
    public void close() {
        release();
        av_frame_free(frame);
        av_packet_free(packet);
    }
}
