package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One T5 encoder block: {@code layer.0} = RMS-normed self-attention, {@code layer.1} = RMS-normed ReLU feed-forward,
 * each a residual branch with dropout.
 */
public final class T5Block extends Module {

    /** {@code layer.0}: self-attention sub-layer. */
    public static final class SelfAttentionLayer extends Module {
        public final T5Attention SelfAttention;
        public final T5LayerNorm layer_norm;

        SelfAttentionLayer(T5Config config, boolean hasRelativeBias) {
            SelfAttention = register_module("SelfAttention", new T5Attention(config, hasRelativeBias));
            layer_norm = register_module("layer_norm", new T5LayerNorm(config.dModel(), config.layerNormEpsilon()));
        }
    }

    /** {@code layer.1.DenseReluDense}: wo(relu(wi(x))). */
    public static final class DenseReluDense extends Module {
        public final Linear wi;
        public final Linear wo;

        DenseReluDense(T5Config config) {
            wi = register_module("wi", new Linear(config.dModel(), config.dFf(), false, Math.pow(config.dModel(), -0.5)));
            wo = register_module("wo", new Linear(config.dFf(), config.dModel(), false, Math.pow(config.dFf(), -0.5)));
        }
    }

    /** {@code layer.1}: feed-forward sub-layer. */
    public static final class FeedForwardLayer extends Module {
        public final DenseReluDense DenseReluDense;
        public final T5LayerNorm layer_norm;

        FeedForwardLayer(T5Config config) {
            DenseReluDense = register_module("DenseReluDense", new DenseReluDense(config));
            layer_norm = register_module("layer_norm", new T5LayerNorm(config.dModel(), config.layerNormEpsilon()));
        }
    }

    /** Containers are held here too: a Module made from Java must stay reachable from Java (see docs/bytedeco.md). */
    private final Module layer;
    public final SelfAttentionLayer attention;
    public final FeedForwardLayer feedForward;
    private final double dropout;

    public T5Block(T5Config config, boolean hasRelativeBias) {
        this.dropout = config.dropoutRate();
        layer = new Module();
        attention = layer.register_module("0", new SelfAttentionLayer(config, hasRelativeBias));
        feedForward = layer.register_module("1", new FeedForwardLayer(config));
        register_module("layer", layer);
    }

    /**
     * @param x    [B, L, D]
     * @param bias [B, H, L, L] position bias plus padding mask
     */
    public Tensor forward(Tensor x, Tensor bias) {
        // self-attention
        Tensor h = attention.SelfAttention.forward(attention.layer_norm.forward(x), bias);
        x = x.add(dropout(h));
        // feed-forward
        h = feedForward.layer_norm.forward(x);
        h = feedForward.DenseReluDense.wi.forward(h);
        h = dropout(torch.relu(h));
        h = feedForward.DenseReluDense.wo.forward(h);
        return x.add(dropout(h));
    }

    private Tensor dropout(Tensor x) {
        return dropout > 0 && is_training() ? torch.dropout(x, dropout, true) : x;
    }
}
