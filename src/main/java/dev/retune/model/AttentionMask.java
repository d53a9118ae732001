package dev.retune.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Additive attention masks: 0 where a key may be attended, the dtype's most negative finite value where not (as
 * transformers does), so a row with every key masked, the null condition of classifier-free guidance, gives a
 * uniform average instead of NaN.
 */
public final class AttentionMask {

    private AttentionMask() {}

    /** [B, L] 1/0 key mask → [B, 1, 1, L] additive mask in {@code dtype}. */
    public static Tensor fromKeyMask(Tensor keyMask, ScalarType dtype) {
        Shapes.requireDims("key mask", keyMask, 2, "[B, L]");
        Tensor masked = keyMask.eq(new Scalar(0)).unsqueeze(1).unsqueeze(1); // [B, 1, 1, L] bool
        return masked.to(dtype).mul(new Scalar(lowest(dtype)));
    }

    /** The most negative finite value of a floating dtype. */
    public static double lowest(ScalarType dtype) {
        return switch (dtype.intern()) {
            case Float -> -Float.MAX_VALUE;
            case BFloat16 -> -3.3895313892515355e38;
            case Half -> -65504.0;
            case Double -> -Double.MAX_VALUE;
            default -> throw new IllegalArgumentException("not a floating dtype: " + dtype);
        };
    }
}
