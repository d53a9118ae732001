package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * EnCodec's non-causal ConvTranspose1d: upsample by {@code stride}, then trim P = k − stride samples, P//2 on the
 * right and P − P//2 on the left, so that T frames become T·stride samples. Registered as {@code conv.weight}
 * [in, out, k] (PyTorch's transposed layout) and {@code conv.bias} [out].
 */
public final class EncodecConvTranspose1d extends Module {

    private final Module conv;
    private final Tensor weight; // [in, out, k]
    private final Tensor bias; // [out]
    private final long stride;
    private final long paddingTotal;

    public EncodecConvTranspose1d(int inChannels, int outChannels, int kernel, int stride) {
        super("EncodecConvTranspose1d");
        this.stride = stride;
        this.paddingTotal = kernel - stride;
        // Kaiming-normal weights (fan_in = out·k for this layout) and uniform biases; usually overwritten.
        double bound = 1.0 / Math.sqrt((double) outChannels * kernel);
        conv = register_module("conv", new Module("ConvTranspose1d"));
        weight = new Tensor(conv.register_parameter("weight",
                WeightInit.kaimingNormal(inChannels, outChannels, kernel)));
        bias = new Tensor(conv.register_parameter("bias", WeightInit.uniform(bound, outChannels)));
    }

    /** How far an output sample reaches into the input, in input positions, on either side (a bound). */
    long reach() {
        return (paddingTotal + stride) / stride + 1;
    }

    long stride() {
        return stride;
    }

    /** [B, in, T] → [B, out, T·stride]. */
    public Tensor forward(Tensor x) {
        Tensor y = torch.conv_transpose1d(x, weight, new TensorOptional(bias),
                new long[] {stride}, new long[] {0}, new long[] {0}, 1, 1); // [B, out, (T − 1)·stride + k]
        long paddingRight = paddingTotal / 2;
        long paddingLeft = paddingTotal - paddingRight;
        return y.narrow(-1, paddingLeft, y.size(-1) - paddingLeft - paddingRight); // [B, out, T·stride]
    }
}
