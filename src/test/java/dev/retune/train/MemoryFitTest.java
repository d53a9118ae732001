package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --fit}'s choices, in its order of preference, from the estimates of real model shapes. */
class MemoryFitTest {

    private static RetuneConfig tiny(String... sets) {
        RetuneConfig base = ConfigLoader.fromOverrides(List.of("model.preset=tiny", "data.batch_size=8", "data.segment_seconds=4", "device.kind=cpu"));
        return ConfigLoader.withOverrides(base, List.of(sets));
    }

    @Test
    void aConfigThatFitsIsKeptAsItIs() {
        RetuneConfig config = tiny();
        long peak = MemoryFit.estimate(config, "cpu").peak();

        MemoryFit.Choice choice = MemoryFit.choose(config, peak, "cpu", true);

        assertEquals(List.of(), choice.sets());
        assertEquals(config, choice.config());
        assertTrue(choice.changes().get(0).startsWith("fits as configured"), choice.changes().toString());
    }

    @Test
    void aLimitThatNeedsASmallerMicroBatchKeepsTheEffectiveBatch() {
        RetuneConfig config = tiny("train.grad_accum=3");
        long eight = MemoryFit.estimate(config, "cpu").peak();
        long four = MemoryFit.estimate(ConfigLoader.withOverrides(config, List.of("data.batch_size=4")), "cpu").peak();
        assertTrue(four < eight, "half the micro-batch, less memory: " + four + " < " + eight);

        MemoryFit.Choice choice = MemoryFit.choose(config, (four + eight) / 2, "cpu", true);

        assertEquals(List.of("data.batch_size=4", "train.grad_accum=6"), choice.sets());
        assertEquals(24, choice.config().data().batchSize() * choice.config().train().gradAccum());
        assertEquals(four, choice.estimate().peak());
        assertEquals(eight, choice.asIs().peak());
    }

    @Test
    void theMicroBatchGoesDownBeforeThePrecisionChanges() {
        RetuneConfig config = tiny();
        long one = MemoryFit.estimate(ConfigLoader.withOverrides(config, List.of("data.batch_size=1")), "cpu").peak();

        MemoryFit.Choice choice = MemoryFit.choose(config, one, "cpu", true);

        assertEquals(List.of("data.batch_size=1", "train.grad_accum=8"), choice.sets());
    }

    @Test
    void fullFineTuningFallsBackToLoraBeforePartial() {
        // small's LM: 7.4 GB of weights, gradients and moments in full fine-tuning; LoRA needs none of the last two.
        RetuneConfig config = ConfigLoader.fromOverrides(List.of("model.preset=small", "data.batch_size=1", "data.segment_seconds=1",
                "device.kind=cuda"));
        long full = MemoryFit.estimate(config, "cuda").peak();

        MemoryFit.Choice choice = MemoryFit.choose(config, 6_000_000_000L, "cuda", false);

        assertTrue(full > 6e9, "full fine-tuning does not fit: " + full);
        assertEquals(List.of("adapt.method=lora", "adapt.lora.r=16"), choice.sets());
        assertTrue(choice.estimate().peak() <= 6e9 && choice.estimate().cudaContext() > 0, choice.estimate().summary());
    }

    @Test
    void aLimitBelowEveryOptionSaysTheSmallestEstimateAndTheLimit() {
        ConfigException e = assertThrows(ConfigException.class, () -> MemoryFit.choose(tiny(), 50_000_000, "cpu", true));

        assertTrue(e.getMessage().startsWith("--fit: nothing fits in 50 MB on cpu: the smallest estimate"), e.getMessage());
        assertTrue(e.getMessage().matches(".* is \\d+ MB"), e.getMessage());
    }

    @Test
    void theEstimateGrowsWithEveryShapeItNames() {
        MemoryEstimate base = MemoryFit.estimate(tiny(), "cpu");

        assertTrue(MemoryFit.estimate(tiny("data.segment_seconds=5"), "cpu").activations() > base.activations());
        assertTrue(MemoryFit.estimate(tiny("data.batch_size=16"), "cpu").activations() > 1.9 * base.activations());
        assertEquals(0, base.castWeights());
        assertTrue(MemoryFit.estimate(tiny("precision.mode=bf16"), "cpu").castWeights() > 0);
        assertEquals(2 * base.gradients(), base.optimizerMoments());
        assertEquals(0, base.masterCopies());
    }
}
