package dev.retune.studio;

import dev.retune.ProgressListener;
import dev.retune.config.ModelConfig;
import dev.retune.experiment.Experiment;
import dev.retune.experiment.ExperimentConfig;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import dev.retune.train.DemoSubset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * What the studio tests put in the root a studio serves: tiny models, the demo subset with a 20-step config, an
 * experiment run on two models.
 */
final class StudioRoots {

    private StudioRoots() {}

    /**
     * Tiny models with random weights, each saved as {@code root/models/NAME}, its weights drawn from a seed of its
     * name (so two names give two different models, the same name the same one).
     */
    static void tinyModels(Path root, String... names) {
        Path tokenizer = root.resolve("tokenizer.json");
        TinyTokenizer.write(tokenizer);
        for (String name : names) {
            torch.manual_seed(name.hashCode());
            MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
            ModelFolder.save(model, root.resolve("models").resolve(name), ScalarType.Float, tokenizer);
        }
    }

    /**
     * configs/demo.yaml cut to 20 steps, written as {@code root/configs/demo20.yaml}, and the demo subset it trains on
     * as {@code root/datasets/demo}. Its paths are relative to the root, where the studio starts training.
     *
     * @param model the config's model section: a folder of the root, or a preset the first run creates there
     */
    static Path demo20Config(Path root, ModelConfig model) throws IOException {
        DemoSubset.copyTo(root.resolve("datasets/demo"));
        String preset = model.preset() == null ? "" : ", preset: " + model.preset().value();
        return Files.writeString(Files.createDirectories(root.resolve("configs")).resolve("demo20.yaml"), String.join("\n",
                "# configs/demo.yaml cut to 20 steps; paths are relative to the root, where the studio starts training",
                "model: {path: " + model.path() + preset + ", seed: " + model.seed() + "}",
                "data: {dataset: datasets/demo, segment_seconds: 1, batch_size: 2, cache_dir: .retune-cache/tokens}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {max_steps: 20, cfg_dropout_p: 0.0, seed: 42}",
                "eval: {every: 5}",
                "checkpoint: {every: 10, keep_last: 2}",
                ""));
    }

    /**
     * Runs pair.yaml (written in the root) into {@code root/experiments/pair}: sources {@code one} and {@code two}, the
     * models {@code root/models/ONE} and {@code root/models/TWO}, × prompt set {@code calm} ("soft piano") × parameter
     * set {@code short} (clips of {@code seconds}), one sample each.
     */
    static Experiment.Outcome pairExperiment(Path root, String one, String two, double seconds) throws IOException {
        Path file = Files.writeString(root.resolve("pair.yaml"), String.join("\n",
                "seed: 5",
                "samples: 1",
                "metrics: [lufs, spectral_centroid_hz]",
                "sources: {one: " + root.resolve("models").resolve(one) + ", two: " + root.resolve("models").resolve(two) + "}",
                "prompt_sets: {calm: [soft piano]}",
                "parameter_sets:",
                "  short: {duration: " + seconds + ", temperature: 1.0, cfg: 3.0}",
                ""));
        return Experiment.run(ExperimentConfig.load(file), "pair.yaml", root.resolve("experiments/pair"), ProgressListener.NONE,
                new AtomicBoolean());
    }
}
