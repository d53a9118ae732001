package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** y = x·Wᵀ (+ b). {@code weight} [out, in] as in PyTorch and every checkpoint. */
public class Linear extends Module {

    public final Tensor weight;
    public final Tensor bias;
    private final TensorOptional biasOptional;

    /** Weight drawn from N(0, std²), bias zero. */
    public Linear(long in, long out, boolean withBias, double std) {
        weight = new Tensor(register_parameter("weight", torch.randn(out, in).mul_(new Scalar(std))));
        bias = withBias ? new Tensor(register_parameter("bias", torch.zeros(out))) : null;
        biasOptional = bias == null ? new TensorOptional() : new TensorOptional(bias);
    }

    public Tensor forward(Tensor x) {
        return torch.linear(x, weight, biasOptional);
    }

    public long inFeatures() {
        return weight.size(1);
    }

    public long outFeatures() {
        return weight.size(0);
    }
}
