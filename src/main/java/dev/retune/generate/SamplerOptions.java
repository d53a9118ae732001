package dev.retune.generate;

import dev.retune.config.KernelsConfig;

/**
 * How tokens are drawn from the LM's logits. An invalid value is an {@link InvalidRequestException} whose message names the
 * {@code retune generate} option that sets it.
 *
 * @param temperature   logits are divided by it before the softmax; 0 = greedy (argmax)
 * @param topK          keep only the k most likely tokens; 0 = off
 * @param topP          keep the smallest set of most likely tokens whose probability sums to at least p; 0 = off
 * @param guidanceScale classifier-free guidance: uncond + (cond − uncond) · scale; 1 = conditional only (no null pass)
 * @param kernel        whether the fused CUDA sampling kernel draws the tokens (auto: on a GPU, once self-checked)
 */
public record SamplerOptions(double temperature, int topK, double topP, double guidanceScale, KernelsConfig.Mode kernel) {

    public SamplerOptions {
        kernel = kernel == null ? KernelsConfig.Mode.AUTO : kernel;
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new InvalidRequestException("--temperature must be a finite number ≥ 0 (0 = greedy), found " + temperature);
        }
        if (topK < 0) {
            throw new InvalidRequestException("--top-k must be ≥ 0 (0 = off), found " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new InvalidRequestException("--top-p must lie in [0, 1] (0 = off), found " + topP);
        }
        if (!(guidanceScale > 0) || Double.isInfinite(guidanceScale)) {
            throw new InvalidRequestException("--cfg (guidance scale) must be a finite number > 0 (1 = off), found " + guidanceScale);
        }
    }

    public boolean usesGuidance() {
        return guidanceScale != 1.0;
    }
}
