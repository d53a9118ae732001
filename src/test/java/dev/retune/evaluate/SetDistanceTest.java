package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.train.StopRequestedException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The analytic values (a set against a shifted copy of itself: FAD = ‖d‖²), FAD∞ against its a + b/n construction,
 * bootstrap intervals, outlier clips, warnings and the options' checks.
 */
class SetDistanceTest {

    private static final SetDistance.Options NO_EXTRAS = new SetDistance.Options(0, 0, 5000, 0, 500);

    @Test
    void aShiftedCopyIsAtFadEqualToTheSquaredShift() {
        int d = 6;
        EmbeddingSet a = gridSet(5, 40, d, 11);
        float[] shift = {0.5f, -1.25f, 0, 2, 0.75f, -0.5f}; // ‖shift‖² = 6.625; grid values + shift are exact in float32
        EmbeddingSet b = shifted(a, shift);

        SetDistance.Result result = SetDistance.compare(a, b, null, NO_EXTRAS, ProgressListener.NONE, new AtomicBoolean());

        assertEquals(6.625, result.fad(), 1e-9);
        SetDistance.Result itself = SetDistance.compare(a, a, null, NO_EXTRAS, ProgressListener.NONE, new AtomicBoolean());
        assertEquals(0, itself.fad(), 1e-9);
        assertTrue(itself.kad() < 0 && result.kad() > 0.04, "KAD " + itself.kad() + " to itself, " + result.kad() + " to the shifted copy");
    }

