package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * EnCodec's residual vector quantizer: K Euclidean codebooks applied in turn, each to what the previous ones left.
 * <pre>
 *   encode:  r = x;  for k:  code_k = argmin_e ‖r − embed_k[e]‖²,  r = r − embed_k[code_k]
 *   decode:  x̂ = Σ_k embed_k[code_k]
 * </pre>
 * The distance is computed as transformers does (argmax of −(‖r‖² − 2 r·e + ‖e‖²), first index on ties), so codes
 * match it exactly. Registered as {@code layers.<k>.codebook.embed} [V, D] (V = codebook_size) buffers; the checkpoint's
 * k-means state ({@code inited}, {@code cluster_size}, {@code embed_avg}) is not needed for inference.
 */
public final class ResidualVectorQuantizer extends Module {

    private final Tensor[] embeds; // per quantizer: [V, D]
    /** Containers are held here too: a Module made from Java must stay reachable from Java (see docs/bytedeco.md). */
    private final List<Module> containers = new ArrayList<>();
    private final int dim;

    public ResidualVectorQuantizer(EncodecConfig config) {
        super("EncodecResidualVectorQuantizer");
        this.dim = config.codebookDim();
        this.embeds = new Tensor[config.numQuantizers()];
        // transformers starts from zeros and k-means; a random codebook keeps a fresh codec usable. Usually overwritten.
        Module layers = register_module("layers", new Module("ModuleList"));
        containers.add(layers);
        for (int k = 0; k < embeds.length; k++) {
            Module quantizer = layers.register_module(String.valueOf(k), new Module("EncodecVectorQuantization"));
            Module codebook = quantizer.register_module("codebook", new Module("EncodecEuclideanCodebook"));
            containers.add(quantizer);
            containers.add(codebook);
            embeds[k] = new Tensor(codebook.register_buffer("embed", WeightInit.normal(1.0, config.codebookSize(), dim)));
        }
    }

    /** Quantizers (codebooks) available: K. */
    public int numQuantizers() {
        return embeds.length;
    }

    /** The codebook of quantizer k: [V, D]. */
    public Tensor codebook(int k) {
        return embeds[k];
    }

    /** Codes of the first {@code quantizers} codebooks: [B, D, T] float → [B, quantizers, T] int64. */
    public Tensor encode(Tensor embeddings, int quantizers) {
        Shapes.requireDims("embeddings", embeddings, 3, "[B, D, T]");
        if (embeddings.size(1) != dim) {
            throw new IllegalArgumentException("embeddings: expected [B, " + dim + ", T], found "
                    + java.util.Arrays.toString(Shapes.of(embeddings)));
        }
        if (quantizers < 1 || quantizers > embeds.length) {
            throw new IllegalArgumentException("quantizers: expected 1.." + embeds.length + ", found " + quantizers);
        }
        TensorVector codes = new TensorVector();
        Tensor residual = embeddings; // [B, D, T]
        for (int k = 0; k < quantizers; k++) {
            Tensor code = nearest(residual, embeds[k]); // [B, T]
            residual = residual.sub(lookup(embeds[k], code)); // [B, D, T]
            codes.push_back(code);
        }
        return torch.stack(codes, 1); // [B, K, T]
    }

    /** Sum of the codebook entries: [B, K, T] int64 → [B, D, T] float. */
    public Tensor decode(Tensor codes) {
        Shapes.requireDims("codes", codes, 3, "[B, K, T]");
        long quantizers = codes.size(1);
        if (quantizers < 1 || quantizers > embeds.length) {
            throw new IllegalArgumentException("codes: expected [B, K, T] with K in 1.." + embeds.length + ", found "
                    + java.util.Arrays.toString(Shapes.of(codes)));
        }
        Tensor quantized = lookup(embeds[0], codes.select(1, 0)); // [B, D, T]
        for (int k = 1; k < quantizers; k++) {
            quantized = quantized.add(lookup(embeds[k], codes.select(1, k))); // [B, D, T]
        }
        return quantized;
    }

    /** Index of the nearest entry for each frame: [B, D, T] → [B, T]. */
    private static Tensor nearest(Tensor residual, Tensor embed) {
        long batch = residual.size(0);
        long frames = residual.size(2);
        Tensor x = residual.permute(0, 2, 1).reshape(-1, residual.size(1)); // [B·T, D]
        Tensor e = embed.t(); // [D, V]
        Tensor xx = x.pow(new Scalar(2)).sum(new long[] {1}, true, new ScalarTypeOptional()); // [B·T, 1]
        Tensor ee = e.pow(new Scalar(2)).sum(new long[] {0}, true, new ScalarTypeOptional()); // [1, V]
        Tensor xe = x.mul(new Scalar(2)).matmul(e); // [B·T, V]
        Tensor score = xx.sub(xe).add(ee).neg(); // [B·T, V], −‖x − e‖²
        return new Tensor(score.max(-1).get1()).view(batch, frames); // [B, T]
    }

    /** Codebook entries of the codes: [B, T] → [B, D, T]. */
    private static Tensor lookup(Tensor embed, Tensor code) {
        return torch.embedding(embed, code).permute(0, 2, 1); // [B, D, T]
    }
}
