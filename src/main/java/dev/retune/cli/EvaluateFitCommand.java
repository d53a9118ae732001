package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.RetuneConfig;
import dev.retune.evaluate.FitComparison;
import dev.retune.evaluate.HeldOutFit;
import dev.retune.evaluate.Reports;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code retune evaluate fit}: held-out cross-entropy and perplexity of model sources on one dataset. */
@Command(name = "fit",
        mixinStandardHelpOptions = true,
        description = {"Held-out fit: per-codebook cross-entropy and perplexity of each --source on a dataset split, with",
            "the trainer's own numbers, token-weighted totals and bootstrap 95% intervals; each later source is compared",
            "with the first on the same clips. Score a second, general dataset (--set data.dataset=DIR) to see forgetting."},
        footer = {"", "Examples:",
            "  retune evaluate fit --source base=models/tiny --source demo=runs/demo",
            "  retune evaluate fit --source base=models/tiny --source demo=runs/demo@best --set data.dataset=my-general-set --split all",
            "  retune evaluate fit --source models/tiny --config configs/demo.yaml --json"})
final class EvaluateFitCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, paramLabel = "[NAME=]PATH[@CKPT][+ADAPTER]", converter = SourceOption.class,
            description = "A training run (PATH@best|latest|STEP) or a model folder with PEFT adapters; repeatable, the first is the baseline.")
    List<SourceOption.Source> sources = new ArrayList<>();

    @Option(names = "--config", paramLabel = "CONFIG", description = "Dataset and settings (default: the first run source's config.yaml).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable), e.g. data.dataset=DIR.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--split", paramLabel = "SPLIT", converter = SplitOption.class, description = "valid, train or all (default: valid).")
    HeldOutFit.Clips split = HeldOutFit.Clips.VALID;

    @Option(names = "--resamples", paramLabel = "N", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples = HeldOutFit.Options.DEFAULT.resamples();

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the bootstrap (default: ${DEFAULT-VALUE}).")
    long seed = HeldOutFit.Options.DEFAULT.seed();

    @Option(names = "--out", paramLabel = "DIR", description = "Write the report here: summary.md, summary.json, clips.csv, loss.png.")
    Path out;

    @Option(names = "--json", description = "Print the comparison as JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RetuneConfig settings = EvaluationConfig.resolve(config, overrides, sources, spec.commandLine());
        List<String> names = sources.stream().map(SourceOption.Source::name).toList();
        FitComparison fit;
        try (GracefulStop stop = GracefulStop.install(); CountBar bar = new CountBar("scoring", "clips", !json)) {
            fit = HeldOutFit.compare(settings, sources.stream().map(SourceOption.Source::location).toList(),
                    new HeldOutFit.Options(split, resamples, seed), bar, stop.requested());
        }
        if (out != null) {
            Reports.write(out, fit, names);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(fit) : Reports.markdown(fit, names));
        stdout.flush();
        return ExitCode.OK;
    }
}
