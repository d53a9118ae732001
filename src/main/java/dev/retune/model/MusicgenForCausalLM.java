package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** The MusicGen LM ({@code decoder.} in checkpoints): the decoder stack and one linear head per codebook. */
public final class MusicgenForCausalLM extends Module {

    /** {@code model.decoder}: the checkpoint nests the stack one level deeper than it needs to. */
    public static final class Wrapper extends Module {
        public final MusicgenDecoder decoder;

        Wrapper(DecoderConfig config, double initStd) {
            decoder = register_module("decoder", new MusicgenDecoder(config, initStd));
        }
    }

    public final Wrapper model;
    public final IndexedModules<Linear> lm_heads;
    private final DecoderConfig config;

    public MusicgenForCausalLM(DecoderConfig config) {
        this.config = config;
        double initStd = 0.02; // transformers' MusicgenDecoderConfig.initializer_factor
        model = register_module("model", new Wrapper(config, initStd));
        List<Linear> heads = new ArrayList<>();
        for (int k = 0; k < config.numCodebooks(); k++) {
            heads.add(new Linear(config.hiddenSize(), config.vocabSize(), false, initStd));
        }
        lm_heads = register_module("lm_heads", new IndexedModules<>(heads));
    }

    public DecoderConfig config() {
        return config;
    }

    public MusicgenDecoder decoder() {
        return model.decoder;
    }

    /**
     * @param ids [B, K, S] delayed codebook tokens
     * @return logits [B, K, S, V]
     */
    public Tensor forward(Tensor ids, long start, Tensor conditioning, Tensor textMask) {
        Tensor hidden = model.decoder.forward(ids, start, conditioning, textMask); // [B, S, D]
        return heads(hidden);
    }

    /**
     * Incremental forward with a {@link KvCache}: ids [B, K, n] are the new steps at positions [start, start + n),
     * start = {@code cache.length()}; the conditioning must be the same on every call with one cache.
     *
     * @return logits [B, K, n, V] of the new steps only
     */
    public Tensor forward(Tensor ids, long start, Tensor conditioning, Tensor textMask, KvCache cache) {
        Tensor hidden = model.decoder.forwardCached(ids, start, conditioning, textMask, cache); // [B, n, D]
        return heads(hidden);
    }

    /** [B, S, D] → [B, K, S, V] */
    public Tensor heads(Tensor hidden) {
        TensorVector perCodebook = new TensorVector();
        for (Linear head : lm_heads) {
            perCodebook.push_back(head.forward(hidden)); // [B, S, V]
        }
        return torch.stack(perCodebook, 1);
    }
}
