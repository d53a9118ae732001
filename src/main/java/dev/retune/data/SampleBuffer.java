package dev.retune.data;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Growable per-channel float storage that decoded planes are appended to: a whole decode collects into it, a stream
 * takes blocks from its front.
 */
final class SampleBuffer {

    private final float[][] channels;
    private int frames;

    SampleBuffer(int channels, int initialCapacity) {
        this.channels = new float[channels][Math.max(initialCapacity, 1024)];
    }

    int frames() {
        return frames;
    }

    /** Appends frames [skip, count) of each plane. */
    void append(FloatPointer[] planes, int skip, int count) {
        int n = count - skip;
        if (n <= 0) {
            return;
        }
        ensureCapacity(frames + n);
        for (int c = 0; c < channels.length; c++) {
            planes[c].position(skip).get(channels[c], frames, n);
            planes[c].position(0);
        }
        frames += n;
    }

    /** Removes the first {@code min(maxFrames, frames())} frames and returns them; the rest moves to the front. */
    Audio takeFirst(int sampleRate, int maxFrames) {
        Audio first = toAudio(sampleRate, maxFrames);
        int taken = first.frames();
        for (float[] channel : channels) {
            System.arraycopy(channel, taken, channel, 0, frames - taken);
        }
        frames -= taken;
        return first;
    }

    /** Frames the buffer can hold before it grows. */
    int capacity() {
        return channels[0].length;
    }

    Audio toAudio(int sampleRate, int maxFrames) {
        int n = Math.min(frames, maxFrames);
        float[][] out = new float[channels.length][];
        for (int c = 0; c < channels.length; c++) {
            out[c] = Arrays.copyOf(channels[c], n);
        }
        return new Audio(out, sampleRate);
    }

    private void ensureCapacity(int needed) {
        if (needed <= channels[0].length) {
            return;
        }
        int capacity = Math.max(needed, channels[0].length * 2);
        for (int c = 0; c < channels.length; c++) {
            channels[c] = Arrays.copyOf(channels[c], capacity);
        }
    }
}
