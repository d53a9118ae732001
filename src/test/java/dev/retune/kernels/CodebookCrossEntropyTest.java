package dev.retune.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.KernelsConfig.Mode;
import dev.retune.model.CodebookLoss;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class CodebookCrossEntropyTest {

    private static final long SPECIAL = 33;
    private final CodebookCrossEntropy fused = new CodebookCrossEntropy(Mode.AUTO);

    /** Labels [2, 4, 9] over a vocabulary of 33 with the special token and -100 sprinkled in. */
    private static Tensor labels() {
        torch.manual_seed(3);
        Tensor labels = torch.randint(33, new long[] {2, 4, 9}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Long));
        labels.select(1, 0).narrow(1, 0, 1).fill_(new Scalar(SPECIAL)); // delay-pattern style specials
        labels.select(1, 3).narrow(1, 0, 3).fill_(new Scalar(SPECIAL));
        labels.select(0, 1).narrow(1, 7, 2).fill_(new Scalar(CodebookLoss.IGNORE));
        return labels;
    }

    @Test
    void referenceEqualsTheAutogradLossAndItsGradient() {
        Tensor labels = labels();
        Tensor logits = torch.randn(2, 4, 9, 33).mul(new Scalar(2.0)).requires_grad_(true);
        double upstream = 0.37; // loss scale ÷ gradient accumulation
        CodebookLoss.Result plain = CodebookLoss.compute(logits, labels, SPECIAL);
        plain.loss().mul(new Scalar(upstream)).backward();

        CodebookLoss.Targets targets = CodebookLoss.targets(labels, SPECIAL);
        CodebookCrossEntropy.Result result = fused.forwardBackward(logits.detach(), targets.tokens(), targets.valid(), upstream);

        assertEquals(plain.loss().item_double(), result.loss().item_double(), 1e-5);
        assertTrue(torch.allclose(plain.perCodebook().detach(), result.perCodebook(), 0, 1e-5, false));
        double gradError = logits.grad().sub(result.logitsGrad()).abs().max().item_double();
        assertTrue(gradError < 1e-5, "gradient differs by " + gradError);
        assertTrue(logits.grad().abs().sum().item_double() > 0.1, "the comparison must not be between zeros");
        assertEquals(ScalarType.Float, result.logitsGrad().scalar_type().intern());
    }

    @Test
    void forwardAloneMatchesAndHasNoGradient() {
        Tensor labels = labels();
        Tensor logits = torch.randn(2, 4, 9, 33);
        CodebookLoss.Targets targets = CodebookLoss.targets(labels, SPECIAL);
        CodebookCrossEntropy.Result result = fused.forward(logits, targets.tokens(), targets.valid());
        assertEquals(CodebookLoss.compute(logits, labels, SPECIAL).loss().item_double(), result.loss().item_double(), 1e-5);
        assertEquals(null, result.logitsGrad());
    }

    @Test
    void bfloat16LogitsGiveABfloat16GradientCloseToFp32() {
        Tensor labels = labels();
        Tensor logits = torch.randn(2, 4, 9, 33);
        CodebookLoss.Targets targets = CodebookLoss.targets(labels, SPECIAL);
        CodebookCrossEntropy.Result full = fused.forwardBackward(logits.to(ScalarType.BFloat16).to(ScalarType.Float), targets.tokens(), targets.valid(), 1.0);
        CodebookCrossEntropy.Result half = fused.forwardBackward(logits.to(ScalarType.BFloat16), targets.tokens(), targets.valid(), 1.0);
        assertEquals(ScalarType.BFloat16, half.logitsGrad().scalar_type().intern());
        assertEquals(full.loss().item_double(), half.loss().item_double(), 1e-6); // the loss is computed in fp32 either way
        double scale = full.logitsGrad().abs().max().item_double();
        assertTrue(half.logitsGrad().to(ScalarType.Float).sub(full.logitsGrad()).abs().max().item_double() < scale / 100);
    }

    @Test
    void aCodebookWithoutValidPositionsHasNanLossAndNoGradient() {
        Tensor labels = labels();
        labels.select(1, 2).fill_(new Scalar(SPECIAL));
        Tensor logits = torch.randn(2, 4, 9, 33);
        CodebookLoss.Targets targets = CodebookLoss.targets(labels, SPECIAL);
        CodebookCrossEntropy.Result result = fused.forwardBackward(logits, targets.tokens(), targets.valid(), 1.0);
        assertTrue(Double.isNaN(result.perCodebook().select(0, 2).item_double()));
        assertEquals(0.0, result.logitsGrad().select(1, 2).abs().sum().item_double());
        assertTrue(Double.isFinite(result.perCodebook().select(0, 1).item_double()));
        // Rows of ignored positions get no gradient either.
        assertEquals(0.0, result.logitsGrad().select(0, 1).select(0, 1).narrow(0, 7, 2).abs().sum().item_double());
    }

    @Test
    void badArgumentsAreRejectedWithTheirName() {
        Tensor logits = torch.randn(2, 4, 9, 33);
        CodebookLoss.Targets t = CodebookLoss.targets(labels(), SPECIAL);
        assertMessage("logits must be [B, K, S, V]", () -> fused.forward(logits.reshape(8, 9, 33), t.tokens(), t.valid()));
        assertMessage("logits must be [Float, BFloat16, Half]", () -> fused.forward(logits.to(ScalarType.Double), t.tokens(), t.valid()));
        assertMessage("logits must be contiguous", () -> fused.forward(logits.transpose(2, 3).contiguous().transpose(2, 3), t.tokens(), t.valid()));
        assertMessage("targets must be [Long]", () -> fused.forward(logits, t.tokens().to(ScalarType.Int), t.valid()));
        assertMessage("targets must have shape [2, 4, 9]", () -> fused.forward(logits, t.tokens().narrow(2, 0, 8).contiguous(), t.valid()));
        assertMessage("mask must be [Bool]", () -> fused.forward(logits, t.tokens(), t.valid().to(ScalarType.Long)));
    }

    @Test
    void aTargetOutOfRangeGivesANaNLossForItsCodebookOnlyAsTheKernelDoes() {
        Tensor logits = torch.randn(2, 4, 9, 33);
        CodebookLoss.Targets t = CodebookLoss.targets(labels(), SPECIAL);
        Tensor outOfRange = t.tokens().clone();
        outOfRange.select(1, 1).select(1, 4).fill_(new Scalar(33));
        Tensor valid = t.valid().clone();
        valid.select(1, 1).select(1, 4).fill_(new Scalar(1));

        CodebookCrossEntropy.Result result = fused.forwardBackward(logits, outOfRange, valid, 1.0);

        assertTrue(Double.isNaN(result.loss().item_double()));
        assertTrue(Double.isNaN(result.perCodebook().get(1).item_double()));
        for (int k : new int[] {0, 2, 3}) {
            assertTrue(Double.isFinite(result.perCodebook().get(k).item_double()), "codebook " + k);
        }
        outOfRange.select(1, 1).select(1, 4).fill_(new Scalar(-1)); // and masked, it is never read
        valid.select(1, 1).select(1, 4).fill_(new Scalar(0));
        assertTrue(Double.isFinite(fused.forward(logits, outOfRange, valid).loss().item_double()));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
