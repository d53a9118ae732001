package dev.retune.train;

import dev.retune.config.ConfigException;
import dev.retune.config.ModelConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.config.UnfreezeStage;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.WeightInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;

/**
 * What a config will train, without training and without weights: the model is built from config.json (or the
 * preset) with uninitialised parameters and resolved through the same {@link TrainingSetup} as a run.
 *
 * @param method          adapt.method
 * @param totalParameters every parameter of the model (LM, text encoder and codec), before adapters
 * @param stages          one per unfreezing stage (a single stage "all" without {@code adapt.unfreeze})
 * @param memory          the step's memory on each device the config may train on: CPU for {@code device.kind: cpu},
 *                        CUDA for {@code cuda}, both for {@code auto} (prompts of {@link #TEXT_TOKENS} T5 tokens assumed)
 */
public record Plan(String method, long totalParameters, List<Stage> stages, List<MemoryEstimate> memory) {

    /**
     * T5 tokens per prompt the memory estimate assumes: a plan has no data, and a MusicGen description is rarely
     * longer (at most {@link dev.retune.model.TextTokenizer#MAX_PROMPT_TOKENS} are kept; T5 and the cross-attention
     * grow with it).
     */
    public static final int TEXT_TOKENS = 64;

    /** One optimizer group at the start of a stage. */
    public record Group(String name, long params, double lr, double weightDecay) {}

    /**
     * @param optimizerStateBytes AdamW's two fp32 moments per trainable parameter
     * @param checkpointBytes     fp32 trainable weights in each checkpoint (the adapter file for LoRA / adapters)
     */
    public record Stage(String name, long start, Integer startEpoch, long trainableParams, long totalParams,
                        List<Group> groups, long optimizerStateBytes, long checkpointBytes) {}

    public static Plan of(RetuneConfig config) {
        MusicgenConfig architecture = modelConfig(config.model());
        TrainRun.segmentFrames(config, architecture); // what training would refuse, the plan refuses too
        MusicgenForConditionalGeneration model;
        try (WeightInit.Scope shapesOnly = WeightInit.skip()) {
            model = new MusicgenForConditionalGeneration(architecture);
        }
        long total = model.parameterCount("");
        // Shapes only: no data (so no step count per epoch) and no device.
        TrainingSetup setup = TrainingSetup.resolve(config, model, 0, new Device("cpu"));
        List<MemoryEstimate> memory = memory(config, architecture, MemoryEstimate.Counts.of(model, setup));
        Unfreezing unfreezing = setup.unfreezing();
        List<UnfreezeStage> configured = config.adapt().unfreeze().stages();
        List<ParamGroup> groups = setup.groups();
        long checkpointBytes = 4 * groups.stream().mapToLong(ParamGroup::count).sum(); // every staged weight is saved
        if (!unfreezing.enabled()) {
            return new Plan(config.adapt().method().value(), total, List.of(stage("all", 0, null, groups, total, checkpointBytes, config)), memory);
        }
        // Without data, epochs have no step count: stages are ordered by their start in the unit the config uses.
        List<Stage> stages = new ArrayList<>();
        for (int s = 0; s < configured.size(); s++) {
            long start = startKey(configured.get(s));
            List<ParamGroup> open = groups.stream()
                    .filter(g -> startKey(configured.get(stageIndex(configured, g))) <= start)
                    .toList();
            stages.add(stage(configured.get(s).name(), unfreezing.stages().get(s).start(), configured.get(s).startEpoch(), open,
                    total, checkpointBytes, config));
        }
        return new Plan(config.adapt().method().value(), total, stages, memory);
    }

    /** The estimates for each device {@code device.kind} allows (auto: both, since the plan does not probe a GPU). */
    static List<MemoryEstimate> memory(RetuneConfig config, MusicgenConfig architecture, MemoryEstimate.Counts counts) {
        int frames = TrainRun.segmentFrames(config, architecture);
        return switch (config.device().kind()) {
            case CPU -> List.of(MemoryEstimate.of(config, architecture, counts, frames, TEXT_TOKENS, "cpu"));
            case CUDA -> List.of(MemoryEstimate.of(config, architecture, counts, frames, TEXT_TOKENS, "cuda"));
            case AUTO -> List.of(MemoryEstimate.of(config, architecture, counts, frames, TEXT_TOKENS, "cpu"),
                    MemoryEstimate.of(config, architecture, counts, frames, TEXT_TOKENS, "cuda"));
        };
    }

    /** The parameter counts the memory estimate needs, from {@code config}'s model shapes and adaptation (no weights). */
    static MemoryEstimate.Counts counts(RetuneConfig config) {
        MusicgenConfig architecture = modelConfig(config.model());
        MusicgenForConditionalGeneration model;
        try (WeightInit.Scope shapesOnly = WeightInit.skip()) {
            model = new MusicgenForConditionalGeneration(architecture);
        }
        return MemoryEstimate.Counts.of(model, TrainingSetup.resolve(config, model, 0, new Device("cpu")));
    }

    private static long startKey(UnfreezeStage stage) {
        return stage.startStep() != null ? stage.startStep() : stage.startEpoch();
    }

    private static int stageIndex(List<UnfreezeStage> configured, ParamGroup group) {
        for (int s = 0; s < configured.size(); s++) {
            if (configured.get(s).name().equals(group.stage().name())) {
                return s;
            }
        }
        throw new IllegalStateException("group " + group.name() + " has no stage");
    }

    private static Stage stage(String name, long start, Integer startEpoch, List<ParamGroup> open, long total,
                               long checkpointBytes, RetuneConfig config) {
        long trainable = open.stream().mapToLong(ParamGroup::count).sum();
        List<Group> groups = open.stream()
                .map(g -> new Group(g.name(), g.count(), config.optim().lr() * g.lrScale(), g.weightDecay()))
                .toList();
        return new Stage(name, start, startEpoch, trainable, total, groups, 2 * 4 * trainable, checkpointBytes);
    }

    /** The architecture from model.path's config.json when it is there, else from the preset. */
    static MusicgenConfig modelConfig(ModelConfig model) {
        model.requireSource();
        if (model.path() != null && Files.isRegularFile(Path.of(model.path()).resolve(ModelFolder.CONFIG))) {
            return MusicgenConfig.read(Path.of(model.path()).resolve(ModelFolder.CONFIG));
        }
        if (model.preset() == null) {
            throw new ConfigException("model.path " + model.path() + " holds no model (" + ModelFolder.CONFIG
                    + " missing); point it at a model folder, or set model.preset to create one there");
        }
        String preset = model.preset().value();
        return MusicgenConfig.preset(preset);
    }
}
