package dev.retune.generate;

import dev.retune.adapt.Adaptation;
import dev.retune.adapt.PeftAdapter;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.model.ModelException;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.train.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where the model to generate with comes from: a Hugging Face model folder, optionally with PEFT adapters on top, or a
 * training run (its base model, its adaptation method and a checkpoint's trained weights).
 *
 * @param model      the assembled model, in eval mode
 * @param tokenizer  the base model's tokenizer.json
 * @param identity   a description for sidecar files (folder, run and checkpoint, adapters)
 * @param adaptation how a run adapted its base model (null for a model folder)
 * @param base       the base model folder
 */
public record ModelSource(MusicgenForConditionalGeneration model, Path tokenizer, String identity, Adaptation adaptation,
                          Path base) {

    /** A model folder, with zero or more PEFT adapter folders applied in order. */
    public static ModelSource folder(Path dir, List<Path> adapters, Device device) {
        MusicgenForConditionalGeneration model = ModelFolder.load(dir, ScalarType.Float, device).model();
        List<String> names = new ArrayList<>();
        for (Path adapter : adapters) {
            PeftAdapter.applyTo(model, adapter);
            names.add(adapter.toString());
        }
        model.train(false);
        return new ModelSource(model, dir.resolve(ModelFolder.TOKENIZER), "model " + dir + (names.isEmpty() ? "" : " + adapters " + names),
                null, dir);
    }

    /**
     * A training run: its config.yaml names the base model and the adaptation method; {@code checkpoint} is
     * {@code best}, {@code latest} or a step number. EMA weights are used when the run kept them.
     */
    public static ModelSource run(Path runDir, String checkpoint, Device device) {
        Path configFile = runDir.resolve("config.yaml");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelException(runDir + " is not a training run (no config.yaml)");
        }
        RetuneConfig config = ConfigLoader.load(configFile, List.of());
        Path base = config.model().path() != null ? Path.of(config.model().path()) : runDir.resolve("base-model");
        MusicgenForConditionalGeneration model = ModelFolder.load(base, ScalarType.Float, device).model();
        Adaptation adaptation = Adaptation.apply(model, config.adapt());
        Checkpointer checkpointer = new Checkpointer(runDir, Integer.MAX_VALUE);
        Checkpointer.Saved saved = switch (checkpoint) {
            case "best" -> checkpointer.best().orElseThrow(() -> new ModelException(runDir + " has no best checkpoint (no evaluation ran)"));
            case "latest" -> checkpointer.latest(new ArrayList<>()).orElseThrow(() -> new ModelException(runDir + " has no checkpoint"));
            default -> checkpointer.verify(checkpointer.root().resolve(String.format("step-%07d", parseStep(checkpoint))));
        };
        Checkpointer.loadWeights(saved.dir(), adaptation.trainable(), true);
        model.train(false);
        return new ModelSource(model, base.resolve(ModelFolder.TOKENIZER), "run " + runDir + " checkpoint " + saved.dir().getFileName(),
                adaptation, base);
    }

    private static long parseStep(String checkpoint) {
        try {
            return Long.parseLong(checkpoint);
        } catch (NumberFormatException e) {
            throw new ModelException("--checkpoint must be best, latest or a step number, found '" + checkpoint + "'");
        }
    }
}
