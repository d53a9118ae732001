package dev.retune.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * analysis.json: every measure summarised ({@link AnalysisStatistics}) per source × parameter set × prompt set, groups
 * in the order their first sample appears in experiment.json.
 *
 * @param groups one per source × parameter set × prompt set
 */
public record Analysis(List<Group> groups) {

    /** @param metrics each measure's statistics, in the experiment's order of measures */
    public record Group(String source, String parameterSet, String promptSet, Map<String, AnalysisStatistics> metrics) {}

    /** Summarises {@code samples} over {@code metrics}; a null value (a measure the clip does not define) is left out. */
    static Analysis of(List<ExperimentSample> samples, List<String> metrics) {
        Map<List<String>, List<ExperimentSample>> byGroup = new LinkedHashMap<>();
        for (ExperimentSample sample : samples) {
            byGroup.computeIfAbsent(List.of(sample.source(), sample.parameterSet(), sample.promptSet()), k -> new ArrayList<>()).add(sample);
        }
        List<Group> groups = new ArrayList<>();
        byGroup.forEach((key, members) -> {
            Map<String, AnalysisStatistics> statistics = new LinkedHashMap<>();
            for (String metric : metrics) {
                statistics.put(metric, AnalysisStatistics.of(values(members, metric)));
            }
            groups.add(new Group(key.get(0), key.get(1), key.get(2), statistics));
        });
        return new Analysis(List.copyOf(groups));
    }

    /** The defined values of {@code metric} over {@code samples}. */
    static double[] values(List<ExperimentSample> samples, String metric) {
        return samples.stream().map(s -> s.metrics().get(metric)).filter(Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
    }
}
