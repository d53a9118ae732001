package dev.retune.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * softmax(q·kᵀ·scale + mask)·v through libtorch's fused kernel, in float32 on the CPU. libtorch 2.10's CPU kernels for
 * bf16 and fp16 inputs are 10–19× slower than its float32 one at MusicGen's shapes (measured, issue #19: 38 ms against
 * 2 ms for [1, 16, 253, 64], causal), which made bf16 training slower than fp32. So on the CPU the inputs are upcast and
 * the call leaves autocast (which would cast them back down); the result comes back in the dtype the kernel would have
 * produced. Under autocast that holds for inputs of any dtype: a LoRA delta makes a projection's output float32 while
 * the others are bf16, and autocast would cast them all to bf16. On a GPU nothing changes: its reduced-precision
 * kernels are the fast ones.
 */
final class ScaledDotProductAttention {

    private ScaledDotProductAttention() {}

    /**
     * @param q      [B, H, n, hd]
     * @param k      [B, H, L, hd]
     * @param v      [B, H, L, hd]
     * @param mask   boolean (true: may attend) or additive, broadcastable to [B, H, n, L]; or null
     * @param scale  the scores' factor, or null for hd^-0.5
     * @return [B, H, n, hd], in the dtype autocast gives it when enabled, else in q's
     */
    static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor mask, double dropout, boolean causal, Double scale) {
        boolean autocast = q.is_cpu() && torch.is_autocast_enabled(DeviceType.CPU);
        // The dtype the kernel would run in: autocast's (it casts every input), else the inputs' own.
        ScalarType type = autocast ? torch.get_autocast_dtype(DeviceType.CPU).intern() : q.scalar_type().intern();
        if (!q.is_cpu() || !reduced(type)) {
            return call(q, k, v, mask == null || mask.scalar_type().intern() == ScalarType.Bool ? mask : mask.to(type), dropout, causal, scale);
        }
        torch.set_autocast_enabled(DeviceType.CPU, false);
        try {
            Tensor floatMask = mask == null || mask.scalar_type().intern() == ScalarType.Bool ? mask : mask.to(ScalarType.Float);
            return call(q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float), floatMask, dropout, causal, scale).to(type);
        } finally {
            torch.set_autocast_enabled(DeviceType.CPU, autocast);
        }
    }

    private static boolean reduced(ScalarType type) {
        return type == ScalarType.BFloat16 || type == ScalarType.Half;
    }

    private static Tensor call(Tensor q, Tensor k, Tensor v, Tensor mask, double dropout, boolean causal, Double scale) {
        return torch.scaled_dot_product_attention(q, k, v, mask == null ? new TensorOptional() : new TensorOptional(mask), dropout, causal,
                scale == null ? new DoubleOptional() : new DoubleOptional(scale), false);
    }
}
