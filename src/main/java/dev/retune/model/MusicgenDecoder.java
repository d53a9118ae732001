package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The decoder stack ({@code decoder.model.decoder} in checkpoints): one embedding table per codebook, summed, plus
 * sinusoidal positions; pre-LN layers; a final LayerNorm.
 */
public final class MusicgenDecoder extends Module {

    public final IndexedModules<Embedding> embed_tokens;
    public final IndexedModules<MusicgenDecoderLayer> layers;
    public final LayerNorm layer_norm;
    private final DecoderConfig config;
    private final Tensor positions; // [max positions, D], not a parameter

    public MusicgenDecoder(DecoderConfig config, double initStd) {
        this.config = config;
        List<Embedding> tables = new ArrayList<>();
        for (int k = 0; k < config.numCodebooks(); k++) {
            tables.add(new Embedding(config.vocabSize() + 1, config.hiddenSize(), initStd));
        }
        embed_tokens = register_module("embed_tokens", new IndexedModules<>(tables));
        List<MusicgenDecoderLayer> stack = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            stack.add(new MusicgenDecoderLayer(config, initStd));
        }
        layers = register_module("layers", new IndexedModules<>(stack));
        layer_norm = register_module("layer_norm", new LayerNorm(config.hiddenSize(), 1e-5));
        positions = SinusoidalPositions.table(config.maxPositionEmbeddings(), config.hiddenSize());
    }

    /**
     * @param ids          [B, K, S] codebook tokens (delayed, special token = vocab_size)
     * @param start        position of the first step (the length of what came before, for cached generation)
     * @param conditioning [B, L, D]
     * @param textMask     additive [B, 1, 1, L]
     * @return hidden states [B, S, D] after the final LayerNorm
     */
    public Tensor forward(Tensor ids, long start, Tensor conditioning, Tensor textMask) {
        return forward(ids, start, conditioning, textMask, null);
    }

    /**
     * As {@link #forward(Tensor, long, Tensor, Tensor)}, also appending to {@code hiddenStates} (when not null) the
     * input of every layer and the final output, as transformers' {@code output_hidden_states} does.
     */
    public Tensor forward(Tensor ids, long start, Tensor conditioning, Tensor textMask, List<Tensor> hiddenStates) {
        return run(ids, start, conditioning, textMask, null, hiddenStates);
    }

    /**
     * Incremental forward: the new steps ids [B, K, n] at positions [start, start + n), attending over the steps kept in
     * {@code cache} (start must equal its length), which this call extends by n.
     *
     * @return hidden states [B, n, D] of the new steps after the final LayerNorm
     */
    public Tensor forwardCached(Tensor ids, long start, Tensor conditioning, Tensor textMask, KvCache cache) {
        if (cache.layerCount() != layers.count()) {
            throw new IllegalArgumentException("KV cache: expected " + layers.count() + " layers, found " + cache.layerCount());
        }
        if (start != cache.length()) {
            throw new IllegalArgumentException("KV cache: expected start = cached length " + cache.length() + ", found " + start);
        }
        Tensor out = run(ids, start, conditioning, textMask, cache, null);
        cache.advance(ids.size(2));
        return out;
    }

    /** Embeddings, every layer (each with its part of {@code cache} when there is one), the final LayerNorm. */
    private Tensor run(Tensor ids, long start, Tensor conditioning, Tensor textMask, KvCache cache, List<Tensor> hiddenStates) {
        Tensor x = embed(ids, start); // [B, S, D]
        int index = 0;
        for (MusicgenDecoderLayer layer : layers) {
            if (hiddenStates != null) {
                hiddenStates.add(x);
            }
            x = cache == null ? layer.forward(x, conditioning, textMask) : layer.forward(x, conditioning, textMask, cache.layer(index), start);
            index++;
        }
        x = layer_norm.forward(x);
        if (hiddenStates != null) {
            hiddenStates.add(x);
        }
        return x;
    }

    /** Σ_k embed_tokens[k](ids[:, k]) (scaled when configured) + positions [start, start + S), with dropout. */
    private Tensor embed(Tensor ids, long start) {
        Shapes.requireDims("decoder ids", ids, 3, "[B, K, S]");
        long steps = ids.size(2);
        if (start + steps > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("decoder steps " + (start + steps) + " exceed max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        Tensor x = embed_tokens.get(0).forward(ids.select(1, 0)); // [B, S, D]
        for (int k = 1; k < embed_tokens.count(); k++) {
            x = x.add(embed_tokens.get(k).forward(ids.select(1, k)));
        }
        if (config.scaleEmbedding()) {
            x = x.mul(new Scalar(Math.sqrt(config.hiddenSize())));
        }
        x = x.add(positions.narrow(0, start, steps).to(x.device(), x.scalar_type())); // [S, D] broadcast
        if (is_training() && config.dropout() > 0) {
            x = torch.dropout(x, config.dropout(), true);
        }
        return x;
    }

    /** The position table rows [0, count), for checks against checkpoints that store it. */
    public Tensor positions(long count) {
        return positions.narrow(0, 0, count);
    }
}
