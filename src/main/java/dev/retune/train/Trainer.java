package dev.retune.train;

import dev.retune.kernels.CodebookCrossEntropy;
import dev.retune.model.CodebookLoss;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The training loop: load (or resume) → loop { train step, validate when due, checkpoint when due } → result.
 * Each step runs inside its own native-memory scope, so memory stays flat over any number of steps.
 */
public final class Trainer {

    /** How a run ended (divergence is a {@link DivergedException} instead). */
    public enum Outcome { COMPLETED, EARLY_STOPPED, INTERRUPTED }

    public record Result(Outcome outcome, long steps, double bestValidLoss, long bestStep, long tokens, long skippedSteps) {}

    private final MusicgenForConditionalGeneration model;
    private final Map<String, Tensor> trainable;
    private final TensorVector trainableVector = new TensorVector();
    private final AdamWOptimizer optimizer;
    private final CodebookCrossEntropy loss;
    private final List<ParamGroup> groups;
    private final boolean[] open;
    private boolean stagesSet;
    private final LrSchedule schedule;
    private final LossScaler scaler;
    private final TrainingData data;
    private final Ema ema;
    private final Checkpointer checkpointer;
    private final MetricsSink sink;
    private final TrainPlan plan;
    private final boolean trainTextEncoder;
    private final long special;

    private long step;
    private int epoch;
    private long batchInEpoch;
    private long tokensSeen;
    private double bestValidLoss = Double.NaN;
    private long bestStep;
    private int evalsWithoutImprovement;

    /**
     * @param groups the optimizer's parameter groups, in the optimizer's order: each has its rate (discriminative
     *               rates, stage multiplier) and the step its unfreezing stage opens
     */
    public Trainer(MusicgenForConditionalGeneration model, Map<String, Tensor> trainable, AdamWOptimizer optimizer,
                   CodebookCrossEntropy loss, List<ParamGroup> groups, LrSchedule schedule,
                   LossScaler scaler, TrainingData data, Double emaDecay, Checkpointer checkpointer, MetricsSink sink,
                   TrainPlan plan, boolean trainTextEncoder) {
        this.model = model;
        this.trainable = trainable;
        trainable.values().forEach(trainableVector::push_back);
        this.optimizer = optimizer;
        this.loss = loss;
        this.groups = List.copyOf(groups);
        this.open = new boolean[groups.size()];
        this.schedule = schedule;
        this.scaler = scaler;
        this.data = data;
        this.ema = emaDecay == null ? null : new Ema(trainable, emaDecay);
        this.checkpointer = checkpointer;
        this.sink = sink;
        this.plan = plan;
        this.trainTextEncoder = trainTextEncoder;
        this.special = model.config().decoder().specialToken();
    }

    /** Trains until {@code plan.totalSteps()}, early stopping, or {@code stop} being set (SIGINT / SIGTERM). */
    public Result train(AtomicBoolean stop) {
        resumeIfPossible();
        sink.start(plan.totalSteps(), step);
        Outcome outcome = Outcome.COMPLETED;
        while (step < plan.totalSteps()) {
            sink.step(trainStep());
            boolean last = step == plan.totalSteps();
            boolean best = false;
            if (step % plan.evalEvery() == 0 || last) {
                best = evaluate();
                if (plan.patience() > 0 && evalsWithoutImprovement >= plan.patience()) {
                    outcome = Outcome.EARLY_STOPPED;
                }
            }
            if (stop.get()) {
                outcome = Outcome.INTERRUPTED;
            }
            // A new best is checkpointed at once, or "keep best" would keep whichever checkpoint came next.
            boolean keepThisBest = best && checkpointer.keepsBest();
            if (step % plan.checkpointEvery() == 0 || last || outcome != Outcome.COMPLETED || keepThisBest) {
                Checkpointer.Saved saved = checkpointer.save(state(), trainable, ema == null ? null : ema.averages(), optimizer, best);
                sink.message("checkpoint " + saved.dir().getFileName() + (best ? " (best so far)" : ""));
            }
            if (outcome != Outcome.COMPLETED) {
                break;
            }
        }
        return new Result(outcome, step, bestValidLoss, bestStep, tokensSeen, scaler.skippedSteps());
    }

