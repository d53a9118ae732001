package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.evaluate.MarkdownTable;
import dev.retune.experiment.Sweep;
import dev.retune.experiment.SweepReport;
import dev.retune.experiment.SweepResult;
import dev.retune.experiment.SweepRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune sweep SWEEP.yaml}: train a base config × variants × seeds and compare the variants. */
@Command(name = "sweep",
        mixinStandardHelpOptions = true,
        description = {"Train every variant of a sweep file with every seed, then compare them: best validation loss",
            "mean ± std over seeds, step of best, wall time, trainable parameters, tokens/s (and forgetting on",
            "general_dataset), written to OUT/report.md, OUT/sweep.json and OUT/curves.png.",
            "Each run's folder is OUT/<variant>-<hash of its config delta>: rerunning skips finished runs and resumes",
            "interrupted ones. Ctrl-C or SIGTERM stops the run(s) under way after their current step and checkpoint."},
        footer = {"", "Examples:",
            "  retune sweep configs/sweeps/unfreezing.yaml",
            "  retune sweep configs/sweeps/unfreezing.yaml --dry-run",
            "  retune sweep my-sweep.yaml --parallel 2 --json",
            "", "Exit codes:",
            "  0  every run finished, report written",
            "  3  bad sweep file or config (the message names the variant and key)",
            "  7  a run's process failed (the message names its log)",
            "  130 / 143  interrupted by SIGINT / SIGTERM"})
final class SweepCommand implements Callable<Integer> {

    @Parameters(paramLabel = "SWEEP", description = "The sweep file (YAML).")
    Path file;

    @Option(names = "--parallel", paramLabel = "N", description = "Runs at once, each its own process, the cores split between "
            + "them (default: the file's parallel:, else 1: one after another in this process).")
    Integer parallel;

    @Option(names = "--json", description = "Print the comparison (or with --dry-run the runs) as JSON on stdout.")
    boolean json;

    @Option(names = "--dry-run", description = "List the runs, their folders and whether each is finished, partial or new; train nothing.")
    boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (parallel != null && parallel < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--parallel must be at least 1, found " + parallel);
        }
        Sweep sweep = Sweep.plan(file);
        PrintWriter stdout = spec.commandLine().getOut();
        if (dryRun) {
            stdout.println(json ? Json.of(sweep.runs().stream().map(SweepCommand::describe).toList()) : table(sweep.runs()));
            stdout.flush();
            return ExitCode.OK;
        }
        SweepResult result;
        try (GracefulStop stop = GracefulStop.install()) {
            stop.holdExit(); // every part of a sweep stops cleanly on the flag
            try (CountBar bar = new CountBar("sweep", "runs", !json)) {
                if (!sweep.train(parallel != null ? parallel : sweep.config().parallel(), bar, null, stop.requested())) {
                    return ExitCode.INTERRUPTED;
                }
            }
            try (CountBar bar = new CountBar("forgetting", "clips", !json && sweep.config().generalDataset() != null)) {
                result = SweepResult.of(sweep, bar, stop.requested());
            }
            SweepReport.write(sweep, result);
        }
        stdout.println(json ? Json.of(result) : SweepReport.markdown(result));
        stdout.flush();
        return ExitCode.OK;
    }

    private static Map<String, Object> describe(SweepRun run) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("variant", run.variant());
        json.put("seed", run.seed());
        json.put("folder", run.dir().toString());
        json.put("status", run.status().label());
        json.put("overrides", run.setArguments());
        return json;
    }

    private static String table(List<SweepRun> runs) {
        MarkdownTable table = new MarkdownTable(List.of("variant", "seed", "folder", "status"));
        runs.forEach(r -> table.row(List.of(r.variant(), r.seed(), r.dir(), r.status().label())));
        return table.toString();
    }
}
