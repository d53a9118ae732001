package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.ConfigLoader;
import dev.retune.config.DataConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.data.CheckReport;
import dev.retune.data.DataChecker;
import dev.retune.data.DatasetOptions;
import dev.retune.data.Problem;
import dev.retune.data.Split;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune data check DIR}: validate every row and file of a dataset, change nothing, summarise. */
@Command(name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Validate a dataset folder (metadata.csv + audio) without modifying anything.",
            "Every file is decoded in full; bad rows are listed with their CSV line and skipped."},
        footer = {"", "Examples:",
            "  retune data check datasets/demo",
            "  retune data check my-set --json > report.json",
            "  retune data check my-set --strict --set data.min_seconds=5",
            "  retune data check --config configs/demo.yaml",
            "", "Exit codes: 0 usable rows remain; 3 the dataset cannot be read;",
            "  4 no usable rows, or --strict and any row is bad."})
final class CheckCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Dataset folder holding metadata.csv (default: data.dataset of --config).")
    Path dir;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Take the data section (min_seconds, valid_fraction, ...) from this config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. data.min_seconds=3 (repeatable); KEY=null resets it to its default.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print the report as JSON on stdout (no progress bar).")
    boolean json;

    @Option(names = "--strict", description = "Exit non-zero when any row is bad.")
    boolean strict;

    @Option(names = "--threads", paramLabel = "N", description = "Files decoded in parallel (default: ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        DataConfig data = resolveConfig().data();
        Path datasetDir = dir != null ? dir : data.dataset() != null ? Path.of(data.dataset()) : null;
        if (datasetDir == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give a dataset folder (DIR) or a --config with data.dataset");
        }
        DatasetOptions options = new DatasetOptions(data.validFraction(), data.allowOutsidePaths());
        CheckReport report;
        try (Progress progress = Progress.start("decoding", 0, "files", !json)) {
            report = DataChecker.check(datasetDir, options, data.minSeconds(), threads, progress::update);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.of(toJson(datasetDir, report)));
        } else {
            printSummary(out, datasetDir, report);
        }
        out.flush();
        if (report.usable().isEmpty() || (strict && !report.problems().isEmpty())) {
            spec.commandLine().getErr().println("error: " + failure(datasetDir, report));
            return ExitCode.DATA_CHECK_FAILED;
        }
        return ExitCode.OK;
    }

    /** Why the check failed, on one line with the first problem, for stderr (the report itself is on stdout). */
    private String failure(Path datasetDir, CheckReport report) {
        String why = report.usable().isEmpty()
                ? datasetDir + ": no usable rows (" + report.rows() + " read, " + report.skipped() + " skipped)"
                : "--strict: " + report.skipped() + " of " + report.rows() + " rows of " + datasetDir + " are skipped";
        return report.problems().isEmpty() ? why
                : why + "; first problem: " + report.problems().get(0).kind().id() + ", " + report.problems().get(0).message();
    }

    private RetuneConfig resolveConfig() {
        if (config != null) {
            return ConfigLoader.load(config, overrides);
        }
        return overrides.isEmpty() ? ConfigLoader.defaults() : ConfigLoader.fromOverrides(overrides);
    }

    static Map<String, Object> toJson(Path datasetDir, CheckReport report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", datasetDir.toString());
        json.put("rows", report.rows());
        json.put("usable", report.usable().size());
        json.put("skipped", report.skipped());
        json.put("total_seconds", round(report.totalSeconds()));
        for (Split split : Split.values()) {
            json.put(split.name().toLowerCase(), Map.of("rows", report.count(split), "seconds", round(report.seconds(split))));
        }
        json.put("duration_seconds", spread(report.durations()));
        json.put("min_seconds", report.minSeconds());
        json.put("sample_rates", report.sampleRates());
        json.put("channels", report.channelCounts());
        json.put("codecs", report.codecs());
        json.put("caption_chars", spread(report.captionChars()));
        json.put("problem_counts", report.problemCounts());
        json.put("problems", report.problems().stream().map(p -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("line", p.line());
            entry.put("file", p.file());
            entry.put("kind", p.kind().id());
            entry.put("message", p.message());
            return entry;
        }).toList());
        return json;
    }

    private static void printSummary(PrintWriter out, Path datasetDir, CheckReport report) {
        double total = report.totalSeconds();
        out.printf("Dataset %s: %d rows read, %d usable, %d skipped%n", datasetDir, report.rows(), report.usable().size(),
                report.skipped());
        out.printf("  audio      %.2f h (%.1f s); train %d files (%.1f s), valid %d files (%.1f s)%n", total / 3600, total,
                report.count(Split.TRAIN), report.seconds(Split.TRAIN), report.count(Split.VALID), report.seconds(Split.VALID));
        CheckReport.Spread d = report.durations();
        out.printf("  duration   min %.2f s, median %.2f s, max %.2f s%n", d.min(), d.median(), d.max());
        out.printf("  rates      %s%n", histogram(report.sampleRates(), " Hz"));
        out.printf("  channels   %s%n", histogram(report.channelCounts(), " ch"));
        out.printf("  codecs     %s%n", histogram(report.codecs(), ""));
        CheckReport.Spread c = report.captionChars();
        out.printf("  captions   min %.0f, median %.0f, max %.0f characters%n", c.min(), c.median(), c.max());
        if (report.problems().isEmpty()) {
            out.println("No problems found.");
            return;
        }
        out.printf("Problems (%d, on %d skipped rows):%n", report.problems().size(), report.skipped());
        Map<Problem.Kind, List<Problem>> byKind = report.problems().stream()
                .collect(Collectors.groupingBy(Problem::kind, LinkedHashMap::new, Collectors.toList()));
        byKind.forEach((kind, problems) -> {
            out.printf("  %s (%d)%n", kind.id(), problems.size());
            problems.forEach(p -> out.printf("    %s%n", p.message()));
        });
    }

    private static String histogram(Map<?, Long> counts, String unit) {
        return counts.entrySet().stream().map(e -> e.getKey() + unit + " x" + e.getValue()).collect(Collectors.joining(", "));
    }

    private static Map<String, Double> spread(CheckReport.Spread s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("min", round(s.min()));
        m.put("median", round(s.median()));
        m.put("max", round(s.max()));
        return m;
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
