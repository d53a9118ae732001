package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.retune.evaluate.EffectResult.Alignment;
import dev.retune.evaluate.EffectResult.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each verdict rule on numbers made to sit just inside and just outside its boundary. */
class EffectVerdictsTest {

    @Test
    void aFitIsBetterOrWorseOnlyWhenItsIntervalExcludesZero() {
        assertEquals("better", verdicts(fit(-0.21, -0.30, -0.01), fit(0.05, 0.01, 0.09)).get(0).finding());
        assertEquals("unclear", verdicts(fit(-0.21, -0.30, 0.01), fit(0.05, 0.01, 0.09)).get(0).finding());
        assertEquals("worse", verdicts(fit(0.21, 0.01, 0.30), fit(0.05, 0.01, 0.09)).get(0).finding());
        Verdict forgot = verdicts(fit(-0.21, -0.30, -0.01), fit(0.05, 0.01, 0.09)).get(1);
        assertEquals(new Verdict("general_fit", "worse",
                "forgot some of the general data (fits it worse): +0.050 nats/token [+0.010, +0.090] (perplexity 10.00 → 10.51)"), forgot);
        assertEquals("unclear", verdicts(fit(-0.21, -0.30, -0.01), fit(0.05, -0.01, 0.09)).get(1).finding());
        assertEquals(List.of("target_fit", "seed_noise", "target_distance", "prompt_alignment"),
                verdicts(fit(-0.2, -0.3, -0.1), null).stream().map(Verdict::aspect).toList(), "no general dataset, no general_fit");
    }

    @Test
    void anEffectIsBeyondSeedNoiseWhenItsIntervalLiesAboveEveryNoiseInterval() {
        SetDistance.Result effect = kad(0.03, 0.011, 0.05);
        assertEquals(new Verdict("seed_noise", "beyond", "outputs differ from base beyond seed noise: KAD 0.03000 [0.01100, 0.05000]"
                + " vs seed noise 0.001000 [-0.003000, 0.005000] and 0.002000 [-0.002000, 0.01000]"),
                noise(effect, kad(0.001, -0.003, 0.005), kad(0.002, -0.002, 0.010)));
        assertEquals("within", noise(effect, kad(0.001, -0.003, 0.005), kad(0.002, -0.002, 0.012)).finding(),
                "the adapted model's noise reaches above the effect's low end");
        assertEquals("within", noise(effect, kad(0.001, -0.003, 0.012), null).finding());
        assertEquals("beyond", noise(effect, kad(0.001, -0.003, 0.010), null).finding());
        assertEquals("unknown", noise(kad(0.03, Double.NaN, Double.NaN), kad(0.001, -0.003, 0.005), null).finding());
    }

    @Test
    void theTargetComesCloserWhenTheAdaptedIntervalLiesBelowTheBases() {
        assertEquals("closer", distance(kad(0.03, 0.02, 0.04), kad(0.01, 0.005, 0.019)).finding());
        assertEquals("unclear", distance(kad(0.03, 0.02, 0.04), kad(0.01, 0.005, 0.021)).finding());
        assertEquals("farther", distance(kad(0.01, 0.005, 0.019), kad(0.03, 0.02, 0.04)).finding());
        assertEquals("moved toward the target: KAD 0.03000 [0.02000, 0.04000] → 0.01000 [0.005000, 0.01900]",
                distance(kad(0.03, 0.02, 0.04), kad(0.01, 0.005, 0.019)).text());
    }

    @Test
    void promptAlignmentIsBetterOnlyWhenEveryScorerAgrees() {
        assertEquals("better", alignment(gain(0.05, 0.01, 0.09), gain(0.07, 0.02, 0.12)).finding());
        assertEquals("unclear", alignment(gain(0.05, 0.01, 0.09), gain(0.07, -0.02, 0.12)).finding());
        assertEquals("worse", alignment(gain(-0.05, -0.09, -0.01), gain(-0.07, -0.12, -0.02)).finding());
        assertEquals("unclear", alignment(gain(0.05, Double.NaN, Double.NaN), gain(0.07, 0.02, 0.12)).finding(), "a single prompt");
    }

    private static List<Verdict> verdicts(FitComparison target, FitComparison general) {
        SetDistance.Result some = kad(0.01, 0.0, 0.02);
        return EffectVerdicts.of(target, general, some, some, null, some, some, List.of(gain(0, -1, 1)));
    }

    private static Verdict noise(SetDistance.Result effect, SetDistance.Result base, SetDistance.Result adapted) {
        FitComparison fit = fit(-0.2, -0.3, -0.1);
        SetDistance.Result some = kad(0.01, 0.0, 0.02);
        return EffectVerdicts.of(fit, null, effect, base, adapted, some, some, List.of(gain(0, -1, 1))).get(1);
    }

    private static Verdict distance(SetDistance.Result base, SetDistance.Result adapted) {
        SetDistance.Result some = kad(0.01, 0.0, 0.02);
        return EffectVerdicts.of(fit(-0.2, -0.3, -0.1), null, some, some, null, base, adapted, List.of(gain(0, -1, 1))).get(2);
    }

    private static Verdict alignment(Alignment... scorers) {
        SetDistance.Result some = kad(0.01, 0.0, 0.02);
        return EffectVerdicts.of(fit(-0.2, -0.3, -0.1), null, some, some, null, some, some, List.of(scorers)).get(3);
    }

    /** Base at loss ln 10 (perplexity 10), adapted {@code loss} nats/token off it. */
    private static FitComparison fit(double loss, double low, double high) {
        double baseLoss = Math.log(10);
        return new FitComparison("data", "valid", 2, 1000, 0, List.of(fitResult("base", baseLoss), fitResult("adapted", baseLoss + loss)),
                List.of(new FitComparison.Difference("adapted", "base", loss, new FitResult.Interval(low, high))));
    }

    private static FitResult fitResult(String source, double loss) {
        return new FitResult(source, "valid", 400, loss, Math.exp(loss), new FitResult.Interval(loss, loss), List.of(), loss, List.of(), List.of());
    }

    /** A KAD with its interval; NaN bounds for none. */
    private static SetDistance.Result kad(double kad, double low, double high) {
        SetDistance.Interval interval = Double.isNaN(low) ? null : new SetDistance.Interval(low, high);
        return new SetDistance.Result(1.0, null, null, null, kad, interval, 1.0, 100, 100, 4, 4, 100, 100, 1000, 0, List.of(), List.of(), null);
    }

    /** A PMI gain with its interval; NaN bounds for none. */
    private static Alignment gain(double gain, double low, double high) {
        AlignmentResult result = new AlignmentResult("scorer", 1.0, 0.25, 0.25, 0.5, 0.0, List.of(), List.of(), List.of());
        return new Alignment("base", result, result, gain, Double.isNaN(low) ? null : new FitResult.Interval(low, high));
    }
}
