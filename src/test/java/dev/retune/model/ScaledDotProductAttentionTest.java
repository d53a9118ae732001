package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Attention on the CPU: bf16 inputs run libtorch's float32 kernel, also under autocast, and match the plain equation. */
class ScaledDotProductAttentionTest {

    @AfterEach
    void autocastOff() {
        torch.set_autocast_enabled(DeviceType.CPU, false);
    }

    private static Tensor[] inputs(long seed) {
        torch.manual_seed(seed);
        return new Tensor[] {torch.randn(2, 4, 9, 16), torch.randn(2, 4, 9, 16), torch.randn(2, 4, 9, 16)}; // [B, H, n, hd]
    }

    private static Tensor float32Kernel(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        return torch.scaled_dot_product_attention(q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float),
                mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, causal, new DoubleOptional(), false);
    }

    /** softmax(q·kᵀ/√hd + mask)·v, operator by operator in float64. */
    private static Tensor equation(Tensor q, Tensor k, Tensor v, Tensor additiveMask) {
        Tensor scores = q.to(ScalarType.Double).matmul(k.to(ScalarType.Double).transpose(-1, -2)).div(new Scalar(Math.sqrt(q.size(-1))));
        return scores.add(additiveMask.to(ScalarType.Double)).softmax(-1).matmul(v.to(ScalarType.Double));
    }

    private static double maxDifference(Tensor a, Tensor b) {
        return a.to(ScalarType.Double).sub(b.to(ScalarType.Double)).abs().max().item_double();
    }

    @Test
    void bf16InputsUnderAutocastRunTheFloat32KernelAndComeBackInBf16() {
        Tensor[] in = inputs(1);
        Tensor q = in[0].to(ScalarType.BFloat16);
        Tensor k = in[1].to(ScalarType.BFloat16);
        Tensor v = in[2].to(ScalarType.BFloat16);
        Tensor expected = float32Kernel(q, k, v, null, true).to(ScalarType.BFloat16);

        torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
        torch.set_autocast_enabled(DeviceType.CPU, true);
        Tensor out = ScaledDotProductAttention.apply(q, k, v, null, 0.0, true, null);
        assertTrue(torch.is_autocast_enabled(DeviceType.CPU), "autocast is restored after the call");
        torch.set_autocast_enabled(DeviceType.CPU, false);

        assertEquals(ScalarType.BFloat16, out.scalar_type().intern());
        // Bit for bit the float32 kernel's result: libtorch's bf16 kernel (what autocast would pick) rounds differently.
        assertTrue(torch.equal(expected, out), "differs from the float32 kernel by " + maxDifference(expected, out));
        Tensor causal = torch.triu(torch.full(new long[] {9, 9}, new Scalar(Double.NEGATIVE_INFINITY)), 1);
        assertTrue(maxDifference(equation(q, k, v, causal), out) < 2e-2, "the equation's result");
    }

    @Test
    void mixedInputsUnderAutocastAlsoRunTheFloat32Kernel() {
        // A LoRA delta leaves one projection float32 while the others are bf16: autocast would cast all to bf16.
        Tensor[] in = inputs(4);
        Tensor k = in[1].to(ScalarType.BFloat16);
        Tensor v = in[2].to(ScalarType.BFloat16);
        Tensor expected = float32Kernel(in[0], k, v, null, false).to(ScalarType.BFloat16);

        torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
        torch.set_autocast_enabled(DeviceType.CPU, true);
        Tensor out = ScaledDotProductAttention.apply(in[0], k, v, null, 0.0, false, null);

        assertEquals(ScalarType.BFloat16, out.scalar_type().intern(), "autocast's dtype, as the kernel would give");
        assertTrue(torch.equal(expected, out), "differs from the float32 kernel by " + maxDifference(expected, out));
    }

    @Test
    void anAdditiveBf16MaskAndTheGradientsFollowTheEquation() {
        Tensor[] in = inputs(2);
        Tensor q = in[0].to(ScalarType.BFloat16).set_requires_grad(true);
        Tensor k = in[1].to(ScalarType.BFloat16).set_requires_grad(true);
        Tensor v = in[2].to(ScalarType.BFloat16).set_requires_grad(true);
        Tensor mask = AttentionMask.fromKeyMask(torch.tensor(new long[] {1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1}).reshape(2, 9),
                ScalarType.BFloat16); // [B, 1, 1, L]
        Tensor out = ScaledDotProductAttention.apply(q, k, v, mask, 0.0, false, null);
        out.to(ScalarType.Float).sum().backward(new Tensor(), new BoolOptional(), false, new TensorArrayRefOptional());

        Tensor q64 = in[0].to(ScalarType.BFloat16).to(ScalarType.Double).set_requires_grad(true);
        Tensor k64 = in[1].to(ScalarType.BFloat16).to(ScalarType.Double).set_requires_grad(true);
        Tensor v64 = in[2].to(ScalarType.BFloat16).to(ScalarType.Double).set_requires_grad(true);
        Tensor reference = equation(q64, k64, v64, mask);
        reference.sum().backward(new Tensor(), new BoolOptional(), false, new TensorArrayRefOptional());

        assertEquals(ScalarType.BFloat16, out.scalar_type().intern());
        assertTrue(maxDifference(reference, out) < 2e-2, "output off by " + maxDifference(reference, out));
        assertTrue(maxDifference(q64.grad(), q.grad()) < 3e-2, "q's gradient off by " + maxDifference(q64.grad(), q.grad()));
        assertTrue(maxDifference(v64.grad(), v.grad()) < 3e-2, "v's gradient off by " + maxDifference(v64.grad(), v.grad()));
    }

    @Test
    void float32InputsCallTheKernelUnchanged() {
        Tensor[] in = inputs(3);
        Tensor out = ScaledDotProductAttention.apply(in[0], in[1], in[2], null, 0.0, true, 0.5);
        Tensor direct = torch.scaled_dot_product_attention(in[0], in[1], in[2], new TensorOptional(), 0.0, true, new DoubleOptional(0.5), false);
        assertTrue(torch.equal(direct, out));
    }
}
