package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
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
     * Causal self-attention of x [B, n, D], the steps at positions [start, start + n). Without a cache (training, a
     * whole sequence: start is 0) the steps attend to each other only. With one, they also attend to the steps cached
     * before them, and their keys and values are appended to it: one new step attends to everything cached; several
     * get a causal mask relative to the cache.
     *
     * @param cache the layer's cache, or null
     */
    public Tensor selfAttention(Tensor x, KvCache.Layer cache, long start) {
        Tensor q = splitHeads(q_proj.forward(x)); // [B, H, n, hd]
        Tensor k = splitHeads(k_proj.forward(x)); // [B, H, n, hd]
        Tensor v = splitHeads(v_proj.forward(x)); // [B, H, n, hd]
        if (cache == null) {
            return attend(q, k, v, null, true);
        }
        Tensor[] kv = cache.append(k, v, start); // [B, H, start + n, hd]
        long steps = x.size(1);
        Tensor mask = steps == 1 ? null : causalMaskAfter(start, steps, x); // [n, start + n]
        return attend(q, kv[0], kv[1], mask, false);
    }

    /**
     * Cross-attention of x [B, n, D] to {@code memory} [B, L, D] (the text conditioning). With a cache, the keys and
     * values of {@code memory} are projected on its first call and reused after.
     *
     * @param mask  additive mask broadcastable to [B, H, n, L], or null
     * @param cache the layer's cache, or null
     */
    public Tensor crossAttention(Tensor x, Tensor memory, Tensor mask, KvCache.Layer cache) {
        Tensor q = splitHeads(q_proj.forward(x)); // [B, H, n, hd]
        if (cache == null) {
            return attend(q, splitHeads(k_proj.forward(memory)), splitHeads(v_proj.forward(memory)), mask, false);
        }
        if (!cache.hasCross()) {
            cache.setCross(splitHeads(k_proj.forward(memory)), splitHeads(v_proj.forward(memory)));
        }
        return attend(q, cache.crossKeys(), cache.crossValues(), mask, false);
    }

    /** q [B, H, n, hd] over k, v [B, H, L, hd] → [B, n, D]; {@code causal}: query i sees keys ≤ i only. */
    private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        double p = is_training() ? dropout : 0.0;
        Tensor attended = ScaledDotProductAttention.apply(q, k, v, mask, p, causal, null); // [B, H, n, hd]
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