    @Test
    void fadInfRecoversTheInterceptOfFadsBiasInOneOverN() {
        // FAD(n) of a subset is about FAD∞ + b/n; the fit in 1/n recovers exact a + b/n points exactly
        int[] sizes = {500, 1000, 1500, 2000};
        double[] fad = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            fad[i] = 0.75 + 120.0 / sizes[i];
        }
        FadInfinity.Fit fit = FadInfinity.leastSquares(sizes, fad);
        assertEquals(0.75, fit.intercept(), 1e-12);
        assertEquals(120, fit.slope(), 1e-9);
        assertEquals(1, fit.r2(), 1e-12);
    }

    @Test
    void fadInfOfSetsFromOneDistributionIsNearZeroAndBelowTheFullSetsFad() {
        int d = 8;
        EmbeddingSet a = gaussianSet(40, 100, d, 0, 1);   // 4000 frames
        EmbeddingSet b = gaussianSet(60, 100, d, 0, 2);   // 6000 frames, the same distribution
        SetDistance.Options options = new SetDistance.Options(0, 7, 500, 25, 500);

        SetDistance.Result result = SetDistance.compare(a, b, null, options, ProgressListener.NONE, new AtomicBoolean());

        assertNotNull(result.fadInf());
        assertEquals(25, result.fadInfFit().frames().length);
        assertEquals(500, result.fadInfFit().frames()[0]);
        assertEquals(4000, result.fadInfFit().frames()[24]);
        // the smallest subset's FAD is dominated by the bias (~ d(d+1)/2 / n), the extrapolation removes it
        assertTrue(result.fadInfFit().fad()[0] > 3 * result.fad(), result.fadInfFit().fad()[0] + " vs " + result.fad());
        assertTrue(result.fadInf() < result.fad(), result.fadInf() + " vs " + result.fad());
        // what is left is the reference's own finite-sample bias (6000 frames: ~0.01), which FAD∞ does not remove
        assertEquals(0, result.fadInf(), 0.02);
    }

    @Test
    void fadInfOfAShiftedDistributionRecoversTheShift() {
        int d = 8;
        EmbeddingSet a = gaussianSet(40, 100, d, 0.25, 3); // every coordinate shifted by 0.25: FAD∞ = 8 · 0.0625 = 0.5
        EmbeddingSet b = gaussianSet(60, 100, d, 0, 4);
        SetDistance.Result result = SetDistance.compare(a, b, null, new SetDistance.Options(0, 7, 500, 25, 500),
                ProgressListener.NONE, new AtomicBoolean());
        assertEquals(0.5, result.fadInf(), 0.03);
        assertTrue(result.fadInfFit().fad()[0] > 0.5 + 0.03, "the smallest subset's FAD carries the bias: " + result.fadInfFit().fad()[0]);
    }

    @Test
    void bootstrapIntervalsSurroundTheEstimatesAndAreSeeded() {
        EmbeddingSet a = gaussianSet(12, 60, 4, 0.3, 5);
        EmbeddingSet b = gaussianSet(15, 60, 4, 0, 6);
        SetDistance.Options options = new SetDistance.Options(200, 11, 5000, 0, 500);

        SetDistance.Result result = SetDistance.compare(a, b, null, options, ProgressListener.NONE, new AtomicBoolean());
        SetDistance.Result again = SetDistance.compare(a, b, null, options, ProgressListener.NONE, new AtomicBoolean());

        assertTrue(result.fadCi95().low() < result.fad() && result.fad() < result.fadCi95().high(), result.toString());
        assertTrue(result.kadCi95().low() < result.kad() && result.kad() < result.kadCi95().high(), result.toString());
        assertTrue(result.fadCi95().low() > 0.1, "a shift of 0.3 in 4 dimensions (FAD 0.36) is told from 0: " + result.fadCi95());
        assertEquals(result.fadCi95(), again.fadCi95());
        assertEquals(result.kadCi95(), again.kadCi95());
    }

    @Test
    void percentileIntervalInterpolatesAsNumpy() {
        double[] values = new double[101];
        for (int i = 0; i <= 100; i++) {
            values[i] = 100 - i; // order does not matter
        }
        assertEquals(new SetDistance.Interval(2.5, 97.5), SetDistance.percentile95(values));
    }

    @Test
    void theClipUnlikeTheReferenceHasTheLargestPerClipScores() {
        List<EmbeddingSet.Clip> clips = new ArrayList<>(gaussianSet(6, 80, 4, 0, 8).clips());
        clips.set(3, gaussianSet(1, 80, 4, 1.5, 9).clips().get(0));
        EmbeddingSet a = new EmbeddingSet(clips, 4);
        EmbeddingSet b = gaussianSet(8, 80, 4, 0, 10);

        SetDistance.Result result = SetDistance.compare(a, b, null, NO_EXTRAS, ProgressListener.NONE, new AtomicBoolean());

        assertEquals(6, result.perClip().size());
        assertEquals(3, result.perClip().indexOf(result.perClip().stream().max(Comparator.comparing(SetDistance.ClipScore::fad)).orElseThrow()));
        assertEquals(3, result.perClip().indexOf(result.perClip().stream().max(Comparator.comparing(SetDistance.ClipScore::kad)).orElseThrow()));
        assertTrue(result.perClip().get(3).fad() > 5 * result.perClip().get(0).fad(), result.perClip().toString());
    }

    @Test
    void fewerFramesThanDimensionsAreWarnedAbout() {
        EmbeddingSet a = gaussianSet(2, 5, 16, 0, 12);   // 10 frames of 16 values: a singular covariance
        EmbeddingSet b = gaussianSet(4, 50, 16, 0, 13);

        SetDistance.Result result = SetDistance.compare(a, b, null, new SetDistance.Options(10, 0, 5000, 0, 500),
                ProgressListener.NONE, new AtomicBoolean());

        assertEquals(1, result.warnings().size(), result.warnings().toString());
        assertTrue(result.warnings().get(0).startsWith("set a has 10 frames, not more than the embedding dimension 16"), result.warnings().get(0));
        assertTrue(SetDistance.compare(b, b, null, NO_EXTRAS, ProgressListener.NONE, new AtomicBoolean()).warnings().isEmpty());
    }

    @Test
    void kadSamplesLargeSetsAndRecordsTheCount() {
        EmbeddingSet a = gaussianSet(10, 100, 4, 0, 14);
        EmbeddingSet b = gaussianSet(10, 100, 4, 0, 15);
        SetDistance.Result result = SetDistance.compare(a, b, null, new SetDistance.Options(0, 3, 300, 0, 500),
                ProgressListener.NONE, new AtomicBoolean());
        assertEquals(300, result.kadFramesA());
        assertEquals(300, result.kadFramesB());
        assertEquals(1000, result.framesA());
        assertEquals(result.kad(), SetDistance.compare(a, b, null, new SetDistance.Options(0, 3, 300, 0, 500),
                ProgressListener.NONE, new AtomicBoolean()).kad());
    }

    @Test
    void badOptionsAndTooSmallSetsAreRefusedWithTheirReason() {
        EvaluationException options = assertThrows(EvaluationException.class, () -> new SetDistance.Options(-1, 0, 5000, 25, 500));
        assertEquals(Failure.USAGE, options.failure());
        assertTrue(options.getMessage().contains("bootstrap resamples must be >= 0, found -1"), options.getMessage());

        EmbeddingSet one = gaussianSet(1, 1, 4, 0, 16);
        EvaluationException tooSmall = assertThrows(EvaluationException.class,
                () -> SetDistance.compare(one, gaussianSet(2, 10, 4, 0, 17), null, NO_EXTRAS, ProgressListener.NONE, new AtomicBoolean()));
        assertEquals(Failure.BAD_INPUT, tooSmall.failure());
        assertTrue(tooSmall.getMessage().startsWith("set a has 1 codec frames"), tooSmall.getMessage());
    }

    @Test
    void aStopRequestEndsTheComparisonBetweenSteps() {
        EmbeddingSet a = gaussianSet(5, 50, 4, 0, 18);
        AtomicBoolean stop = new AtomicBoolean();
        List<Double> progress = new ArrayList<>();
        assertThrows(StopRequestedException.class, () -> SetDistance.compare(a, a, null, new SetDistance.Options(100, 0, 5000, 0, 500),
                (done, total) -> {
                    progress.add(done);
                    stop.set(done >= 3);
                }, stop));
        assertEquals(List.of(1.0, 2.0, 3.0), progress);
    }

    /** Clips of independent N(mean, I) frames. */
    static EmbeddingSet gaussianSet(int clips, int frames, int d, double mean, long seed) {
        Random random = new Random(seed);
        List<EmbeddingSet.Clip> list = new ArrayList<>();
        for (int c = 0; c < clips; c++) {
            float[] values = new float[frames * d];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (mean + random.nextGaussian());
            }
            list.add(new EmbeddingSet.Clip("clip" + c, frames, values));
        }
        return new EmbeddingSet(list, d);
    }

    /** Clips of frames on a grid of 1/8 (exact in float32, as are their sums with the shifts used). */
    private static EmbeddingSet gridSet(int clips, int frames, int d, long seed) {
        Random random = new Random(seed);
        List<EmbeddingSet.Clip> list = new ArrayList<>();
        for (int c = 0; c < clips; c++) {
            float[] values = new float[frames * d];
            for (int i = 0; i < values.length; i++) {
                values[i] = (random.nextInt(64) - 32) / 8f + (i % d);
            }
            list.add(new EmbeddingSet.Clip("clip" + c, frames, values));
        }
        return new EmbeddingSet(list, d);
    }

    private static EmbeddingSet shifted(EmbeddingSet set, float[] shift) {
        List<EmbeddingSet.Clip> list = new ArrayList<>();
        for (EmbeddingSet.Clip clip : set.clips()) {
            float[] values = clip.values().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] += shift[i % shift.length];
            }
            list.add(new EmbeddingSet.Clip(clip.name(), clip.frames(), values));
        }
        return new EmbeddingSet(list, set.dimension());
    }
}
