package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class SamplerTest {

    /** log of [0.5, 0.3, 0.15, 0.05], shuffled so the order is not the index order. */
    private static final float[] LOGITS = {(float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.3)};

    private static double[] probabilities(double topP, int topK) {
        return new Sampler(new SamplerOptions(1.0, topK, topP, 1.0)).filteredProbabilities(LOGITS);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        assertArrayEquals(new double[] {0, 1, 0, 0}, probabilities(0.4, 0), 1e-6); // 0.5 ≥ 0.4
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, probabilities(0.7, 0), 1e-6); // 0.5 < 0.7 ≤ 0.8
        assertArrayEquals(new double[] {0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95}, probabilities(0.9, 0), 1e-6);
        assertArrayEquals(new double[] {0.15, 0.5, 0.05, 0.3}, probabilities(0, 0), 1e-6); // off
    }

    @Test
    void topKKeepsTheKMostLikely() {
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, probabilities(0, 2), 1e-6);
        assertArrayEquals(new double[] {0, 1, 0, 0}, probabilities(0.9, 1), 1e-6);
    }

    @Test
    void temperatureSharpensAndGreedyTakesTheArgmax() {
        double[] cold = new Sampler(new SamplerOptions(0.5, 0, 0, 1.0)).filteredProbabilities(LOGITS);
        double total = 0.15 * 0.15 + 0.5 * 0.5 + 0.05 * 0.05 + 0.3 * 0.3; // p^(1/T) with T = 0.5
        assertEquals(0.25 / total, cold[1], 1e-6);
        Sampler greedy = new Sampler(SamplerOptions.greedy(1.0));
        assertEquals(1, greedy.sampleRow(LOGITS, new SplittableRandom(1)));
    }

    @Test
    void samplingFollowsTheDistributionAndTheSeed() {
        Sampler sampler = new Sampler(new SamplerOptions(1.0, 0, 0, 1.0));
        SplittableRandom random = new SplittableRandom(7);
        int[] counts = new int[4];
        for (int i = 0; i < 20_000; i++) {
            counts[sampler.sampleRow(LOGITS, random)]++;
        }
        assertEquals(0.5, counts[1] / 20_000.0, 0.02);
        assertEquals(0.05, counts[2] / 20_000.0, 0.01);

        Tensor logits = torch.randn(2, 4, 64);
        Tensor a = sampler.sample(logits, new SplittableRandom(3));
        Tensor b = sampler.sample(logits, new SplittableRandom(3));
        assertTrue(torch.equal(a, b));
        assertEquals(2, a.size(0));
        assertEquals(4, a.size(1));
    }

    @Test
    void guidanceCombinesUncondAndCond() {
        Tensor cond = torch.tensor(new float[] {1, 2});
        Tensor uncond = torch.tensor(new float[] {0, 4});
        Tensor guided = Sampler.guide(cond, uncond, 3.0); // uncond + (cond − uncond) · 3
        assertEquals(3.0, guided.select(0, 0).item_float(), 1e-6);
        assertEquals(-2.0, guided.select(0, 1).item_float(), 1e-6);
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(-1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1, -1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1, 0, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1, 0, 0, 0));
    }
}
