package dev.retune.model;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * y = x·Wᵀ (+ b). {@code weight} [out, in] as in PyTorch and every checkpoint.
 *
 * <p>An optional {@link #setDelta delta} adds a learned correction computed from the same input, y = x·Wᵀ + b + Δ(x):
 * the hook through which adaptation methods (package {@code adapt}) attach low-rank or other updates to a frozen layer
 * without the model knowing about them.
 */
public class Linear extends Module {

    public final Tensor weight;
    public final Tensor bias;
    private final TensorOptional biasOptional;
    private UnaryOperator<Tensor> delta;

    /** Weight drawn from N(0, std²), bias zero. */
    public Linear(long in, long out, boolean withBias, double std) {
        weight = new Tensor(register_parameter("weight", WeightInit.normal(std, out, in)));
        bias = withBias ? new Tensor(register_parameter("bias", WeightInit.zeros(out))) : null;
        biasOptional = bias == null ? new TensorOptional() : new TensorOptional(bias);
    }

    public Tensor forward(Tensor x) {
        Tensor y = torch.linear(x, weight, biasOptional);
        return delta == null ? y : y.add(delta.apply(x));
    }

    /** Adds {@code delta(x)} to every output from now on; null removes it. */
    public void setDelta(UnaryOperator<Tensor> delta) {
        this.delta = delta;
    }

    public long inFeatures() {
        return weight.size(1);
    }

    public long outFeatures() {
        return weight.size(0);
    }
}
