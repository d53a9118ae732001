package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.ScheduleConfig.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The learning rate per optimizer step (0-based: the first step taken is step 0). */
class LrScheduleTest {

    private static final double BASE = 3e-4;
    private static final double EPS = 1e-15;

    @Test
    void warmupRisesLinearlyFromBaseOverWarmupToBase() {
        LrSchedule schedule = new LrSchedule(Kind.COSINE, BASE, 5, 100, 0.1);

        assertEquals(BASE / 5, schedule.lr(0), EPS, "the first step is not trained at lr 0");
        assertEquals(BASE, schedule.lr(4), EPS, "the last warm-up step reaches the base rate");
        double rise = schedule.lr(1) - schedule.lr(0);
        for (int step = 1; step < 5; step++) {
            assertEquals(rise, schedule.lr(step) - schedule.lr(step - 1), EPS, "equal increments at step " + step);
        }
        assertEquals(BASE, schedule.lr(5), EPS, "decay starts from the base rate");
    }

    @Test
    void cosineFallsMonotonicallyToTheFloorAtTotalSteps() {
        LrSchedule schedule = new LrSchedule(Kind.COSINE, BASE, 10, 110, 0.1);

        for (long step = 10; step < 110; step++) {
            assertTrue(schedule.lr(step + 1) <= schedule.lr(step), "non-increasing at step " + step);
            assertTrue(schedule.lr(step + 1) < schedule.lr(step), "strictly falling at step " + step);
        }
        assertEquals(0.1 * BASE, schedule.lr(110), EPS);
        assertEquals(0.55 * BASE, schedule.lr(60), EPS, "half way: half way between base and floor");
        assertTrue(schedule.lr(35) > (1 - 0.25 * 0.9) * BASE, "cosine: above the straight line in the first half");
        assertTrue(schedule.lr(85) < (1 - 0.75 * 0.9) * BASE, "cosine: below the straight line in the second half");
    }

    @Test
    void linearFallsInEqualStepsToTheFloor() {
        LrSchedule schedule = new LrSchedule(Kind.LINEAR, BASE, 0, 40, 0.25);

        double fall = schedule.lr(0) - schedule.lr(1);
        assertTrue(fall > 0);
        for (long step = 1; step < 40; step++) {
            assertEquals(fall, schedule.lr(step) - schedule.lr(step + 1), 1e-12 * BASE, "equal decrements at step " + step);
        }
        assertEquals(0.25 * BASE, schedule.lr(40), EPS);
        assertEquals((BASE - 0.25 * BASE) / 40, fall, 1e-12 * BASE);
    }

    @Test
    void constantStaysAtBaseAfterWarmupWhateverTheFloor() {
        LrSchedule schedule = new LrSchedule(Kind.CONSTANT, BASE, 3, 50, 0.1);

        assertEquals(BASE / 3, schedule.lr(0), EPS);
        for (long step = 2; step <= 60; step++) {
            assertEquals(BASE, schedule.lr(step), EPS, "step " + step);
        }
    }

    @Test
    void noWarmupStartsAtTheBaseRate() {
        for (Kind kind : new Kind[] {Kind.COSINE, Kind.LINEAR, Kind.CONSTANT}) {
            assertEquals(BASE, new LrSchedule(kind, BASE, 0, 100, 0.0).lr(0), EPS, kind.name());
        }
    }

    @Test
    void stepsPastTheEndStayAtTheFloor() {
        for (Kind kind : new Kind[] {Kind.COSINE, Kind.LINEAR}) {
            LrSchedule schedule = new LrSchedule(kind, BASE, 4, 20, 0.05);
            for (long step = 20; step < 200; step += 7) {
                assertEquals(0.05 * BASE, schedule.lr(step), EPS, kind + " at step " + step);
            }
        }
    }

    @Test
    void floorOfZeroEndsAtZeroAndNeverGoesNegative() {
        LrSchedule schedule = new LrSchedule(Kind.COSINE, BASE, 0, 30, 0.0);

        assertEquals(0.0, schedule.lr(30), EPS);
        for (long step = 0; step < 100; step++) {
            assertTrue(schedule.lr(step) >= 0, "step " + step);
        }
    }

    @Test
    void warmupLongerThanTheRunNeverExceedsTheBaseRate() {
        LrSchedule schedule = new LrSchedule(Kind.COSINE, BASE, 50, 20, 0.1);

        for (long step = 0; step < 60; step++) {
            assertTrue(schedule.lr(step) <= BASE + EPS && schedule.lr(step) > 0, "step " + step + ": " + schedule.lr(step));
        }
    }

    @Test
    void unknownKindIsRejectedByTheConfigNamingTheKeyNotRunAsAConstantRate() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromOverrides(List.of("schedule.kind=step")));
        assertTrue(e.getMessage().contains("schedule.kind") && e.getMessage().contains("step"), e.getMessage());
    }

    @Test
    void slantedTriangularRisesShortlyThenFallsLongToOneOverRatio() {
        LrSchedule schedule = new LrSchedule(Kind.SLANTED_TRIANGULAR, BASE, 0, 100, 0.0, 0.1, 32);

        assertEquals(BASE / 32, schedule.lr(0), EPS, "starts at the floor");
        assertEquals(BASE, schedule.lr(10), EPS, "peaks at cut_frac of the run");
        assertEquals(BASE / 32, schedule.lr(100), EPS, "ends at the floor");
        for (long step = 0; step < 10; step++) {
            assertTrue(schedule.lr(step + 1) > schedule.lr(step), "rising at step " + step);
        }
        for (long step = 10; step < 100; step++) {
            assertTrue(schedule.lr(step + 1) < schedule.lr(step), "falling at step " + step);
        }
        double rise = schedule.lr(5) - schedule.lr(4);
        double fall = schedule.lr(50) - schedule.lr(51);
        assertEquals(9.0, rise / fall, 1e-9, "the rise is 9x steeper than the fall with cut_frac 0.1");
    }
}