    /** One optimizer step over {@code gradAccum} micro-batches. */
    StepMetrics trainStep() {
        long started = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            setTrainingMode();
            openStagesDue();
            optimizer.zeroGrad();
            int codebooks = model.config().decoder().numCodebooks();
            double loss = 0;
            double[] ce = new double[codebooks];
            long tokens = 0;
            int stepEpoch = epoch; // the epoch of this step's first batch, before the data position moves on
            for (int micro = 0; micro < plan.gradAccum(); micro++) {
                Batch batch = data.trainBatch(epoch, batchInEpoch);
                advanceDataPosition();
                Forward forward = forward(batch, scaler.scale() / plan.gradAccum());
                CodebookCrossEntropy.Result result = forward.loss();
                double value = result.loss().item_double();
                if (!Double.isFinite(value) && !scaler.enabled()) {
                    throw new DivergedException(step + 1, "the loss", value);
                }
                // The fused loss already produced d(scale · loss / accumulation)/d logits: backward starts there.
                forward.logits().backward(result.logitsGrad(), new BoolOptional(), false, new TensorArrayRefOptional());
                loss += value / plan.gradAccum();
                addInto(ce, result.perCodebook(), plan.gradAccum());
                tokens += batch.tokens();
            }
            double gradNorm = unscaleAndClip();
            boolean apply = scaler.update(gradNorm);
            if (!Double.isFinite(gradNorm) && !scaler.enabled()) {
                throw new DivergedException(step + 1, "the gradient norm", gradNorm);
            }
            double lr = schedule.lr(step);
            if (apply) {
                double[] groupLr = new double[groups.size()];
                for (int g = 0; g < groups.size(); g++) {
                    groupLr[g] = lr * groups.get(g).lrFactor(step);
                }
                optimizer.step(groupLr);
                if (ema != null && (step + 1) % plan.emaEvery() == 0) {
                    ema.update();
                }
            }
            step++;
            tokensSeen += tokens;
            double seconds = (System.nanoTime() - started) / 1e9;
            return new StepMetrics(step, stepEpoch, loss, ce, lr, apply ? gradNorm : Double.NaN, scaler.scale(), !apply,
                    tokens / seconds, seconds, Pointer.physicalBytes());
        }
    }

    /** A batch's logits [B, K, S, V] and its loss (with the logits' gradient when training). */
    private record Forward(Tensor logits, CodebookCrossEntropy.Result loss) {}

    /**
     * Logits and loss of one batch under autocast; the frozen text encoder runs without autograd. With
     * {@code upstream} (training) the loss comes with d(upstream · loss)/d logits.
     */
    private Forward forward(Batch batch, Double upstream) {
        try (Autocast autocast = Autocast.enter(plan.deviceType(), plan.autocast())) {
            Tensor ids = batch.textIds().to(plan.device(), torch.ScalarType.Long);
            Tensor mask = batch.textMask().to(plan.device(), torch.ScalarType.Long);
            Tensor textStates;
            if (trainTextEncoder) {
                textStates = model.text_encoder.forward(ids, mask);
            } else {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    textStates = model.text_encoder.forward(ids, mask);
                }
            }
            Conditioning conditioning = model.project(textStates, mask);
            if (batch.nullText()) {
                conditioning = conditioning.nulled();
            }
            Tensor logits = model.logits(batch.inputs().to(plan.device(), torch.ScalarType.Long), conditioning).contiguous();
            CodebookLoss.Targets targets = CodebookLoss.targets(batch.labels().to(plan.device(), torch.ScalarType.Long), special);
            CodebookCrossEntropy.Result result;
            try (NoGradGuard noGrad = new NoGradGuard()) {
                result = upstream == null ? loss.forward(logits.detach(), targets.tokens(), targets.valid())
                        : loss.forwardBackward(logits.detach(), targets.tokens(), targets.valid(), upstream);
            }
            return new Forward(logits, result);
        }
    }

    /** Divides gradients by the loss scale, clips them, and returns their total norm before clipping. */
    private double unscaleAndClip() {
        if (scaler.enabled()) {
            Scalar inverse = new Scalar(1.0 / scaler.scale());
            for (Tensor p : trainable.values()) {
                if (p.grad().defined()) {
                    p.grad().mul_(inverse);
                }
            }
        }
        double max = plan.clipNorm() > 0 ? plan.clipNorm() : Double.POSITIVE_INFINITY;
        return torch.clip_grad_norm_(trainableVector, max, 2.0, false);
    }

    /** Validation loss (with the EMA weights when enabled); returns whether it is the best so far. */
    boolean evaluate() {
        int batches = plan.maxEvalBatches() > 0 ? Math.min(plan.maxEvalBatches(), data.validBatches()) : data.validBatches();
        if (batches == 0) {
            return false;
        }
        int codebooks = model.config().decoder().numCodebooks();
        double loss = 0;
        double[] ce = new double[codebooks];
        model.train(false);
        if (ema != null) {
            ema.swapIn();
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < batches; i++) {
                try (PointerScope scope = new PointerScope()) {
                    CodebookCrossEntropy.Result result = forward(data.validBatch(i), null).loss();
                    loss += result.loss().item_double() / batches;
                    addInto(ce, result.perCodebook(), batches);
                }
            }
        } finally {
            if (ema != null) {
                ema.swapOut();
            }
        }
        boolean best = Double.isNaN(bestValidLoss) || loss < bestValidLoss;
        if (best) {
            bestValidLoss = loss;
            bestStep = step;
            evalsWithoutImprovement = 0;
        } else {
            evalsWithoutImprovement++;
        }
        sink.eval(new EvalMetrics(step, loss, ce, best, ema != null));
        return best;
    }

    /**
     * Progressive unfreezing: parameters of a stage that has not started are frozen (no gradient, so AdamW neither
     * updates nor decays them and creates their state only once they train); at its start step they open.
     */
    private void openStagesDue() {
        for (int g = 0; g < groups.size(); g++) {
            boolean due = groups.get(g).start() <= step;
            if (!stagesSet || due != open[g]) {
                for (Tensor p : groups.get(g).parameters().values()) {
                    p.requires_grad_(due);
                }
                if (due && !open[g] && groups.get(g).stage() != null && step > 0) {
                    sink.message("stage " + groups.get(g).stage().name() + " opens at step " + (step + 1) + ": "
                            + groups.get(g).count() + " parameters in group " + groups.get(g).name());
                }
                open[g] = due;
            }
        }
        stagesSet = true;
    }

    private void setTrainingMode() {
        model.train(true);
        model.audio_encoder.train(false); // the codec never trains
        if (!trainTextEncoder) {
            model.text_encoder.train(false); // a frozen encoder runs as at inference: no dropout
        }
    }

    private void advanceDataPosition() {
        if (++batchInEpoch >= data.batchesPerEpoch()) {
            batchInEpoch = 0;
            epoch++;
        }
    }

    private TrainerState state() {
        Tensor rng = torch.getDefaultCPUGenerator().get_state().contiguous();
        byte[] bytes = new byte[(int) rng.numel()];
        rng.data_ptr_byte().get(bytes);
        return new TrainerState(step, epoch, batchInEpoch, scaler.state(), Base64.getEncoder().encodeToString(bytes),
                bestValidLoss, bestStep, evalsWithoutImprovement, tokensSeen, Map.of());
    }

    private void resumeIfPossible() {
        List<String> warnings = new ArrayList<>();
        checkpointer.latest(warnings).ifPresent(saved -> {
            checkpointer.restore(saved, trainable, ema == null ? null : ema.averages(), optimizer);
            TrainerState s = saved.state();
            step = s.step();
            epoch = s.epoch();
            batchInEpoch = s.batchInEpoch();
            scaler.restore(s.lossScale());
            bestValidLoss = s.bestValidLoss();
            bestStep = s.bestStep();
            evalsWithoutImprovement = s.evalsWithoutImprovement();
            tokensSeen = s.tokensSeen();
            byte[] bytes = Base64.getDecoder().decode(s.rngState());
            Tensor rng = torch.empty(new long[] {bytes.length}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte), new org.bytedeco.pytorch.MemoryFormatOptional());
            rng.data_ptr_byte().put(bytes);
            torch.getDefaultCPUGenerator().set_state(rng);
            sink.message("resumed from " + saved.dir().getFileName() + " (step " + step + ", epoch " + epoch + ")");
        });
        warnings.forEach(sink::message);
    }

    private static void addInto(double[] sums, Tensor perCodebook, double divisor) {
        Tensor values = perCodebook.detach().to(torch.ScalarType.Double).contiguous();
        double[] read = new double[sums.length];
        values.data_ptr_double().get(read);
        for (int k = 0; k < sums.length; k++) {
            sums[k] += read[k] / divisor;
        }
    }

    public long step() {
        return step;
    }
}
