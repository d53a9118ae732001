package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A lookup table: {@code weight} [rows, dim]; forward maps integer ids of any shape to [..., dim]. */
public final class Embedding extends Module {

    public final Tensor weight;

    /** Rows drawn from N(0, std²). */
    public Embedding(long rows, long dim, double std) {
        weight = new Tensor(register_parameter("weight", WeightInit.normal(std, rows, dim)));
    }

    public Tensor forward(Tensor ids) {
        return torch.embedding(weight, ids);
    }
}
