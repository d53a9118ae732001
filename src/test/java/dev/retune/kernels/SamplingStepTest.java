package dev.retune.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.KernelsConfig.Mode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class SamplingStepTest {

    private final SamplingStep sampling = new SamplingStep(Mode.AUTO);

    /** log of [0.15, 0.5, 0.05, 0.3]: the most likely token is not the first. */
    private static final float[] PROBS = {0.15f, 0.5f, 0.05f, 0.3f};

    /** The same row of logits for {@code rows} × 4 codebooks, so one call draws many samples. */
    private static Tensor repeated(int rows) {
        float[] logits = new float[rows * 4 * 4];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(PROBS[i % 4]);
        }
        return torch.tensor(logits).reshape(rows, 4, 4);
    }

    private double[] frequencies(SamplingStep.Filter filter) {
        Tensor tokens = sampling.sample(repeated(5000), null, filter, 7, 0); // 20 000 draws
        double[] counts = new double[4];
        long[] values = new long[20_000];
        tokens.contiguous().data_ptr_long().get(values);
        for (long v : values) {
            counts[(int) v] += 1.0 / values.length;
        }
        return counts;
    }

    @Test
    void philoxMatchesTheRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void drawsFollowTheFilteredDistribution() {
        assertArrayEquals(new double[] {0.15, 0.5, 0.05, 0.3}, frequencies(new SamplingStep.Filter(1, 1, 0, 0)), 0.015);
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, frequencies(new SamplingStep.Filter(1, 1, 2, 0)), 0.015);
        // top-p 0.7: 0.5 < 0.7 ≤ 0.5 + 0.3, so the two most likely remain.
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, frequencies(new SamplingStep.Filter(1, 1, 0, 0.7f)), 0.015);
        assertArrayEquals(new double[] {0, 1, 0, 0}, frequencies(new SamplingStep.Filter(1, 1, 0, 0.4f)), 1e-9);
        assertArrayEquals(new double[] {0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95}, frequencies(new SamplingStep.Filter(1, 1, 0, 0.9f)), 0.015);
        // temperature 0.5 squares the probabilities before renormalising.
        double total = 0.15 * 0.15 + 0.5 * 0.5 + 0.05 * 0.05 + 0.3 * 0.3;
        assertArrayEquals(new double[] {0.0225 / total, 0.25 / total, 0.0025 / total, 0.09 / total},
                frequencies(new SamplingStep.Filter(1, 0.5f, 0, 0)), 0.015);
        assertArrayEquals(new double[] {0, 1, 0, 0}, frequencies(new SamplingStep.Filter(1, 0, 0, 0)), 1e-9); // greedy
    }

    @Test
    void guidanceCombinesTheConditionalAndNullLogits() {
        Tensor cond = torch.tensor(new float[] {1, 2, 0}).reshape(1, 1, 3);
        Tensor uncond = torch.tensor(new float[] {0, 4, 0}).reshape(1, 1, 3);
        // uncond + (cond − uncond) · 3 = [3, −2, 0]: greedy picks token 0, while cond alone picks token 1.
        assertEquals(0, sampling.sample(cond, uncond, new SamplingStep.Filter(3, 0, 0, 0), 1, 0).item_long());
        assertEquals(1, sampling.sample(cond, null, new SamplingStep.Filter(3, 0, 0, 0), 1, 0).item_long());
    }

    @Test
    void theSeedAndStepFixTheDraws() {
        torch.manual_seed(1);
        Tensor logits = torch.randn(3, 4, 300);
        SamplingStep.Filter filter = new SamplingStep.Filter(1, 1, 250, 0);
        Tensor a = sampling.sample(logits, null, filter, 42, 5);
        assertTrue(torch.equal(a, sampling.sample(logits, null, filter, 42, 5)));
        assertFalse(torch.equal(a, sampling.sample(logits, null, filter, 42, 6)));
        assertFalse(torch.equal(a, sampling.sample(logits, null, filter, 43, 5)));
        assertEquals(ScalarType.Long, a.scalar_type().intern());
        assertArrayEquals(new long[] {3, 4}, a.sizes().vec().get());
        // bf16 logits sample the same distribution machinery (values rounded first).
        Tensor half = sampling.sample(logits.to(ScalarType.BFloat16), null, filter, 42, 5);
        assertTrue(torch.equal(half, sampling.sample(logits.to(ScalarType.BFloat16).to(ScalarType.Float), null, filter, 42, 5)));
    }

    @Test
    void badArgumentsAreRejectedWithTheirName() {
        Tensor logits = torch.randn(2, 4, 16);
        SamplingStep.Filter ok = new SamplingStep.Filter(3, 1, 0, 0);
        CodebookCrossEntropyTest.assertMessage("cond must be [B, K, V]", () -> sampling.sample(logits.reshape(8, 16), null, ok, 1, 0));
        CodebookCrossEntropyTest.assertMessage("cond must be [Float, BFloat16, Half]", () -> sampling.sample(logits.to(ScalarType.Double), null, ok, 1, 0));
        CodebookCrossEntropyTest.assertMessage("uncond has shape [1, 4, 16]", () -> sampling.sample(logits, logits.narrow(0, 0, 1), ok, 1, 0));
        CodebookCrossEntropyTest.assertMessage("uncond is BFloat16", () -> sampling.sample(logits, logits.to(ScalarType.BFloat16), ok, 1, 0));
        CodebookCrossEntropyTest.assertMessage("temperature", () -> sampling.sample(logits, null, new SamplingStep.Filter(1, -1, 0, 0), 1, 0));
        CodebookCrossEntropyTest.assertMessage("top-p", () -> sampling.sample(logits, null, new SamplingStep.Filter(1, 1, 0, 1.5f), 1, 0));
    }
}
