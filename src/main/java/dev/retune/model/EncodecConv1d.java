package dev.retune.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * EnCodec's non-causal Conv1d: pad so that every input sample is covered and the last window is complete, then
 * convolve without padding. With k_eff = (k − 1)·dilation + 1 and P = k_eff − stride:
 * <pre>
 *   frames = ceil((L − k_eff + P) / stride + 1) − 1,   extra = frames·stride + k_eff − P − L
 *   pad left = P − P//2,  pad right = P//2 + extra     (reflect, or zeros for pad_mode "constant")
 * </pre>
 * so the output has ceil(L / stride) frames. Registered as {@code conv.weight} [out, in, k] and {@code conv.bias}
 * [out] (the Hugging Face names after weight-norm folding).
 */
public final class EncodecConv1d extends Module {

    private final Module conv;
    private final Tensor weight; // [out, in, k]
    private final Tensor bias; // [out]
    private final long stride;
    private final long dilation;
    private final long effectiveKernel;
    private final long paddingTotal;
    private final boolean reflect;

    public EncodecConv1d(EncodecConfig config, int inChannels, int outChannels, int kernel, int stride, int dilation) {
        super("EncodecConv1d");
        this.stride = stride;
        this.dilation = dilation;
        this.effectiveKernel = (long) (kernel - 1) * dilation + 1;
        this.paddingTotal = effectiveKernel - stride;
        this.reflect = config.padMode().equals("reflect");
        // Kaiming-normal weights and uniform(±1/sqrt(fan_in)) biases, as transformers' _init_weights; usually overwritten.
        double bound = 1.0 / Math.sqrt((double) inChannels * kernel);
        conv = register_module("conv", new Module("Conv1d"));
        weight = new Tensor(conv.register_parameter("weight",
                WeightInit.kaimingNormal(outChannels, inChannels, kernel)));
        bias = new Tensor(conv.register_parameter("bias", WeightInit.uniform(bound, outChannels)));
    }

    /** Stride 1, dilation 1. */
    public EncodecConv1d(EncodecConfig config, int inChannels, int outChannels, int kernel) {
        this(config, inChannels, outChannels, kernel, 1, 1);
    }

    /**
     * How far an output position reaches into the input, in input positions, on either side: at most k_eff − 1.
     * Streaming codecs size their overlap by it.
     */
    long reach() {
        return effectiveKernel - 1;
    }

    long stride() {
        return stride;
    }

    /** [B, in, L] → [B, out, ceil(L / stride)]. */
    public Tensor forward(Tensor x) {
        Tensor padded = pad(x); // [B, in, L + P + extra]
        return torch.conv1d(padded, weight, new TensorOptional(bias),
                new long[] {stride}, new long[] {0}, new long[] {dilation}, 1); // [B, out, T]
    }

    /** The padded input the convolution sees: [B, C, L] → [B, C, L + P + extra]. */
    Tensor pad(Tensor x) {
        long paddingRight = paddingTotal / 2;
        long paddingLeft = paddingTotal - paddingRight;
        return pad1d(x, paddingLeft, paddingRight + extraPadding(x.size(-1))); // [B, C, L + P + extra]
    }

    /** Padding added on the right so that the last window is complete. */
    private long extraPadding(long length) {
        long frames = Math.floorDiv(length - effectiveKernel + paddingTotal + stride - 1, stride); // ceil(../stride + 1) − 1
        long idealLength = frames * stride + effectiveKernel - paddingTotal;
        return idealLength - length;
    }

    /** Reflect padding that also works when the input is shorter than the pad: zero-extend first, cut afterwards. */
    private Tensor pad1d(Tensor x, long left, long right) {
        if (!reflect) {
            return torch.pad(x, left, right); // [B, C, L + left + right], zeros
        }
        long length = x.size(-1);
        long maxPad = Math.max(left, right);
        long zeroExtension = length <= maxPad ? maxPad - length + 1 : 0;
        Tensor extended = zeroExtension > 0 ? torch.pad(x, 0, zeroExtension) : x; // [B, C, L + z]
        Tensor padded = torch.pad(extended, new long[] {left, right}, "reflect", new DoubleOptional()); // [B, C, L + z + left + right]
        return zeroExtension > 0 ? padded.narrow(-1, 0, padded.size(-1) - zeroExtension) : padded; // [B, C, L + left + right]
    }
}
