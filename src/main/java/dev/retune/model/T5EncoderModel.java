package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The T5 text encoder ({@code text_encoder.} in checkpoints): token embeddings {@code shared}, a stack of blocks and a
 * final RMS norm. {@code encoder.embed_tokens} is the same table as {@code shared} (tied), so it is registered once.
 */
public final class T5EncoderModel extends Module {

    /** {@code encoder}: the block stack. */
    public static final class Stack extends Module {
        public final IndexedModules<T5Block> block;
        public final T5LayerNorm final_layer_norm;

        Stack(T5Config config) {
            List<T5Block> blocks = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                blocks.add(new T5Block(config, i == 0));
            }
            block = register_module("block", new IndexedModules<>(blocks));
            final_layer_norm = register_module("final_layer_norm", new T5LayerNorm(config.dModel(), config.layerNormEpsilon()));
        }
    }

    public final Embedding shared;
    public final Stack encoder;
    private final T5Config config;

    public T5EncoderModel(T5Config config) {
        this.config = config;
        shared = register_module("shared", new Embedding(config.vocabSize(), config.dModel(), 1.0));
        encoder = register_module("encoder", new Stack(config));
    }

    public T5Config config() {
        return config;
    }

    /**
     * @param ids  [B, L] token ids
     * @param mask [B, L] 1 for real tokens, 0 for padding
     * @return last hidden state [B, L, D_text]
     */
    public Tensor forward(Tensor ids, Tensor mask) {
        return forward(ids, mask, null);
    }

    /**
     * As {@link #forward(Tensor, Tensor)}, also appending to {@code hiddenStates} (when not null) the input of every
     * block and the final output, as transformers' {@code output_hidden_states} does.
     */
    public Tensor forward(Tensor ids, Tensor mask, List<Tensor> hiddenStates) {
        Shapes.requireDims("text ids", ids, 2, "[B, L]");
        Tensor x = dropout(shared.forward(ids)); // [B, L, D]
        T5Attention first = encoder.block.get(0).attention.SelfAttention;
        Tensor bias = first.positionBias(ids.size(1)).add(AttentionMask.fromKeyMask(mask, torch.ScalarType.Float)); // [B, H, L, L]
        for (T5Block block : encoder.block) {
            if (hiddenStates != null) {
                hiddenStates.add(x);
            }
            x = block.forward(x, bias);
        }
        x = dropout(encoder.final_layer_norm.forward(x));
        if (hiddenStates != null) {
            hiddenStates.add(x);
        }
        return x;
    }

    private Tensor dropout(Tensor x) {
        return config.dropoutRate() > 0 && is_training() ? torch.dropout(x, config.dropoutRate(), true) : x;
    }
}
