package dev.retune.experiment;

import dev.retune.data.AtomicFile;
import dev.retune.data.WriteException;
import dev.retune.evaluate.Charts;
import dev.retune.evaluate.MarkdownTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * report.md and its plots ({@code plots/METRIC-by-parameter-set.png}, {@code plots/METRIC-by-prompt-set.png}: box
 * plots of each measure per parameter set and per prompt set, labelled {@code source/name} when there are several
 * sources) and the heatmap of prompt sets × measures ({@link ExperimentHeatmap}): what was asked for, the heatmap,
 * then per measure the table of {@link Analysis} and the plots.
 */
final class ExperimentReport {

    private ExperimentReport() {}

    static void write(Path out, ExperimentResult result, Analysis analysis) {
        try {
            Files.createDirectories(out.resolve("plots"));
        } catch (IOException e) {
            throw new WriteException(out.resolve("plots") + ": cannot create the folder: " + e.getMessage(), e);
        }
        StringBuilder md = new StringBuilder();
        md.append(format("# Experiment %s%n%n%d samples: %d sources × %d parameter sets × %d prompts × %d samples, experiment seed %d.%n%n",
                result.experiment(), result.samples().size(), result.sources().size(), result.parameterSets().size(),
                result.promptSets().values().stream().mapToInt(List::size).sum(), result.samplesPerConfiguration(), result.seed()));
        md.append(settings(result));
        md.append("Each cell: mean, sample standard deviation and the 95% Student-t interval of the mean over the samples"
                + " whose clip defines the measure (n).\n");
        if (ExperimentHeatmap.write(out, result.samples(), result.metrics())) {
            md.append(format("%n![prompt sets × measures](%s)%n", ExperimentHeatmap.FILE));
        }
        boolean several = result.sources().size() > 1;
        for (String metric : result.metrics()) {
            md.append(format("%n## %s%n%n", metric)).append(table(analysis, metric)).append('\n');
            for (String by : List.of("parameter-set", "prompt-set")) {
                Function<ExperimentSample, String> label = by.equals("parameter-set") ? ExperimentSample::parameterSet : ExperimentSample::promptSet;
                String plot = "plots/" + metric + "-by-" + by + ".png";
                if (Charts.distributions(out.resolve(plot), metric, valuesBy(result.samples(), metric,
                        s -> several ? s.source() + "/" + label.apply(s) : label.apply(s)))) {
                    md.append(format("![%s by %s](%s)%n", metric, by.replace('-', ' '), plot));
                }
            }
        }
        AtomicFile.writeString(out.resolve("report.md"), md.toString());
    }

    private static String settings(ExperimentResult result) {
        MarkdownTable sources = new MarkdownTable(List.of("source", "model"));
        result.sources().forEach((name, spec) -> sources.row(List.of(name, spec)));
        boolean composed = result.parameterSets().values().stream().anyMatch(p -> p.blend() != null || p.mix() != null);
        List<String> header = new ArrayList<>(List.of("parameter set", "duration (s)", "temperature", "top_k", "top_p", "cfg", "seeds"));
        if (composed) {
            header.addAll(List.of("blend", "mix"));
        }
        MarkdownTable parameters = new MarkdownTable(header);
        result.parameterSets().forEach((name, p) -> {
            List<Object> row = new ArrayList<>(List.of(name, p.duration(), p.temperature(), p.topK(), p.topP(), p.cfg(), p.seedPolicy().value()));
            if (composed) {
                row.add(p.blend() == null ? "" : p.blend());
                row.add(p.mix() == null ? "" : p.mix());
            }
            parameters.row(row);
        });
        MarkdownTable prompts = new MarkdownTable(List.of("prompt set", "prompts"));
        result.promptSets().forEach((name, list) -> prompts.row(List.of(name, String.join("; ", list))));
        return sources + "\n" + parameters + "\n" + prompts + "\n";
    }

    private static String table(Analysis analysis, String metric) {
        MarkdownTable table = new MarkdownTable(List.of("source", "parameter set", "prompt set", "n", "mean", "std", "95% interval"));
        for (Analysis.Group group : analysis.groups()) {
            AnalysisStatistics s = group.metrics().get(metric);
            table.row(List.of(group.source(), group.parameterSet(), group.promptSet(), s.n(), number(s.mean()), number(s.std()),
                    s.low() == null ? "—" : "[" + number(s.low()) + ", " + number(s.high()) + "]"));
        }
        return table.toString();
    }

    /** Each label's defined values of {@code metric}, labels in order of first appearance. */
    private static Map<String, double[]> valuesBy(List<ExperimentSample> samples, String metric, Function<ExperimentSample, String> label) {
        Map<String, List<ExperimentSample>> groups = new LinkedHashMap<>();
        samples.forEach(s -> groups.computeIfAbsent(label.apply(s), k -> new ArrayList<>()).add(s));
        Map<String, double[]> values = new LinkedHashMap<>();
        groups.forEach((name, members) -> values.put(name, Analysis.values(members, metric)));
        return values;
    }

    /** Four significant digits, enough to compare groups; "—" for a value not defined. */
    private static String number(Double value) {
        return value == null ? "—" : format("%.4g", value);
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
