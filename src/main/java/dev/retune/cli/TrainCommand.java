package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Log;
import dev.retune.RetuneException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.run.RunFolder;
import dev.retune.train.DeviceMemory;
import dev.retune.train.MemoryEstimate;
import dev.retune.train.MemoryFit;
import dev.retune.train.TrainRun;
import dev.retune.train.Trainer;
import dev.retune.train.distributed.Distributed;
import dev.retune.train.distributed.LocalLauncher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune train CONFIG}: fine-tune, resuming from the run folder's latest checkpoint when there is one. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Fine-tune a MusicGen model as the config says.",
            "The run folder gets the resolved config, metrics.jsonl, loss.png, checkpoints/ and summary.json.",
            "Running the same command again resumes exactly where it stopped; a run that finished says so and trains",
            "further only when train.max_steps or train.epochs is raised. Ctrl-C or SIGTERM before training ends at once",
            "(the token cache keeps what is done); while training, after the current step and a checkpoint."},
        footer = {"", "Examples:",
            "  retune train configs/demo.yaml",
            "  retune train configs/demo.yaml --set train.max_steps=200 --out runs/demo-200",
            "  retune train my.yaml --json > log.jsonl   # JSON lines on stdout, no bar",
            "  retune train configs/demo.yaml --nproc 2  # two data-parallel workers",
            "  retune train my.yaml --fit auto           # settings chosen to fit this machine (docs/memory.md)",
            "", "Exit codes:",
            "  0  trained, stopped early by eval.patience, or already finished",
            "  3  bad config or input (the message names the key or file)",
            "  4  no usable training data",
            "  6  diverged (non-finite loss or gradient norm)",
            "  7  a worker of a multi-process run failed",
            "  130 / 143  interrupted by SIGINT / SIGTERM (after a checkpoint once training has begun)"})
final class TrainCommand implements Callable<Integer> {

    @Parameters(paramLabel = "CONFIG", description = "YAML (or JSON) config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. train.max_steps=200 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Run folder (default: runs/<config name>).")
    Path out;

    @Option(names = "--resume", description = "Require a checkpoint to resume from (rerunning resumes anyway when one exists).")
    boolean resume;

    @Option(names = "--json", description = "JSON lines on stdout instead of the progress bar.")
    boolean json;

    @Option(names = "--nproc", paramLabel = "N", description = "Data-parallel training in N worker processes on this machine "
            + "(Gloo on CPU, NCCL on GPU); a cluster launcher sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT instead (default: ${DEFAULT-VALUE}).")
    int nproc = 1;

    @CommandLine.Mixin
    FitOption fit = new FitOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        RetuneConfig resolved = ConfigLoader.load(config, overrides);
        Optional<Distributed.Env> env = Distributed.Env.from(System.getenv());
        if (fit.given() && env.isEmpty()) {
            // The launcher (or a single process) chooses; --nproc workers get the choice as --set lines.
            FitOption.Limit limit = fit.limit(resolved, spec.commandLine());
            MemoryFit.Choice choice = MemoryFit.choose(resolved, limit.bytes(), limit.device(), limit.bf16());
            choice.changes().forEach(change -> Log.info("fit (" + limit.source() + "): " + change));
            overrides = withChoice(overrides, choice.sets());
            resolved = ConfigLoader.load(config, overrides);
        } else if (env.isEmpty()) {
            warnWhenOver(resolved);
        }
        Path runDir = out != null ? out : RunFolder.forConfig(config).dir();
        if (resume && !new RunFolder(runDir).hasCheckpoint()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--resume: " + runDir + " has no checkpoint to resume from");
        }
        if (nproc < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nproc must be at least 1, found " + nproc);
        }
        if (nproc > 1) {
            if (env.isPresent()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--nproc starts its own workers; this process already is rank "
                        + env.get().rank() + " of " + env.get().worldSize() + " (WORLD_SIZE is set)");
            }
            return LocalLauncher.run(nproc, workerArguments(runDir), spec.commandLine().getErr());
        }
        boolean worker = env.map(e -> e.rank() != 0).orElse(false); // only rank 0 reports
        try (GracefulStop stop = GracefulStop.install(); Progress progress = Progress.audio("encoding", !json && !worker)) {
            watchLauncher(stop.requested());
            Trainer.Result result = new TrainRun(resolved, runDir).run(new TrainRun.Output(json && !worker, spec.commandLine().getOut(),
                    progress::updateAudio, null, setup -> stop.holdExit()), stop.requested());
            return result.outcome() == Trainer.Outcome.INTERRUPTED ? ExitCode.INTERRUPTED : ExitCode.OK;
        }
    }

    /** {@code overrides} with the fit's lines replacing any of the same key (a key may be set only once). */
    static List<String> withChoice(List<String> overrides, List<String> sets) {
        List<String> keys = sets.stream().map(TrainCommand::key).toList();
        List<String> merged = new ArrayList<>(overrides.stream().filter(o -> !keys.contains(key(o))).toList());
        merged.addAll(sets);
        return merged;
    }

    private static String key(String override) {
        int equals = override.indexOf('=');
        return (equals < 0 ? override : override.substring(0, equals)).trim();
    }

    /**
     * One line, before any weight is loaded, when the step's estimated peak exceeds what the device has now. A config
     * the estimate cannot read is left for the run to report in its own words.
     */
    private static void warnWhenOver(RetuneConfig config) {
        try {
            DeviceMemory available = DeviceMemory.of(config.device());
            MemoryEstimate estimate = MemoryFit.estimate(config, available.device());
            if (estimate.peak() > available.bytes()) {
                Log.warn("the estimated peak memory of a training step, " + MemoryFit.size(estimate.peak()) + ", exceeds "
                        + available.source() + ", " + MemoryFit.size(available.bytes()) + ": `retune plan CONFIG --fit auto` chooses settings that fit");
            }
        } catch (RetuneException e) {
            // reported by the run itself
        }
    }

    /** This command line for the workers, with the run folder made explicit. */
    private List<String> workerArguments(Path runDir) {
        List<String> args = new ArrayList<>(List.of("train", config.toString(), "--out", runDir.toString()));
        overrides.forEach(o -> args.addAll(List.of("--set", o)));
        if (resume) {
            args.add("--resume");
        }
        if (json) {
            args.add("--json");
        }
        return args;
    }

    /** A worker of {@code --nproc} whose launcher is gone (killed) stops after its current step instead of running on. */
    private static void watchLauncher(AtomicBoolean stop) {
        String pid = System.getenv(LocalLauncher.LAUNCHER_PID);
        if (pid == null) {
            return;
        }
        Thread watch = new Thread(() -> {
            Optional<ProcessHandle> launcher = ProcessHandle.of(Long.parseLong(pid));
            while (launcher.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            stop.set(true);
        }, "retune-launcher-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
