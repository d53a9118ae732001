package dev.retune.data;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * A file read from start to end in blocks, converted to the target format: every decoded frame goes through the
 * resampler exactly as in {@link AudioDecoder#decode}, so the blocks joined equal that decode bit for bit, whatever
 * the block sizes. Between calls it holds the resampled output of at most one decoded frame beyond the block asked
 * for, so its memory does not grow with the file's length. Open it with {@link AudioDecoder#stream}; close it to free
 * the FFmpeg objects.
 */
public final class AudioStream implements AutoCloseable {

    private final AudioInput input;
    private final Resampler resampler;
    private final AudioFormat format;
    private final SampleBuffer pending;
    private boolean inputEnded;
    private boolean drained;
    private long position;

    AudioStream(Path file, AudioFormat format) {
        this.input = new AudioInput(file);
        try {
            AVCodecContext codec = input.codec();
            this.resampler = new Resampler(file, codec.ch_layout(), codec.sample_fmt(), codec.sample_rate(), format);
        } catch (RuntimeException e) {
            input.close();
            throw e;
        }
        this.format = format;
        this.pending = new SampleBuffer(format.channels(), 0);
    }

    public Path file() {
        return input.file();
    }

    public AudioFormat format() {
        return format;
    }

    /** The duration the container declares, in seconds (no decoding; mp3 without a header estimates); NaN when none. */
    public double declaredSeconds() {
        return input.declaredSeconds();
    }

    /** Frames returned so far. */
    public long position() {
        return position;
    }

    /** The next frames, at most {@code maxFrames}; fewer only at the end, and none (0 frames) once the file has ended. */
    public Audio next(int maxFrames) {
        if (maxFrames < 1) {
            throw new IllegalArgumentException("expected maxFrames >= 1, found " + maxFrames);
        }
        while (pending.frames() < maxFrames && !drained) {
            convertMore();
        }
        Audio block = pending.takeFirst(format.sampleRate(), maxFrames);
        position += block.frames();
        return block;
    }

    /** Frames the stream's buffer can hold now: what it holds between calls, at most. */
    int bufferCapacity() {
        return pending.capacity();
    }

    /** Converts the next decoded frame; after the last one, drains the resampler (as a whole decode does). */
    private void convertMore() {
        if (!inputEnded) {
            AVFrame frame = input.nextFrame();
            if (frame != null) {
                keep(resampler.convert(frame));
                return;
            }
            inputEnded = true;
        }
        int n = resampler.flush();
        keep(n);
        drained = n <= 0;
    }

    private void keep(int n) {
        if (n > 0) {
            pending.append(resampler.planes(), 0, n);
        }
    }

    @Override
    public void close() {
        resampler.close();
        input.close();
    }
}
