package dev.retune.train;

import dev.retune.adapt.Adaptation;
import dev.retune.config.OptimConfig;
import dev.retune.config.PrecisionConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.config.ScheduleConfig;
import dev.retune.kernels.CodebookCrossEntropy;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Everything a config decides about how a model trains, resolved in one place: the adaptation (what trains), the
 * unfreezing stages, the optimizer's parameter groups and rates, the schedule, the loss scaler and the loop's step
 * plan. Training, {@code retune plan} and {@code retune bench train} all start here, so they cannot disagree.
 *
 * @param adaptation the method applied to the model
 * @param unfreezing {@code adapt.unfreeze} resolved to steps
 * @param trainable  what the optimizer updates: the adaptation's parameters that some stage opens
 * @param groups     the optimizer's parameter groups, each with its rate multiplier and stage
 * @param emaDecay   the EMA decay, or null without {@code ema}
 */
public record TrainingSetup(Adaptation adaptation, Unfreezing unfreezing, Map<String, Tensor> trainable, List<ParamGroup> groups,
                            AdamWOptimizer optimizer, CodebookCrossEntropy loss, LrSchedule schedule, LossScaler scaler,
                            TrainPlan plan, Double emaDecay) {

    /** Applies {@code config.adapt} to {@code model}, then resolves the rest as {@link #resolve(RetuneConfig, MusicgenForConditionalGeneration, Adaptation, long, Device)}. */
    public static TrainingSetup resolve(RetuneConfig config, MusicgenForConditionalGeneration model, long batchesPerEpoch, Device device) {
        return resolve(config, model, Adaptation.apply(model, config.adapt()), batchesPerEpoch, device);
    }

    /**
     * @param adaptation      {@code config.adapt} already applied to {@code model} (a run applies it before encoding its
     *                        data, to report what trains first)
     * @param batchesPerEpoch training batches per epoch on this process (after sharding); 0 when there is no data (a
     *                        plan), which places {@code start_epoch} stages at step 0 and makes an epoch-based run one step long
     */
    public static TrainingSetup resolve(RetuneConfig config, MusicgenForConditionalGeneration model, Adaptation adaptation,
                                        long batchesPerEpoch, Device device) {
        int layers = model.config().decoder().numHiddenLayers();
        long stepsPerEpoch = batchesPerEpoch / config.train().gradAccum();
        Unfreezing unfreezing = Unfreezing.resolve(config.adapt().unfreeze().stages(), List.copyOf(adaptation.trainable().keySet()),
                layers, stepsPerEpoch);
        Map<String, Tensor> trainable = unfreezing.restrict(adaptation.trainable());
        OptimConfig o = config.optim();
        List<ParamGroup> groups = ParamGroup.of(trainable, o, layers, unfreezing.stages(), unfreezing.stageOf());
        AdamWOptimizer optimizer = new AdamWOptimizer(groups, o.betas().get(0), o.betas().get(1), o.eps(), config.kernels().adamw());
        long totalSteps = config.train().maxSteps() != null ? config.train().maxSteps()
                : Math.max(1, config.train().epochs() * batchesPerEpoch / config.train().gradAccum());
        return new TrainingSetup(adaptation, unfreezing, trainable, groups, optimizer, new CodebookCrossEntropy(config.kernels().codebookLoss()),
                schedule(config, totalSteps), scaler(config.precision()), plan(config, totalSteps, device),
                config.ema().enabled() ? config.ema().decay() : null);
    }

    /** Step indices run 0 .. totalSteps - 1: the decay ends on the last step actually taken. */
    private static LrSchedule schedule(RetuneConfig config, long totalSteps) {
        ScheduleConfig s = config.schedule();
        return new LrSchedule(s.kind(), config.optim().lr(), s.warmupSteps(), totalSteps - 1, s.minLrRatio(), s.cutFrac(), s.ratio());
    }

    private static LossScaler scaler(PrecisionConfig p) {
        return new LossScaler(p.mode() == PrecisionConfig.Mode.FP16, p.initialScale(), p.growthFactor(), p.backoffFactor(), p.growthInterval());
    }

    private static TrainPlan plan(RetuneConfig config, long totalSteps, Device device) {
        return new TrainPlan(totalSteps, config.train().gradAccum(), config.train().clipNorm(), config.eval().every(),
                config.eval().patience(), config.eval().maxBatches() == null ? 0 : config.eval().maxBatches(),
                config.checkpoint().every(), config.ema().enabled() ? config.ema().every() : 0, autocast(config.precision()), device);
    }

    /** The autocast dtype of {@code precision.mode} (null: fp32, no autocast). */
    static ScalarType autocast(PrecisionConfig precision) {
        return switch (precision.mode()) {
            case BF16 -> ScalarType.BFloat16;
            case FP16 -> ScalarType.Half;
            case FP32 -> null;
        };
    }

    /** Whether any T5 weight trains, so the text encoder must run with autograd. */
    public boolean trainTextEncoder() {
        return adaptation.textEncoderTrains();
    }

    public long totalSteps() {
        return plan.totalSteps();
    }
}
