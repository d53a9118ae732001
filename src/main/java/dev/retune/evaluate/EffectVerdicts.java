package dev.retune.evaluate;

import dev.retune.evaluate.EffectResult.Alignment;
import dev.retune.evaluate.EffectResult.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The rules that turn an adapter comparison's numbers into verdicts. Every rule asks whether a 95% bootstrap interval
 * lies wholly on one side, so "unclear" means the data cannot tell, not that nothing changed.
 * <ul>
 *   <li>target_fit, general_fit: the paired loss difference (adapted − base): better when its interval lies below 0,
 *       worse when above, else unclear. On the general dataset "worse" is forgetting.</li>
 *   <li>seed_noise: beyond when the effect's KAD interval (adapted-A to base-A) lies above every seed-noise KAD
 *       interval (base-B to base-A, and adapted-B to adapted-A when generated); within when the intervals exist and
 *       it does not; unknown when an interval is missing.</li>
 *   <li>target_distance: closer when adapted-A's KAD interval to the target audio lies below base-A's, farther when
 *       above, else unclear (KAD, not FAD: FAD is biased upwards at small sample counts).</li>
 *   <li>prompt_alignment: better when the paired PMI gain's interval lies above 0 under every scorer, worse when below
 *       under every scorer, else unclear.</li>
 * </ul>
 */
final class EffectVerdicts {

    private EffectVerdicts() {}

    static List<Verdict> of(FitComparison targetFit, FitComparison generalFit, SetDistance.Result effect, SetDistance.Result baseNoise,
                            SetDistance.Result adaptedNoise, SetDistance.Result baseToTarget, SetDistance.Result adaptedToTarget,
                            List<Alignment> alignment) {
        List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(targetFit(targetFit));
        if (generalFit != null) {
            verdicts.add(generalFit(generalFit));
        }
        verdicts.add(seedNoise(effect, adaptedNoise == null ? List.of(baseNoise) : List.of(baseNoise, adaptedNoise)));
        verdicts.add(targetDistance(baseToTarget, adaptedToTarget));
        verdicts.add(promptAlignment(alignment));
        return verdicts;
    }

    private static Verdict targetFit(FitComparison fit) {
        String finding = side(fit.differences().get(0).interval());
        String numbers = fitNumbers(fit);
        return new Verdict("target_fit", finding, switch (finding) {
            case "better" -> "fits the target better: " + numbers;
            case "worse" -> "fits the target worse: " + numbers;
            default -> "no clear change in fit on the target: " + numbers + " (the interval includes 0)";
        });
    }

    private static Verdict generalFit(FitComparison fit) {
        String finding = side(fit.differences().get(0).interval());
        String numbers = fitNumbers(fit);
        return new Verdict("general_fit", finding, switch (finding) {
            case "better" -> "fits the general data better too: " + numbers;
            case "worse" -> "forgot some of the general data (fits it worse): " + numbers;
            default -> "no clear forgetting on the general data: " + numbers + " (the interval includes 0)";
        });
    }

    /** better: the interval lies below 0 (a loss that fell); worse: above; unclear: it holds 0. */
    private static String side(FitResult.Interval interval) {
        return interval.high() < 0 ? "better" : interval.low() > 0 ? "worse" : "unclear";
    }

    private static String fitNumbers(FitComparison fit) {
        FitComparison.Difference difference = fit.differences().get(0);
        return format("%+.3f nats/token %s (perplexity %.2f → %.2f)", difference.loss(), interval(difference.interval()),
                fit.sources().get(0).perplexity(), fit.sources().get(1).perplexity());
    }

    private static Verdict seedNoise(SetDistance.Result effect, List<SetDistance.Result> noise) {
        String numbers = "KAD " + kad(effect) + " vs seed noise " + noise.stream().map(EffectVerdicts::kad).collect(Collectors.joining(" and "));
        if (effect.kadCi95() == null || noise.stream().anyMatch(n -> n.kadCi95() == null)) {
            return new Verdict("seed_noise", "unknown", "cannot tell the outputs from seed noise without bootstrap intervals: " + numbers);
        }
        double noiseHigh = noise.stream().mapToDouble(n -> n.kadCi95().high()).max().orElseThrow();
        return effect.kadCi95().low() > noiseHigh
                ? new Verdict("seed_noise", "beyond", "outputs differ from base beyond seed noise: " + numbers)
                : new Verdict("seed_noise", "within", "outputs do not differ from base beyond seed noise: " + numbers);
    }

    private static Verdict targetDistance(SetDistance.Result base, SetDistance.Result adapted) {
        String numbers = "KAD " + kad(base) + " → " + kad(adapted);
        String finding = base.kadCi95() == null || adapted.kadCi95() == null ? "unclear"
                : adapted.kadCi95().high() < base.kadCi95().low() ? "closer"
                : adapted.kadCi95().low() > base.kadCi95().high() ? "farther" : "unclear";
        return new Verdict("target_distance", finding, switch (finding) {
            case "closer" -> "moved toward the target: " + numbers;
            case "farther" -> "moved away from the target: " + numbers;
            default -> "no clear move toward the target: " + numbers + " (the intervals overlap)";
        });
    }

    private static Verdict promptAlignment(List<Alignment> alignment) {
        boolean above = alignment.stream().allMatch(a -> a.pmiGainCi95() != null && a.pmiGainCi95().low() > 0);
        boolean below = alignment.stream().allMatch(a -> a.pmiGainCi95() != null && a.pmiGainCi95().high() < 0);
        String numbers = "PMI gain " + alignment.stream().map(a -> format("%+.4f %s nats/token scored by the %s LM", a.pmiGain(),
                a.pmiGainCi95() == null ? "[no interval]" : format("[%+.4f, %+.4f]", a.pmiGainCi95().low(), a.pmiGainCi95().high()),
                a.scorer())).collect(Collectors.joining(", "))
                + "; R@1 " + alignment.stream().map(a -> format("%.2f → %.2f (%s LM)", a.base().recallAt1(), a.adapted().recallAt1(), a.scorer()))
                .collect(Collectors.joining(", ")) + format(", chance %.2f", alignment.get(0).base().chanceLevel());
        if (above) {
            return new Verdict("prompt_alignment", "better", "follows its prompts better: " + numbers);
        }
        return below ? new Verdict("prompt_alignment", "worse", "follows its prompts less: " + numbers)
                : new Verdict("prompt_alignment", "unclear", "no clear change in prompt alignment: " + numbers);
    }

    private static String kad(SetDistance.Result result) {
        return format("%.4g", result.kad()) + (result.kadCi95() == null ? " [no interval]"
                : format(" [%.4g, %.4g]", result.kadCi95().low(), result.kadCi95().high()));
    }

    private static String interval(FitResult.Interval interval) {
        return format("[%+.3f, %+.3f]", interval.low(), interval.high());
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
