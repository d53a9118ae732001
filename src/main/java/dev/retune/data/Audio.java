package dev.retune.data;

import java.util.Arrays;

/**
 * Decoded audio held in Java memory: {@code samples[c][n]} is channel c, frame n, float32 nominally in [-1, 1].
 * Every channel has the same length.
 */
public record Audio(float[][] samples, int sampleRate) {

    public Audio {
        if (samples.length == 0) {
            throw new IllegalArgumentException("audio needs at least one channel");
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, found " + sampleRate);
        }
        for (float[] channel : samples) {
            if (channel.length != samples[0].length) {
                throw new IllegalArgumentException("channels differ in length: " + channel.length + " vs " + samples[0].length);
            }
        }
    }

    public int channels() {
        return samples.length;
    }

    public int frames() {
        return samples[0].length;
    }

    public double seconds() {
        return (double) frames() / sampleRate;
    }

    /** Mean of all channels, the downmix the model sees for mono training. */
    public Audio toMono() {
        if (channels() == 1) {
            return this;
        }
        float[] mono = new float[frames()];
        for (float[] channel : samples) {
            for (int i = 0; i < mono.length; i++) {
                mono[i] += channel[i];
            }
        }
        float scale = 1f / channels();
        for (int i = 0; i < mono.length; i++) {
            mono[i] *= scale;
        }
        return new Audio(new float[][] {mono}, sampleRate);
    }

    /** Frames [from, to) of every channel; frames beyond the end read as zeros. */
    public Audio slice(int from, int to) {
        float[][] out = new float[channels()][];
        for (int c = 0; c < channels(); c++) {
            out[c] = Arrays.copyOfRange(samples[c], from, to);
        }
        return new Audio(out, sampleRate);
    }
}
