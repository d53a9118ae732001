package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * T5's bidirectional self-attention. Scores are NOT scaled by 1/√d (T5 folds that into its initialisation); a learned
 * bias per (relative-position bucket, head) is added, computed in the first block and shared by all blocks.
 */
public final class T5Attention extends Module {

    public final Linear q;
    public final Linear k;
    public final Linear v;
    public final Linear o;
    /** [buckets, H]; only in the first block. */
    public final Embedding relative_attention_bias;
    private final T5Config config;

    public T5Attention(T5Config config, boolean hasRelativeBias) {
        this.config = config;
        int inner = config.numHeads() * config.dKv();
        double dModel = config.dModel();
        q = register_module("q", new Linear(config.dModel(), inner, false, Math.pow(dModel * config.dKv(), -0.5)));
        k = register_module("k", new Linear(config.dModel(), inner, false, Math.pow(dModel, -0.5)));
        v = register_module("v", new Linear(config.dModel(), inner, false, Math.pow(dModel, -0.5)));
        o = register_module("o", new Linear(inner, config.dModel(), false, Math.pow(inner, -0.5)));
        relative_attention_bias = hasRelativeBias
                ? register_module("relative_attention_bias", new Embedding(config.relativeAttentionNumBuckets(), config.numHeads(), Math.pow(dModel, -0.5)))
                : null;
    }

    /**
     * @param x    [B, L, D]
     * @param bias position bias plus additive padding mask, [B, H, L, L]
     */
    public Tensor forward(Tensor x, Tensor bias) {
        Tensor queries = splitHeads(q.forward(x)); // [B, H, L, dkv]
        Tensor keys = splitHeads(k.forward(x));
        Tensor values = splitHeads(v.forward(x));
        double p = is_training() ? config.dropoutRate() : 0.0;
        Tensor attended = ScaledDotProductAttention.apply(queries, keys, values, bias, p, false, 1.0); // [B, H, L, dkv]
        return o.forward(attended.transpose(1, 2).reshape(x.size(0), x.size(1), (long) config.numHeads() * config.dKv()));
    }

    /** Position bias [1, H, L, L] for a sequence of {@code length}; only the first block's attention has the table. */
    public Tensor positionBias(long length) {
        Tensor position = torch.arange(new Scalar(length)); // [L] int64
        Tensor relative = position.unsqueeze(0).sub(position.unsqueeze(1)); // [L, L]: key − query
        Tensor buckets = bucket(relative, config.relativeAttentionNumBuckets(), config.relativeAttentionMaxDistance());
        return relative_attention_bias.forward(buckets).permute(2, 0, 1).unsqueeze(0); // [1, H, L, L]
    }

    /**
     * Bidirectional buckets: half the buckets per direction; within one, distances below half of those buckets get
     * their own bucket and larger ones share logarithmically sized buckets up to {@code maxDistance}.
     */
    static Tensor bucket(Tensor relative, int buckets, int maxDistance) {
        int perSide = buckets / 2;
        Tensor side = relative.gt(new Scalar(0)).to(torch.ScalarType.Long).mul(new Scalar(perSide));
        Tensor distance = relative.abs();
        int exact = perSide / 2;
        Tensor logBucket = torch.log(distance.to(torch.ScalarType.Float).div(new Scalar(exact)))
                .div(new Scalar(Math.log((double) maxDistance / exact)))
                .mul(new Scalar(perSide - exact))
                .to(torch.ScalarType.Long)
                .add(new Scalar(exact));
        logBucket = torch.clamp_max(logBucket, new Scalar(perSide - 1));
        return side.add(torch.where(distance.lt(new Scalar(exact)), distance, logBucket));
    }

    private Tensor splitHeads(Tensor x) {
        return x.view(x.size(0), x.size(1), config.numHeads(), config.dKv()).transpose(1, 2);
    }
}
