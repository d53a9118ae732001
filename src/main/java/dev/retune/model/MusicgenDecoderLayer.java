package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One pre-LayerNorm decoder layer: causal self-attention, cross-attention to the text, GELU feed-forward, each as a
 * residual branch with dropout.
 */
public final class MusicgenDecoderLayer extends Module {

    private static final double LAYER_NORM_EPS = 1e-5;

    public final MusicgenAttention self_attn;
    public final LayerNorm self_attn_layer_norm;
    public final MusicgenAttention encoder_attn;
    public final LayerNorm encoder_attn_layer_norm;
    public final Linear fc1;
    public final Linear fc2;
    public final LayerNorm final_layer_norm;
    private final DecoderConfig config;

    public MusicgenDecoderLayer(DecoderConfig config, double initStd) {
        this.config = config;
        int d = config.hiddenSize();
        self_attn = register_module("self_attn", new MusicgenAttention(d, config.numAttentionHeads(), config.attentionDropout(), initStd));
        self_attn_layer_norm = register_module("self_attn_layer_norm", new LayerNorm(d, LAYER_NORM_EPS));
        encoder_attn = register_module("encoder_attn", new MusicgenAttention(d, config.numAttentionHeads(), config.attentionDropout(), initStd));
        encoder_attn_layer_norm = register_module("encoder_attn_layer_norm", new LayerNorm(d, LAYER_NORM_EPS));
        fc1 = register_module("fc1", new Linear(d, config.ffnDim(), false, initStd));
        fc2 = register_module("fc2", new Linear(config.ffnDim(), d, false, initStd));
        final_layer_norm = register_module("final_layer_norm", new LayerNorm(d, LAYER_NORM_EPS));
    }

    /**
     * @param x            [B, S, D]
     * @param conditioning [B, L, D] text conditioning
     * @param textMask     additive [B, 1, 1, L] mask of padded text positions
     */
    public Tensor forward(Tensor x, Tensor conditioning, Tensor textMask) {
        // causal self-attention
        Tensor h = self_attn_layer_norm.forward(x);
        x = x.add(dropout(self_attn.forward(h, h, null, true), config.dropout()));
        // cross-attention to the text
        h = encoder_attn_layer_norm.forward(x);
        x = x.add(dropout(encoder_attn.forward(h, conditioning, textMask, false), config.dropout()));
        // feed-forward
        h = final_layer_norm.forward(x);
        h = dropout(torch.gelu(fc1.forward(h)), config.activationDropout());
        return x.add(dropout(fc2.forward(h), config.dropout()));
    }

    private Tensor dropout(Tensor x, double p) {
        return p > 0 && is_training() ? torch.dropout(x, p, true) : x;
    }
}
