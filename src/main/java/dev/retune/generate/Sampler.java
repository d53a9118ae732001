package dev.retune.generate;

import dev.retune.kernels.SamplingStep;
import org.bytedeco.pytorch.Tensor;

/**
 * Draws one token per (batch row, codebook) from a decoding step's logits through {@link SamplingStep}: guidance,
 * temperature, top-k, top-p and the draw in one fused kernel on a GPU, the same function in libtorch operators
 * elsewhere. The random number of each draw is a counter-based function of (seed, step, row), so a seed gives the same
 * tokens on any device, thread count or batch composition of steps.
 */
public final class Sampler {

    private final SamplerOptions options;
    private final SamplingStep step;

    public Sampler(SamplerOptions options) {
        this.options = options;
        this.step = new SamplingStep(options.kernel());
    }

    /**
     * @param logits [B, K, V], or [2B, K, V] = [cond; null] when the options use guidance
     * @param seed   the generation's seed
     * @param index  the decoding step
     * @return tokens [B, K] (int64, on the logits' device)
     */
    public Tensor sample(Tensor logits, long seed, long index) {
        if (logits.dim() != 3) {
            throw new IllegalArgumentException("logits: expected [B, K, V], found " + logits.dim() + " dimensions");
        }
        SamplingStep.Filter filter = new SamplingStep.Filter((float) options.guidanceScale(), (float) options.temperature(),
                options.topK(), (float) options.topP());
        if (!options.usesGuidance()) {
            return step.sample(logits.contiguous(), null, filter, seed, index);
        }
        long batch = logits.size(0) / 2;
        return step.sample(logits.narrow(0, 0, batch).contiguous(), logits.narrow(0, batch, batch).contiguous(), filter, seed, index);
    }
}
