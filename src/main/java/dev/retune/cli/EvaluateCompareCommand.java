package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.ConfigLoader;
import dev.retune.config.KernelsConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.evaluate.AdapterEffect;
import dev.retune.evaluate.EffectResult;
import dev.retune.evaluate.HeldOutFit;
import dev.retune.evaluate.Reports;
import dev.retune.generate.SamplerOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code retune evaluate compare}: what an adaptation changed, in one report. */
@Command(name = "compare",
        mixinStandardHelpOptions = true,
        description = {"What an adaptation changed: generates the same prompts with the same seeds from --base and --adapted",
            "(and a second seed set as the seed-noise floor), then reports the held-out fit gain on the target dataset,",
            "the fit change on a --general dataset (forgetting), how far the adapted outputs moved from the base's compared",
            "with seed noise (KAD), each model's distance to the target audio, and the prompt-alignment (PMI) gain; with a",
            "verdict per aspect read off the 95% intervals. The audio stays in --out for listening."},
        footer = {"", "Examples:",
            "  retune evaluate compare --base models/tiny --adapted runs/demo --prompts prompts.txt --out reports/effect",
            "  retune evaluate compare --base models/musicgen-small --adapted runs/lora-small --prompts prompts.txt \\",
            "      --general datasets/general --duration 10 --adapted-seed-noise --out reports/lora-effect"})
final class EvaluateCompareCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "[NAME=]PATH", converter = SourceOption.class,
            description = "The model before adaptation: a model folder (or a run).")
    SourceOption.Source base;

    @Option(names = "--adapted", required = true, paramLabel = "[NAME=]PATH[@CKPT][+ADAPTER]", converter = SourceOption.class,
            description = "The adapted model: a training run, or a model folder with adapters.")
    SourceOption.Source adapted;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", paramLabel = "FILE", description = "A prompts file: one per line, or a CSV with a prompt column.")
    Path promptFile;

    @Option(names = "--config", paramLabel = "CONFIG", description = "The target dataset and settings (default: the adapted run's config.yaml).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--general", paramLabel = "DIR", description = "A general dataset: the fit there shows forgetting.")
    Path general;

    @Option(names = "--split", paramLabel = "SPLIT", converter = SplitOption.class, description = "The target's clips fitted and compared with: valid, train or all (default: valid).")
    HeldOutFit.Clips split = HeldOutFit.Clips.VALID;

    @Option(names = "--duration", paramLabel = "S", description = "Seconds generated per prompt (default: ${DEFAULT-VALUE}).")
    double duration = 8;

    @Option(names = "--seed", paramLabel = "N", description = "Seed set A; set B is N + 1 (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--batch-size", paramLabel = "N", description = "Prompts generated together (default: ${DEFAULT-VALUE}).")
    int batchSize = 4;

    @Option(names = "--format", paramLabel = "EXT", description = "Audio format of the generated files (default: wav).")
    String format;

    @Option(names = "--temperature", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature = 1.0;

    @Option(names = "--top-k", description = "Top-k sampling, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = 250;

    @Option(names = "--top-p", description = "Top-p sampling, 0 = off (default: ${DEFAULT-VALUE}).")
    double topP = 0;

    @Option(names = "--cfg", description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    double cfg = 3.0;

    @Option(names = "--adapted-seed-noise", description = "Also generate seed set B from the adapted model: its own seed-noise floor.")
    boolean adaptedSeedNoise;

    @Option(names = "--resamples", paramLabel = "N", description = "Bootstrap resamples of every interval (default: ${DEFAULT-VALUE}).")
    int resamples = AdapterEffect.Options.DEFAULT.resamples();

    @Option(names = "--bootstrap-seed", paramLabel = "N", description = "Seed of the bootstraps (default: ${DEFAULT-VALUE}).")
    long bootstrapSeed = AdapterEffect.Options.DEFAULT.seed();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The generated audio (base-a, adapted-a, base-b, adapted-b) and the report.")
    Path out;

    @Option(names = "--json", description = "Print the whole result as JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path configFile = EvaluationConfig.file(config, List.of(adapted, base), spec.commandLine());
        RetuneConfig target = ConfigLoader.load(configFile, overrides);
        RetuneConfig generalConfig = null;
        if (general != null) {
            List<String> withGeneral = new ArrayList<>(overrides);
            withGeneral.add("data.dataset=" + general);
            generalConfig = ConfigLoader.load(configFile, withGeneral);
        }
        AdapterEffect.Request request = new AdapterEffect.Request(base.location(), adapted.location(), target, generalConfig,
                new AdapterEffect.Generating(prompts, promptFile, new SamplerOptions(temperature, topK, topP, cfg, KernelsConfig.Mode.AUTO),
                        duration, seed, batchSize, format, adaptedSeedNoise), out);
        EffectResult result;
        try (GracefulStop stop = GracefulStop.install(); CountBar bar = new CountBar("comparing", "stages", !json)) {
            result = AdapterEffect.run(request, new AdapterEffect.Options(split, resamples, bootstrapSeed), bar, stop.requested());
        }
        Reports.write(out, result, base.name(), adapted.name());
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(result) : Reports.markdown(result, base.name(), adapted.name()));
        if (!json) {
            stdout.println("Report and audio: " + out);
        }
        stdout.flush();
        return ExitCode.OK;
    }
}
