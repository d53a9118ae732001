package dev.retune.config;

import java.util.List;

/**
 * Section {@code optim}: the AdamW optimizer.
 *
 * @param lr                          peak learning rate (the schedule scales it per step)
 * @param betas                       AdamW's (beta1, beta2): decay rates of the running mean of gradients and of
 *                                    squared gradients, each in [0, 1)
 * @param weightDecay                 decoupled weight decay per step, as a multiple of lr
 * @param eps                         added to the denominator for numerical stability
 * @param decayNormsBiasesEmbeddings  also apply weight decay to norm weights, biases and embeddings; false = only
 *                                    the other (matrix) weights decay
 * @param layerDecay                  discriminative learning rates (ULMFiT: 2.6): each decoder layer learns at the rate
 *                                    of the layer above it divided by this; heads, final norm and text projection at
 *                                    {@code lr}; embeddings one step below the lowest layer. null = one rate for all
 */
public record OptimConfig(Double lr, List<Double> betas, Double weightDecay, Double eps,
                          Boolean decayNormsBiasesEmbeddings, Double layerDecay) {

    public static final List<Double> DEFAULT_BETAS = List.of(0.9, 0.95);

    public OptimConfig {
        lr = lr == null ? 1e-4 : lr;
        betas = betas == null ? DEFAULT_BETAS : betas;
        weightDecay = weightDecay == null ? 0.1 : weightDecay;
        eps = eps == null ? 1e-8 : eps;
        decayNormsBiasesEmbeddings = decayNormsBiasesEmbeddings != null && decayNormsBiasesEmbeddings;

        Check.positive("optim.lr", lr);
        if (layerDecay != null) {
            Check.atLeast("optim.layer_decay", layerDecay, 1.0);
        }
        if (betas.size() != 2) {
            throw new ConfigException("optim.betas must hold 2 values [beta1, beta2], found " + betas.size() + ": " + betas,
                    "optim.betas");
        }
        betas = Check.items("optim.betas", betas, "a number");
        for (int i = 0; i < betas.size(); i++) {
            Check.below("optim.betas[" + i + "]", betas.get(i), 0.0, 1.0);
        }
        Check.atLeast("optim.weight_decay", weightDecay, 0.0);
        Check.positive("optim.eps", eps);
    }

    public static OptimConfig defaults() {
        return new OptimConfig(null, null, null, null, null, null);
    }
}
