package dev.retune.generate;

import dev.retune.adapt.Adaptation;
import dev.retune.adapt.PeftAdapter;
import dev.retune.config.RetuneConfig;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunFolder;
import java.nio.file.Path;
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
 * @param checkpoint the run's checkpoint whose weights were loaded (null for a model folder)
 */
public record ModelSource(MusicgenForConditionalGeneration model, Path tokenizer, String identity, Adaptation adaptation,
                          Path base, CheckpointChoice.Chosen checkpoint) {

    /** The model {@code location} names, on {@code device}. */
    public static ModelSource load(ModelLocation location, Device device) {
        if (location.run() != null) {
            return run(location.run(), location.checkpoint(), device);
        }
        MusicgenForConditionalGeneration model = ModelFolder.load(location.folder(), ScalarType.Float, device).model();
        PeftAdapter.compose(model, location.adapters(), location.adapterWeights());
        model.train(false);
        List<String> adapters = location.describeAdapters();
        return new ModelSource(model, location.folder().resolve(ModelFolder.TOKENIZER),
                "model " + location.folder() + (adapters.isEmpty() ? "" : " + adapters " + adapters), null, location.folder(), null);
    }

    /** A model folder, with zero or more PEFT adapter folders applied in order, each with weight 1. */
    public static ModelSource folder(Path dir, List<Path> adapters, Device device) {
        return load(ModelLocation.folder(dir, adapters), device);
    }

    /**
     * A training run: its config.yaml names the base model and the adaptation method; {@code choice} picks the
     * checkpoint, found and verified before the model loads. EMA weights are used when the run kept them.
     */
    public static ModelSource run(Path runDir, CheckpointChoice choice, Device device) {
        RunFolder run = new RunFolder(runDir);
        RetuneConfig config = run.readConfig();
        CheckpointChoice.Chosen checkpoint = choice.resolve(runDir);
        Path base = run.trainedModelFolder(config);
        MusicgenForConditionalGeneration model = ModelFolder.load(base, ScalarType.Float, device).model();
        Adaptation adaptation = Adaptation.restore(model, config.adapt(),
                saved -> Checkpointer.loadWeights(checkpoint.saved().dir(), saved, true));
        model.train(false);
        return new ModelSource(model, base.resolve(ModelFolder.TOKENIZER),
                "run " + runDir + " checkpoint " + checkpoint.saved().dir().getFileName(), adaptation, base, checkpoint);
    }
}
