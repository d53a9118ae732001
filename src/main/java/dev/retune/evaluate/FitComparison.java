package dev.retune.evaluate;

import java.util.List;

/**
 * Several models scored on the same clips of one dataset: one row per source, and each later source's loss difference
 * to the first with its paired bootstrap interval (the same resampled clips for both), so "the adapted model fits my
 * domain better" is a difference whose interval excludes 0.
 *
 * @param dataset     the dataset folder scored
 * @param split       {@code valid}, {@code train} or {@code all}
 * @param clips       clips scored (the same for every source)
 * @param resamples   bootstrap resamples of every interval
 * @param seed        the bootstrap's seed
 * @param sources     one result per source, in the order given
 * @param differences for every source after the first: its loss minus the first's (negative: it fits better)
 */
public record FitComparison(String dataset, String split, int clips, int resamples, long seed, List<FitResult> sources,
                            List<Difference> differences) {

    /**
     * @param source   the source compared
     * @param baseline the first source
     * @param loss     source's token-weighted loss − baseline's, nats per token
     * @param interval paired bootstrap 95% interval of {@code loss}
     */
    public record Difference(String source, String baseline, double loss, FitResult.Interval interval) {}

    public FitComparison {
        sources = List.copyOf(sources);
        differences = List.copyOf(differences);
    }
}
