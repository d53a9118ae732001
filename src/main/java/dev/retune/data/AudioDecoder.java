package dev.retune.data;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Decodes any audio file FFmpeg reads to float32 at a target rate and channel count.
 *
 * <p>{@link #read} seeks: a 10 s crop from a 10-minute file decodes about 10 s, not the whole file. It seeks a little
 * before the crop so the resampler's filter has settled by the first sample kept, and places samples by the decoded
 * frames' timestamps, so a crop equals the same span of a full decode up to resampler rounding. {@link #stream} reads
 * a whole file block by block in memory that does not grow with its length, equal to {@link #decode} bit for bit.
 */
public final class AudioDecoder {

    /** Decoded ahead of a crop and thrown away, so resampler start-up transients fall outside the crop. */
    private static final double PREROLL_SECONDS = 0.1;

    private AudioDecoder() {}

    /** Version of the FFmpeg libraries loaded, e.g. "FFmpeg 8.0.1 (libavformat 62.3.100)". */
    public static String ffmpegVersion() {
        return Ffmpeg.version();
    }

    /** The whole file, converted to {@code target}, held at once: for long files use {@link #stream}. */
    public static Audio decode(Path file, AudioFormat target) {
        return read(file, target, 0, Double.POSITIVE_INFINITY);
    }

    /**
     * Frames [offset, offset + duration) of the file converted to {@code target}. Shorter than asked when the file
     * ends first; never padded (callers that need a fixed length pad and keep the real length).
     */
    public static Audio read(Path file, AudioFormat target, double offsetSeconds, double durationSeconds) {
        if (offsetSeconds < 0 || !(durationSeconds >= 0)) {
            throw new IllegalArgumentException("offset and duration must be non-negative, found " + offsetSeconds + ", " + durationSeconds);
        }
        long first = Math.round(offsetSeconds * target.sampleRate());
        long wanted = Double.isInfinite(durationSeconds) ? Long.MAX_VALUE : Math.round(durationSeconds * target.sampleRate());
        try (AudioInput input = new AudioInput(file)) {
            double seekTo = offsetSeconds - PREROLL_SECONDS;
            if (seekTo > 0 && input.seek(seekTo)) {
                Audio audio = collect(input, target, first, wanted, true);
                if (audio != null) {
                    return audio;
                }
            }
        }
        try (AudioInput input = new AudioInput(file)) {
            return collect(input, target, first, wanted, false);
        }
    }

    /** The whole file, converted to {@code target}, as blocks: see {@link AudioStream}. The caller closes it. */
    public static AudioStream stream(Path file, AudioFormat target) {
        return new AudioStream(file, target);
    }

    /** The duration the file's container declares, in seconds, without decoding; NaN when it declares none. */
    public static double declaredSeconds(Path file) {
        try (AudioInput input = new AudioInput(file)) {
            return input.declaredSeconds();
        }
    }

    /**
     * The format nearest the file's own, read from its header without decoding: its sample rate, and 1 channel for
     * mono or 2 for anything wider (what {@link #stream} can give without changing the sound's level or rate).
     */
    public static AudioFormat sourceFormat(Path file) {
        try (AudioInput input = new AudioInput(file)) {
            AVCodecContext codec = input.codec();
            int rate = codec.sample_rate();
            if (rate < 1_000 || rate > 384_000) {
                throw new AudioException(file, "sample rate " + rate + " Hz is outside 1000..384000 Hz");
            }
            return new AudioFormat(rate, codec.ch_layout().nb_channels() == 1 ? 1 : 2);
        }
    }

    /** Decodes the whole file at its own rate, to learn its true length and whether it is damaged. */
    public static AudioInfo inspect(Path file) {
        try (AudioInput input = new AudioInput(file)) {
            AVCodecContext codec = input.codec();
            long frames = 0;
            for (AVFrame frame = input.nextFrame(); frame != null; frame = input.nextFrame()) {
                frames += frame.nb_samples();
            }
            return new AudioInfo(input.codecName(), codec.sample_rate(), codec.ch_layout().nb_channels(),
                    input.declaredSeconds(), (double) frames / codec.sample_rate(),
                    input.decodeErrors(), input.firstDecodeError());
        }
    }

    /**
     * Runs frames through the resampler and keeps output samples [first, first + wanted). After a seek the output
     * position comes from the first frame's timestamp; returns null if that frame has none or lies past the crop,
     * so the caller decodes from the start instead.
     */
    private static Audio collect(AudioInput input, AudioFormat target, long first, long wanted, boolean afterSeek) {
        AVCodecContext codec = input.codec();
        long end = wanted == Long.MAX_VALUE ? Long.MAX_VALUE : first + wanted;
        int estimate = (int) Math.min(wanted == Long.MAX_VALUE ? estimateFrames(input, target) : wanted, 1 << 28);
        SampleBuffer buffer = new SampleBuffer(target.channels(), estimate);
        try (Resampler resampler = new Resampler(input.file(), codec.ch_layout(), codec.sample_fmt(), codec.sample_rate(), target)) {
            long position = afterSeek ? -1 : 0;
            long skipInput = 0;
            for (AVFrame frame = input.nextFrame(); frame != null && position < end; frame = input.nextFrame()) {
                if (position < 0) {
                    // Start the resampler on an input sample that falls exactly on an output sample, so the output
                    // grid is the one a decode from the start would have.
                    double start = input.frameSeconds(frame);
                    long inputIndex = Math.round(start * codec.sample_rate());
                    long step = codec.sample_rate() / gcd(codec.sample_rate(), target.sampleRate());
                    long aligned = Math.floorDiv(inputIndex + step - 1, step) * step;
                    position = aligned / step * (target.sampleRate() / gcd(codec.sample_rate(), target.sampleRate()));
                    skipInput = aligned - inputIndex;
                    if (Double.isNaN(start) || position > first) {
                        return null;
                    }
                }
                if (skipInput >= frame.nb_samples()) {
                    skipInput -= frame.nb_samples();
                    continue;
                }
                int n = resampler.convert(frame, (int) skipInput);
                skipInput = 0;
                position = keep(buffer, resampler.planes(), n, position, first, end);
            }
            for (int n = resampler.flush(); n > 0 && position < end; n = resampler.flush()) {
                position = keep(buffer, resampler.planes(), n, position, first, end);
            }
        }
        return buffer.toAudio(target.sampleRate(), (int) Math.min(wanted, Integer.MAX_VALUE));
    }

    /** Appends the part of {@code n} output samples at {@code position} that falls in [first, end). */
    private static long keep(SampleBuffer buffer, FloatPointer[] planes, int n, long position, long first, long end) {
        if (n > 0) {
            int skip = (int) Math.max(0, Math.min(n, first - position));
            int stop = (int) Math.min(n, end - position);
            buffer.append(planes, skip, stop);
        }
        return position + Math.max(n, 0);
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static int estimateFrames(AudioInput input, AudioFormat target) {
        double seconds = input.declaredSeconds();
        return Double.isNaN(seconds) ? 1 << 20 : (int) Math.min(seconds * target.sampleRate() * 1.01 + 1024, 1 << 28);
    }
}
