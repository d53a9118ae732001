package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.RetuneConfig;
import dev.retune.evaluate.AlignmentResult;
import dev.retune.evaluate.AudioEvaluation;
import dev.retune.evaluate.PromptAlignment;
import dev.retune.evaluate.Reports;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune evaluate align}: prompt alignment of generated clips by the LM's own likelihoods, without CLAP. */
@Command(name = "align",
        mixinStandardHelpOptions = true,
        description = {"Prompt alignment of generated clips (their prompts read from the JSON sidecars retune generate writes):",
            "the LM's pointwise mutual information between each clip and its prompt (log p(codes | prompt) − log p(codes | no",
            "prompt), per token) and retrieval accuracy over all prompts (R@1, chance level 1/N, MRR), scored by each --source."},
        footer = {"", "Examples:",
            "  retune evaluate align --source runs/demo out/adapted",
            "  retune evaluate align --source base=models/tiny --source demo=runs/demo out/adapted --config configs/demo.yaml"})
final class EvaluateAlignCommand implements Callable<Integer> {

    @Parameters(paramLabel = "CLIPS", description = "Generated audio files with sidecars: a file or a folder of them.")
    Path clips;

    @Option(names = "--source", required = true, paramLabel = "[NAME=]PATH[@CKPT][+ADAPTER]", converter = SourceOption.class,
            description = "The model whose LM scores the clips; repeatable.")
    List<SourceOption.Source> sources = new ArrayList<>();

    @Option(names = "--config", paramLabel = "CONFIG", description = "Segment length, audio format and precision (default: the first run source's config.yaml).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Write the report here: summary.md, summary.json, clips.csv, pmi.png.")
    Path out;

    @Option(names = "--json", description = "Print the results as JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RetuneConfig settings = EvaluationConfig.resolve(config, overrides, sources, spec.commandLine());
        List<PromptAlignment.Pair> pairs = AudioEvaluation.ClipSet.of("clips", clips).files().stream()
                .map(PromptAlignment.Pair::fromSidecar).toList();
        List<String> names = sources.stream().map(SourceOption.Source::name).toList();
        List<AlignmentResult> results = new ArrayList<>();
        try (GracefulStop stop = GracefulStop.install()) {
            for (SourceOption.Source source : sources) {
                try (CountBar bar = new CountBar("scoring with " + source.name(), "clips", !json)) {
                    results.add(PromptAlignment.score(settings, source.location(), pairs, bar, stop.requested()));
                }
            }
        }
        if (out != null) {
            Reports.write(out, results, names);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(results) : Reports.markdown(results, names));
        stdout.flush();
        return ExitCode.OK;
    }
}
