package dev.retune.bench;

import dev.retune.model.DecoderConfig;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.T5Config;

/**
 * Model FLOPs of one training step, counted from the shapes, for MFU (FLOPs per step / step time / the GPU's peak).
 * Only matmuls count, as in PaLM's MFU: a [n, a] × [a, b] product is 2·n·a·b FLOPs; norms, softmax, activations,
 * embedding lookups and the loss are left out (a few % of the total). Attention's two products (QKᵀ and AV) count the
 * full S × S square: the causal mask saves no work in libtorch's attention. Backward is twice the forward of what
 * trains (one matmul for the activation gradient, one for the weight gradient); a frozen matmul with trained layers
 * below it costs the activation half only.
 *
 * <p>Per step, with n = B·S decoder positions and m = B·L text tokens:
 * <ul>
 *   <li>full fine-tuning (decoder and projection train, T5 frozen under no-grad):
 *       forward (decoder + attention + projection + T5) + 2 × (decoder + attention + projection)</li>
 *   <li>LoRA (everything frozen but the adapters): forward (decoder + attention + adapters + projection + T5)
 *       + activation gradients through the decoder's frozen matmuls (1 × decoder, less the cross-attention k/v
 *       projections of the text, whose input needs no gradient) + 2 × attention + 2 × adapters</li>
 * </ul>
 *
 * @param batch       B, segments per step
 * @param positions   S, decoder positions per segment (frames + K − 1 with the delay pattern)
 * @param textTokens  L, text tokens per segment
 * @param decoder     the LM's sizes
 * @param text        the T5 encoder's sizes
 * @param loraRank    r of LoRA on the default targets (self- and cross-attention q, k, v, out; fc1, fc2); 0 = full fine-tuning
 */
record TrainFlops(long batch, long positions, long textTokens, DecoderConfig decoder, T5Config text, int loraRank) {

    static TrainFlops of(MusicgenConfig config, long batch, long frames, long textTokens, int loraRank) {
        return new TrainFlops(batch, frames + config.decoder().numCodebooks() - 1, textTokens, config.decoder(), config.textEncoder(), loraRank);
    }

    /** FLOPs of one optimizer step (one micro-batch of {@link #batch} segments). */
    double perStep() {
        double decoder = decoderLinear();
        double attention = decoderAttention();
        double frozen = textEncoder(); // T5 runs forward only, under no-grad
        double projection = 2.0 * batch * textTokens * text.dModel() * decoder().hiddenSize();
        if (loraRank == 0) {
            double trained = decoder + attention + projection;
            return trained + frozen + 2 * trained;
        }
        double adapters = loraAdapters();
        double forward = decoder + attention + adapters + projection + frozen;
        double activationGrads = decoder - crossKeyValue();
        return forward + activationGrads + 2 * attention + 2 * adapters;
    }

    /** The decoder's weight matmuls: per layer q, k, v, out of self-attention, q, out and k, v (on the text) of cross-attention, fc1, fc2; then K heads. */
    private double decoderLinear() {
        double n = batch * positions;
        long d = decoder.hiddenSize();
        double perLayer = 4 * 2 * n * d * d // self-attention q, k, v, out
                + 2 * 2 * n * d * d // cross-attention q, out
                + 2 * 2 * n * d * decoder.ffnDim(); // fc1, fc2
        return decoder.numHiddenLayers() * perLayer + crossKeyValue() + 2 * n * d * (double) decoder.vocabSize() * decoder.numCodebooks();
    }

    /** Cross-attention's k and v projections of the L text positions, every layer. */
    private double crossKeyValue() {
        long d = decoder.hiddenSize();
        return decoder.numHiddenLayers() * 2 * 2.0 * batch * textTokens * d * d;
    }

    /** QKᵀ and AV: self-attention over S × S, cross-attention over S × L, every layer. */
    private double decoderAttention() {
        long d = decoder.hiddenSize();
        return decoder.numHiddenLayers() * (2 * 2.0 * batch * positions * positions * d + 2 * 2.0 * batch * positions * textTokens * d);
    }

    /** The T5 encoder's forward: per layer q, k, v, o (d_model ↔ heads·d_kv), attention over L × L, wi, wo. */
    private double textEncoder() {
        double m = batch * textTokens;
        long inner = (long) text.numHeads() * text.dKv();
        double perLayer = 4 * 2 * m * text.dModel() * inner + 2 * 2.0 * batch * textTokens * textTokens * inner + 2 * 2 * m * text.dModel() * text.dFf();
        return text.numLayers() * perLayer;
    }

    /** LoRA's A (in → r) and B (r → out) of each target: 2·tokens·r·(in + out). */
    private double loraAdapters() {
        double n = batch * positions;
        double m = batch * textTokens;
        long d = decoder.hiddenSize();
        long f = decoder.ffnDim();
        double perLayer = 6 * 2 * n * loraRank * (d + d) // self q, k, v, out; cross q, out
                + 2 * 2 * m * loraRank * (d + d) // cross k, v on the text
                + 2 * 2 * n * loraRank * (d + f); // fc1, fc2
        return decoder.numHiddenLayers() * perLayer;
    }
}
