package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** LayerNorm over the last dimension, with weight and bias (the decoder's pre-norms and final norm). */
public final class LayerNorm extends Module {

    public final Tensor weight;
    public final Tensor bias;
    private final long[] shape;
    private final double eps;

    public LayerNorm(long dim, double eps) {
        weight = new Tensor(register_parameter("weight", WeightInit.ones(dim)));
        bias = new Tensor(register_parameter("bias", WeightInit.zeros(dim)));
        this.shape = new long[] {dim};
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return torch.layer_norm(x, shape, new TensorOptional(weight), new TensorOptional(bias), eps, false);
    }
}
