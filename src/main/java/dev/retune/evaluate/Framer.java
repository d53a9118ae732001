package dev.retune.evaluate;

/**
 * Cuts a stream of samples into frames of {@code length} that start every {@code hop} samples, from sample 0 on; only
 * whole frames are emitted (the tail shorter than a frame is not). Holds one frame of samples, whatever the stream's
 * length.
 */
final class Framer {

    /** Receives each frame; it must not change the array, which is reused for the next one. */
    @FunctionalInterface
    interface Sink {
        void frame(double[] frame);
    }

    private final double[] frame;
    private final int hop;
    private final Sink sink;
    private int filled;

    Framer(int length, int hop, Sink sink) {
        if (hop < 1 || hop > length) {
            throw new IllegalArgumentException("hop must be within 1.." + length + ", found " + hop);
        }
        this.frame = new double[length];
        this.hop = hop;
        this.sink = sink;
    }

    void add(float[] samples, int count) {
        for (int i = 0; i < count; i++) {
            frame[filled++] = samples[i];
            if (filled == frame.length) {
                sink.frame(frame);
                System.arraycopy(frame, hop, frame, 0, frame.length - hop);
                filled = frame.length - hop;
            }
        }
    }
}
