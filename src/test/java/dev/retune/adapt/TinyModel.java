package dev.retune.adapt;

import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The tiny preset on CPU in fp32, with fixed inputs, for the adapt tests. */
final class TinyModel {

    /** Decoder attention (self and cross) and feed-forward projections: 2 layers × 10 Linears in the tiny preset. */
    static final String DECODER_TARGETS = "self_attn\\.(q|k|v|out)_proj|encoder_attn\\..*_proj|fc1|fc2";

    /** Tiny preset sizes: decoder width D, feed-forward F, layers; T5 width and feed-forward; codebooks K, card V. */
    static final long D = 64;
    static final long F = 256;
    static final int DECODER_LAYERS = 2;
    static final long T5_D = 32;
    static final long T5_F = 64;
    static final int T5_LAYERS = 2;
    static final long K = 4;
    static final long V = 256;

    private TinyModel() {}

    /** A tiny model from {@code seed}, in eval mode. */
    static MusicgenForConditionalGeneration create(long seed) {
        torch.manual_seed(seed);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", 120));
        model.train(false);
        return model;
    }

    /** Decoder input ids [2, K, 10] drawn from {@code seed}. */
    static Tensor ids(long seed) {
        torch.manual_seed(seed);
        return torch.randint(0, V, new long[] {2, K, 10});
    }

    /** Text ids [2, 5] with the second row padded after 3 tokens. */
    static Tensor textIds() {
        return torch.tensor(new long[] {5, 6, 7, 8, 1, 9, 10, 1, 0, 0}).reshape(2, 5);
    }

    static Tensor textMask() {
        return torch.tensor(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}).reshape(2, 5);
    }

    /** Logits [2, K, 10, V] of the whole model (T5 → projection → decoder), with autograd as the caller has it. */
    static Tensor forward(MusicgenForConditionalGeneration model, Tensor ids) {
        return model.logits(ids, model.condition(textIds(), textMask()));
    }

    /** {@link #forward} without autograd. */
    static Tensor logits(MusicgenForConditionalGeneration model, Tensor ids) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return forward(model, ids);
        }
    }

    /** Detached copies of every parameter and buffer. */
    static Map<String, Tensor> snapshot(MusicgenForConditionalGeneration model) {
        Map<String, Tensor> copies = new LinkedHashMap<>();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            StateDict.of(model).forEach((name, t) -> copies.put(name, t.detach().clone()));
        }
        return copies;
    }

    /** Largest |a − b|. */
    static double maxDiff(Tensor a, Tensor b) {
        return a.to(ScalarType.Double).sub(b.to(ScalarType.Double)).abs().max().item_double();
    }

    /** Fills every A and B with N(0, std²) draws from {@code seed}. */
    static void randomize(Lora lora, long seed, double std) {
        torch.manual_seed(seed);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor t : lora.trainable().values()) {
                torch.normal_(t, 0.0, std);
            }
        }
    }
}
