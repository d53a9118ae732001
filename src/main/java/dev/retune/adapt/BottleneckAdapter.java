package dev.retune.adapt;

import dev.retune.config.AdaptersSection;
import dev.retune.model.Linear;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A Houlsby bottleneck: Δ(h) = up(act(down(h))), down [m, in] and up [out, m] both with bias. On a residual branch
 * (in = out = D) the adapter computes h + Δ(h); on the text projection Δ is added to the projection's output.
 *
 * <p>down is drawn from N(0, init_std²), up and both biases are zero, so Δ = 0 exactly until up trains. The weights
 * live on the adapted module's device, in its dtype (float32 when that is a 16-bit float, as {@link LoraLayer}
 * keeps its adapters); inputs are cast to that dtype and results back to the input's.
 */
public final class BottleneckAdapter extends Module {

    // Fields keep the Java side of these Java-made modules alive (docs/bytedeco.md).
    public final Linear down; // weight [m, in], bias [m]
    public final Linear up; // weight [out, m], bias [out]
    private final boolean relu;

    /**
     * @param like a weight of the adapted module, giving the device and dtype
     */
    BottleneckAdapter(long in, long out, AdaptersSection config, Tensor like) {
        int m = config.size();
        relu = config.activation().equals(AdaptersSection.RELU);
        down = register_module("down", new Linear(in, m, true, 0.0));
        up = register_module("up", new Linear(m, out, true, 0.0));
        ScalarType baseType = like.scalar_type().intern();
        ScalarType adapterType = baseType == ScalarType.Half || baseType == ScalarType.BFloat16 ? ScalarType.Float : baseType;
        to(like.device(), adapterType, false);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            torch.normal_(down.weight, 0.0, config.initStd());
            down.bias.zero_();
            up.weight.zero_();
            up.bias.zero_();
        }
    }

    /**
     * Δ(x) = up(act(down(x))).
     *
     * @param x [..., in]
     * @return [..., out] in x's dtype
     */
    public Tensor delta(Tensor x) {
        ScalarType inputType = x.scalar_type().intern();
        ScalarType adapterType = down.weight.scalar_type().intern();
        Tensor h = inputType == adapterType ? x : x.to(adapterType);
        h = down.forward(h); // [..., m]
        h = relu ? torch.relu(h) : torch.gelu(h);
        Tensor d = up.forward(h); // [..., out]
        return d.scalar_type().intern() == inputType ? d : d.to(inputType);
    }

    /**
     * h + Δ(h), for a residual branch's output.
     *
     * @param h [..., D] with in = out = D
     */
    public Tensor forward(Tensor h) {
        return h.add(delta(h));
    }

    /** m · (in + 1) + out · (m + 1): both weights and both biases. */
    public long parameterCount() {
        return down.weight.numel() + down.bias.numel() + up.weight.numel() + up.bias.numel();
    }
}
