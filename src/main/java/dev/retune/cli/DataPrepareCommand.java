package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.model.Devices;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.train.TrainRun;
import dev.retune.train.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune data prepare CONFIG}: encode the dataset into the token cache ahead of training. */
@Command(name = "prepare",
        mixinStandardHelpOptions = true,
        description = {
            "Fill the token cache ahead of training.",
            "Encodes every track of the config's dataset with the model's codec and stores the tokens in the cache",
            "(data.cache_dir), so training never decodes audio. Files already cached are skipped."},
        footer = {"", "Example:", "  retune data prepare configs/demo.yaml"})
final class DataPrepareCommand implements Callable<Integer> {

    @Parameters(paramLabel = "CONFIG", description = "The training config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Run folder, only used when the config names no model.path.")
    Path out = Path.of("runs", "prepare");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RetuneConfig resolved = ConfigLoader.load(config, overrides);
        TrainRun run = new TrainRun(resolved, out);
        long started = System.nanoTime();
        // SIGINT / SIGTERM end the process at once: every cache entry is written atomically, so a rerun encodes only
        // what is missing.
        try (Progress progress = Progress.audio("encoding", true)) {
            MusicgenForConditionalGeneration model = run.loadModel(Devices.select(resolved.device()));
            TrainingData data = run.prepareData(model, progress::updateAudio, new AtomicBoolean());
            spec.commandLine().getOut().printf("Prepared %d training batches per epoch and %d validation batches in %.1f s%n",
                    data.batchesPerEpoch(), data.validBatches(), (System.nanoTime() - started) / 1e9);
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }
}
