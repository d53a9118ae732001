package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.run.TrainerState;
import org.junit.jupiter.api.Test;

/** fp16 dynamic loss scaling: skip and back off on overflow, grow after a run of clean steps. */
class LossScalerTest {

    private static LossScaler enabled(long growthInterval) {
        return new LossScaler(true, 1024, 2.0, 0.5, growthInterval);
    }

    @Test
    void disabledScalerHasScaleOneAndNeverSkips() {
        LossScaler scaler = new LossScaler(false, 65536, 2.0, 0.5, 1);

        assertFalse(scaler.enabled());
        assertEquals(1.0, scaler.scale());
        for (double norm : new double[] {0.5, Double.NaN, Double.POSITIVE_INFINITY, 3.0, Double.NEGATIVE_INFINITY}) {
            assertTrue(scaler.update(norm), "a disabled scaler lets every step through, norm " + norm);
            assertEquals(1.0, scaler.scale(), "and never changes its scale, norm " + norm);
        }
        assertEquals(0, scaler.skippedSteps());
    }

    @Test
    void nonFiniteNormSkipsTheStepAndHalvesTheScale() {
        LossScaler scaler = enabled(1000);

        assertEquals(1024, scaler.scale());
        assertFalse(scaler.update(Double.POSITIVE_INFINITY));
        assertEquals(512, scaler.scale());
        assertFalse(scaler.update(Double.NaN));
        assertEquals(256, scaler.scale());
        assertTrue(scaler.update(1.5));
        assertEquals(256, scaler.scale(), "one clean step does not grow it back");
        assertEquals(2, scaler.skippedSteps());
    }

    @Test
    void scaleGrowsAfterGrowthIntervalCleanSteps() {
        LossScaler scaler = enabled(3);

        assertTrue(scaler.update(1.0));
        assertTrue(scaler.update(1.0));
        assertEquals(1024, scaler.scale(), "two clean steps of three");
        assertTrue(scaler.update(1.0));
        assertEquals(2048, scaler.scale(), "grown after the third");
        scaler.update(1.0);
        scaler.update(1.0);
        assertEquals(2048, scaler.scale(), "the count starts again after growing");
        scaler.update(1.0);
        assertEquals(4096, scaler.scale());
        assertEquals(0, scaler.skippedSteps());
    }

    @Test
    void aSkipResetsTheCleanCount() {
        LossScaler scaler = enabled(3);

        scaler.update(1.0);
        scaler.update(1.0);
        scaler.update(Double.NaN); // 512, count back to 0
        scaler.update(1.0);
        scaler.update(1.0);
        assertEquals(512, scaler.scale(), "only two clean steps since the skip");
        scaler.update(1.0);
        assertEquals(1024, scaler.scale());
        assertEquals(1, scaler.skippedSteps());
    }

    @Test
    void stateRoundTripsIntoAFreshScaler() {
        LossScaler scaler = enabled(4);
        scaler.update(1.0);
        scaler.update(Double.NaN);
        scaler.update(1.0);
        scaler.update(1.0);
        TrainerState.LossScale state = scaler.state();
        assertEquals(new TrainerState.LossScale(512, 2, 1), state);

        LossScaler restored = enabled(4);
        restored.restore(state);

        assertEquals(state, restored.state());
        assertEquals(scaler.scale(), restored.scale());
        assertEquals(1, restored.skippedSteps());
        // Both continue identically: two more clean steps complete the interval in both.
        for (double norm : new double[] {1.0, 1.0, Double.POSITIVE_INFINITY, 2.0}) {
            assertEquals(scaler.update(norm), restored.update(norm));
            assertEquals(scaler.state(), restored.state(), "after norm " + norm);
        }
        assertEquals(new TrainerState.LossScale(512, 1, 2), restored.state());
    }
}
