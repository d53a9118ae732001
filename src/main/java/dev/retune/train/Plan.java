package dev.retune.train;

import dev.retune.adapt.Adaptation;
import dev.retune.config.ModelConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import dev.retune.model.WeightInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a config will train, without training and without weights: the model is built from config.json (or the
 * preset) with uninitialised parameters, the adaptation method applied exactly as the trainer applies it, and the
 * optimizer groups split as the trainer splits them.
 *
 * @param method          adapt.method
 * @param totalParameters every parameter of the model (LM, text encoder and codec), before adapters
 * @param stages          one per unfreezing stage; a single stage "all" until schedules exist
 */
public record Plan(String method, long totalParameters, List<Stage> stages) {

    /** One optimizer group at the start of a stage. */
    public record Group(String name, long params, double lr, double weightDecay) {}

    /**
     * @param optimizerStateBytes AdamW's two fp32 moments per trainable parameter
     * @param checkpointBytes     fp32 trainable weights in each checkpoint (the adapter file for LoRA / adapters)
     */
    public record Stage(String name, long start, long trainableParams, long totalParams, List<Group> groups,
                        long optimizerStateBytes, long checkpointBytes) {}

    public static Plan of(RetuneConfig config) {
        MusicgenForConditionalGeneration model;
        try (WeightInit.Scope shapesOnly = WeightInit.skip()) {
            model = new MusicgenForConditionalGeneration(modelConfig(config.model()));
        }
        long total = model.parameterCount("");
        Adaptation adaptation = Adaptation.apply(model, config.adapt());
        long trainable = adaptation.trainableParameters();
        List<Group> groups = ParamGroup.of(adaptation.trainable(), config.optim(), model.config().decoder().numHiddenLayers()).stream()
                .map(g -> new Group(g.name(), g.count(), config.optim().lr() * g.lrScale(), g.weightDecay()))
                .toList();
        Stage all = new Stage("all", 0, trainable, total, groups, 2 * 4 * trainable, 4 * trainable);
        return new Plan(config.adapt().method().value(), total, List.of(all));
    }

    /** The architecture from model.path's config.json when it is there, else from the preset. */
    static MusicgenConfig modelConfig(ModelConfig model) {
        model.requireSource();
        if (model.path() != null && Files.isRegularFile(Path.of(model.path()).resolve(ModelFolder.CONFIG))) {
            return MusicgenConfig.read(Path.of(model.path()).resolve(ModelFolder.CONFIG));
        }
        String preset = model.preset().value();
        return MusicgenConfig.preset(preset, preset.equals("tiny") ? TinyTokenizer.vocabularySize() : 32_128);
    }
}
