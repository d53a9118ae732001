package dev.retune.model;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One pre-LayerNorm decoder layer: causal self-attention, cross-attention to the text, GELU feed-forward, each as a
 * residual branch with dropout.
 *
 * <p>An optional {@link #setBranchHook branch hook} transforms a branch's output (after its dropout) before it is
 * added back to the residual stream, x + hook(branch(x)): the hook through which adaptation methods (package
 * {@code adapt}) insert modules between a branch and its residual add without the model knowing about them.
 */
public final class MusicgenDecoderLayer extends Module {

    /** The three residual branches, in forward order. */
    public enum Branch { SELF_ATTENTION, CROSS_ATTENTION, FEED_FORWARD }

    private static final double LAYER_NORM_EPS = 1e-5;

    public final MusicgenAttention self_attn;
    public final LayerNorm self_attn_layer_norm;
    public final MusicgenAttention encoder_attn;
    public final LayerNorm encoder_attn_layer_norm;
    public final Linear fc1;
    public final Linear fc2;
    public final LayerNorm final_layer_norm;
    private final DecoderConfig config;
    private final Map<Branch, UnaryOperator<Tensor>> branchHooks = new EnumMap<>(Branch.class);

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
     * A whole sequence, as in training.
     *
     * @param x            [B, S, D]
     * @param conditioning [B, L, D] text conditioning
     * @param textMask     additive [B, 1, 1, L] mask of padded text positions
     */
    public Tensor forward(Tensor x, Tensor conditioning, Tensor textMask) {
        return forward(x, conditioning, textMask, null, 0);
    }

    /**
     * New steps x [B, n, D] at positions [start, start + n), as in generation: with a {@code cache} they also attend
     * over the steps it keeps (and this call extends it) and reuse its cross-attention keys and values; without one
     * (start 0) this is the whole-sequence forward.
     */
    public Tensor forward(Tensor x, Tensor conditioning, Tensor textMask, KvCache.Layer cache, long start) {
        // causal self-attention
        Tensor h = self_attn_layer_norm.forward(x);
        x = x.add(hooked(Branch.SELF_ATTENTION, dropout(self_attn.selfAttention(h, cache, start), config.dropout())));
        // cross-attention to the text
        h = encoder_attn_layer_norm.forward(x);
        x = x.add(hooked(Branch.CROSS_ATTENTION, dropout(encoder_attn.crossAttention(h, conditioning, textMask, cache), config.dropout())));
        // feed-forward
        h = final_layer_norm.forward(x);
        h = dropout(torch.gelu(fc1.forward(h)), config.activationDropout());
        return x.add(hooked(Branch.FEED_FORWARD, dropout(fc2.forward(h), config.dropout())));
    }

    /**
     * Applies {@code hook} to {@code branch}'s output [B, S, D] (after dropout, before the residual add) from now on;
     * null removes it. The hook must return the same shape and dtype.
     */
    public void setBranchHook(Branch branch, UnaryOperator<Tensor> hook) {
        if (hook == null) {
            branchHooks.remove(branch);
        } else {
            branchHooks.put(branch, hook);
        }
    }

    private Tensor hooked(Branch branch, Tensor output) {
        UnaryOperator<Tensor> hook = branchHooks.get(branch);
        return hook == null ? output : hook.apply(output);
    }

    private Tensor dropout(Tensor x, double p) {
        return p > 0 && is_training() ? torch.dropout(x, p, true) : x;
    }
}
