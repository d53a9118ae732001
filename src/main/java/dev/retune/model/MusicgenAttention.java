package dev.retune.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head attention of the decoder, used both as causal self-attention and as cross-attention to the text
 * conditioning. Projections have no bias (MusicGen's checkpoints have none). Scores are scaled by hd^-0.5.
 */
public final class MusicgenAttention extends Module {

    public final Linear q_proj;
    public final Linear k_proj;
    public final Linear v_proj;
    public final Linear out_proj;
    private final int heads;
    private final double dropout;

    public MusicgenAttention(int hidden, int heads, double dropout, double initStd) {
        this.heads = heads;
        this.dropout = dropout;
        q_proj = register_module("q_proj", new Linear(hidden, hidden, false, initStd));
        k_proj = register_module("k_proj", new Linear(hidden, hidden, false, initStd));
        v_proj = register_module("v_proj", new Linear(hidden, hidden, false, initStd));
        out_proj = register_module("out_proj", new Linear(hidden, hidden, false, initStd));
    }

    /**
     * @param x      queries' source [B, S, D]
     * @param memory keys' and values' source [B, L, D]: x itself for self-attention, the conditioning for cross-attention
     * @param mask   additive mask broadcastable to [B, H, S, L], or null
     * @param causal whether position s may only attend to positions ≤ s
     */
    public Tensor forward(Tensor x, Tensor memory, Tensor mask, boolean causal) {
        Tensor q = splitHeads(q_proj.forward(x)); // [B, H, S, hd]
        Tensor k = splitHeads(k_proj.forward(memory)); // [B, H, L, hd]
        Tensor v = splitHeads(v_proj.forward(memory)); // [B, H, L, hd]
        double p = is_training() ? dropout : 0.0;
        Tensor attended = torch.scaled_dot_product_attention(q, k, v,
                mask == null ? new TensorOptional() : new TensorOptional(mask), p, causal, new DoubleOptional(), false);
        return out_proj.forward(mergeHeads(attended)); // [B, S, D]
    }

    /**
     * Self-attention of new steps x [B, n, D] at positions [start, start + n) over themselves and the steps cached in
     * {@code cache}, to which their keys and values are appended. One new step attends to everything cached; several
     * get a causal mask relative to the cache.
     */
    public Tensor forwardCached(Tensor x, KvCache.Layer cache, long start) {
        Tensor q = splitHeads(q_proj.forward(x)); // [B, H, n, hd]
        Tensor[] kv = cache.append(splitHeads(k_proj.forward(x)), splitHeads(v_proj.forward(x)), start); // [B, H, start + n, hd]
        long steps = x.size(1);
        Tensor mask = steps == 1 ? null : causalMaskAfter(start, steps, x); // [n, start + n]
        return attend(q, kv[0], kv[1], mask);
    }

    /**
     * Cross-attention of x [B, n, D] to {@code memory} [B, L, D], whose keys and values are projected on the first
     * call with {@code cache} and reused after.
     */
    public Tensor forwardCross(Tensor x, Tensor memory, Tensor mask, KvCache.Layer cache) {
        if (!cache.hasCross()) {
            cache.setCross(splitHeads(k_proj.forward(memory)), splitHeads(v_proj.forward(memory)));
        }
        return attend(splitHeads(q_proj.forward(x)), cache.crossKeys(), cache.crossValues(), mask);
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor mask) {
        double p = is_training() ? dropout : 0.0;
        Tensor attended = torch.scaled_dot_product_attention(q, k, v,
                mask == null ? new TensorOptional() : new TensorOptional(mask), p, false, new DoubleOptional(), false);
        return out_proj.forward(mergeHeads(attended)); // [B, n, D]
    }

    /** Boolean [n, start + n]: new step i may see cached steps and new steps up to itself. */
    private static Tensor causalMaskAfter(long start, long steps, Tensor like) {
        Tensor ones = torch.ones(new long[] {steps, start + steps}, Tensors.options(torch.ScalarType.Bool, like.device()));
        return torch.tril(ones, start);
    }

    /** [B, S, D] → [B, H, S, hd] */
    private Tensor splitHeads(Tensor x) {
        long batch = x.size(0);
        long steps = x.size(1);
        return x.view(batch, steps, heads, x.size(2) / heads).transpose(1, 2);
    }

    /** [B, H, S, hd] → [B, S, D] */
    private static Tensor mergeHeads(Tensor x) {
        return x.transpose(1, 2).reshape(x.size(0), x.size(2), x.size(1) * x.size(3));
    }
}
