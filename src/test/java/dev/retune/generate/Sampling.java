package dev.retune.generate;

import dev.retune.config.KernelsConfig;

/** Sampler options the tests use, with the kernel chosen as {@code retune generate} does by default (auto). */
final class Sampling {

    /** MusicGen's defaults: temperature 1, top-k 250, top-p off, guidance 3. */
    static final SamplerOptions DEFAULTS = of(1.0, 250, 0.0, 3.0);

    private Sampling() {}

    static SamplerOptions of(double temperature, int topK, double topP, double guidanceScale) {
        return new SamplerOptions(temperature, topK, topP, guidanceScale, KernelsConfig.Mode.AUTO);
    }

    /** Greedy decoding (temperature 0) with the given guidance scale. */
    static SamplerOptions greedy(double guidanceScale) {
        return of(0, 0, 0, guidanceScale);
    }
}
