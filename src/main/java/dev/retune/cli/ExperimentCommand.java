package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.Log;
import dev.retune.experiment.Experiment;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune experiment EXPERIMENT.yaml}: a generation experiment, resumable, with its analysis and report. */
@Command(name = "experiment",
        mixinStandardHelpOptions = true,
        subcommands = {ExperimentNoteCommand.class, ExperimentPackageCommand.class},
        description = {"Run a generation experiment: named sources × parameter sets × prompt sets × samples, each sample",
            "seeded by its identity, measured, summarised per configuration (mean, std, 95% interval) in experiment.json,",
            "analysis.json, report.md and plots. Rerunning the same file skips finished samples and continues an",
            "interrupted experiment; the same file and seed give the same audio."},
        footer = {"", "Examples:",
            "  retune experiment configs/experiments/base-vs-demo.yaml",
            "  retune experiment configs/experiments/emotions.yaml --json",
            "  retune experiment note experiments/base-vs-demo --title T --text X",
            "  retune experiment package experiments/base-vs-demo --no-audio"})
final class ExperimentCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "EXPERIMENT.yaml", description = "The experiment file.")
    Path file;

    @Option(names = "--json", description = "Print the outcome as JSON on stdout, without a progress bar.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (file == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give the experiment file: retune experiment EXPERIMENT.yaml");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Experiment.Outcome outcome;
        Set<String> told = new HashSet<>();
        // Each sample loads its source anew, so the same line (the checkpoint taken) comes once per sample: tell it once.
        try (Log.Route messages = Log.routeTo(line -> {
                 if (told.add(line)) {
                     stderr.println(line);
                     stderr.flush();
                 }
             });
             GracefulStop stop = GracefulStop.install();
             CountBar bar = new CountBar("experiment", "samples", !json)) {
            outcome = Experiment.run(file, bar, stop.requested());
        }
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("finished", outcome.finished());
            fields.put("out", outcome.out().toString());
            fields.put("samples", outcome.samples());
            fields.put("generated", outcome.generated());
            fields.put("reused", outcome.reused());
            stdout.println(Json.of(fields));
        } else {
            stdout.printf("%s: %d samples (%d generated, %d done before)%s%n", outcome.out(), outcome.samples(), outcome.generated(),
                    outcome.reused(), outcome.finished() ? "; report: " + outcome.out().resolve("report.md") : "; stopped, rerun to continue");
        }
        stdout.flush();
        return outcome.finished() ? ExitCode.OK : ExitCode.INTERRUPTED;
    }
}
