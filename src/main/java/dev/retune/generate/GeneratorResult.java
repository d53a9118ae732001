package dev.retune.generate;

import org.bytedeco.pytorch.Tensor;

/**
 * @param codes   [B, K, frames] generated codebook tokens (Long, each &lt; vocab size), delay pattern reverted
 * @param steps   decoder steps run (frames + K − 1)
 * @param seconds wall time of the generation loop
 */
public record GeneratorResult(Tensor codes, int steps, double seconds) {

    /** Frames generated per second of wall time. */
    public double framesPerSecond() {
        return codes.size(2) / seconds;
    }
}
