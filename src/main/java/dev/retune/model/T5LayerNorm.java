package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** T5's RMS norm: x · rsqrt(mean(x²) + eps) · w, computed in float32, no mean subtraction, no bias. */
public final class T5LayerNorm extends Module {

    public final Tensor weight;
    private final double eps;

    public T5LayerNorm(long dim, double eps) {
        weight = new Tensor(register_parameter("weight", WeightInit.ones(dim)));
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        Tensor variance = x.to(torch.ScalarType.Float).pow(new Scalar(2)).mean(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
        Tensor normed = x.mul(torch.rsqrt(variance.add(new Scalar(eps))));
        return weight.mul(normed.to(weight.scalar_type()));
    }
}
