package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.data.Dataset;
import dev.retune.evaluate.AudioEvaluation;
import dev.retune.evaluate.CodecEmbeddings;
import dev.retune.evaluate.EmbeddingSet;
import dev.retune.evaluate.HeldOutFit;
import dev.retune.evaluate.Reports;
import dev.retune.evaluate.SetDistance;
import dev.retune.generate.ModelSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune evaluate distance}: FAD, FAD∞ and KAD between two sets of clips on the codec's embeddings. */
@Command(name = "distance",
        mixinStandardHelpOptions = true,
        description = {"Distance of a set of clips to a reference set on the codec encoder's continuous embeddings",
            "(before quantization; every frame one sample): Fréchet distance, FAD∞ (extrapolated in 1/n), KAD",
            "(unbiased MMD²), bootstrap 95% intervals, per-clip scores for outliers, and the provenance of it all.",
            "A reference folder with a metadata.csv is a dataset: its --split is used (default: the held-out clips)."},
        footer = {"", "Examples:",
            "  retune evaluate distance out/adapted --reference datasets/demo --codec models/tiny",
            "  retune evaluate distance adapted=out/adapted --reference base=out/base --codec runs/demo --out reports/distance"})
final class EvaluateDistanceCommand implements Callable<Integer> {

    @Parameters(paramLabel = "[NAME=]PATH", description = "The clips evaluated: an audio file or a folder of them.")
    String evaluated;

    @Option(names = "--reference", required = true, paramLabel = "[NAME=]PATH", description = "The reference clips: a folder, a file or a dataset.")
    String reference;

    @Option(names = "--codec", required = true, paramLabel = "[NAME=]PATH[@CKPT]", converter = SourceOption.class,
            description = "The model whose codec embeds both sets: a model folder or a training run.")
    SourceOption.Source codec;

    @Option(names = "--split", paramLabel = "SPLIT", converter = SplitOption.class, description = "Of a dataset reference: valid, train or all (default: valid).")
    HeldOutFit.Clips split = HeldOutFit.Clips.VALID;

    @Option(names = "--resamples", paramLabel = "N", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples = SetDistance.Options.DEFAULT.bootstrap();

    @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed = SetDistance.Options.DEFAULT.seed();

    @Option(names = "--out", paramLabel = "DIR", description = "Write the report here: summary.md, summary.json, clips.csv, per_clip_fad.png.")
    Path out;

    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SetArgument a = SetArgument.parse(evaluated);
        SetArgument b = SetArgument.parse(reference);
        AudioEvaluation.ClipSet setA = AudioEvaluation.ClipSet.of(a.name(), a.path());
        AudioEvaluation.ClipSet setB = Files.isRegularFile(b.path().resolve(Dataset.METADATA_FILE))
                ? AudioEvaluation.ClipSet.dataset(b.name() + " (" + split.id() + ")", b.path(), split)
                : AudioEvaluation.ClipSet.of(b.name(), b.path());
        SetDistance.Options options = new SetDistance.Options(resamples, seed, SetDistance.Options.DEFAULT.kadMaxFrames(),
                SetDistance.Options.DEFAULT.fadInfSteps(), SetDistance.Options.DEFAULT.fadInfMinFrames());
        SetDistance.Result result;
        try (GracefulStop stop = GracefulStop.install()) {
            CodecEmbeddings embeddings = new CodecEmbeddings(ModelSource.load(codec.location(), new Device("cpu")).model().audio_encoder);
            EmbeddingSet embeddedA;
            EmbeddingSet embeddedB;
            try (CountBar bar = new CountBar("embedding " + a.name(), "clips", !json)) {
                embeddedA = embeddings.embed(setA.files(), bar, stop.requested());
            }
            try (CountBar bar = new CountBar("embedding " + b.name(), "clips", !json)) {
                embeddedB = embeddings.embed(setB.files(), bar, stop.requested());
            }
            try (CountBar bar = new CountBar("comparing", "steps", !json)) {
                result = SetDistance.compare(embeddedA, embeddedB, embeddings.provenance(), options, bar, stop.requested());
            }
        }
        if (out != null) {
            Reports.write(out, result, setA.name(), setB.name());
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(result) : Reports.markdown(result, setA.name(), setB.name()));
        stdout.flush();
        return ExitCode.OK;
    }
}
