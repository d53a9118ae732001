package dev.retune.train;

import dev.retune.kernels.CodebookCrossEntropy;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.run.Checkpointer;
import dev.retune.run.TrainerState;
import dev.retune.train.distributed.Distributed;
import dev.retune.train.distributed.GradientSync;
import dev.retune.train.metrics.EvalMetrics;
import dev.retune.train.metrics.MetricsSink;
import dev.retune.train.metrics.StepMetrics;
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

    /**
     * How a run ended (divergence is a {@link DivergedException} instead). {@code ALREADY_FINISHED}: it had finished
     * before this start, and its length was not raised, so nothing was trained.
     */
    public enum Outcome { COMPLETED, EARLY_STOPPED, INTERRUPTED, ALREADY_FINISHED }

    /** {@link TrainerState#finished} of a run that took all its steps, and of one stopped by {@code eval.patience}. */
    static final String FINISHED = "completed";
    static final String FINISHED_EARLY = "early_stopped";

    public record Result(Outcome outcome, long steps, double bestValidLoss, long bestStep, long tokens, long skippedSteps) {}

    private final MusicgenForConditionalGeneration model;
    private final Map<String, Tensor> trainable;
    private final TensorVector trainableVector = new TensorVector();
    private final AdamWOptimizer optimizer;
    private final BatchLoss batchLoss;
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
    private final Distributed dist;
    private final GradientSync gradientSync;

    private long step;
    private int epoch;
    private long batchInEpoch;
    private long tokensSeen;
    private double bestValidLoss = Double.NaN;
    private long bestStep;
    private int evalsWithoutImprovement;
    private Long lastCheckpointStep; // null until a checkpoint is written or resumed from
    private AtomicBoolean stop = new AtomicBoolean();

    /**
     * @param setup what trains and how ({@link TrainingSetup#resolve})
     * @param dist  the ranks of a data-parallel run, or {@link Distributed#single()}
     */
    public Trainer(MusicgenForConditionalGeneration model, TrainingSetup setup, TrainingData data, Checkpointer checkpointer,
                   MetricsSink sink, Distributed dist) {
        this.model = model;
        this.trainable = setup.trainable();
        trainable.values().forEach(trainableVector::push_back);
        this.optimizer = setup.optimizer();
        this.batchLoss = new BatchLoss(model, setup.loss(), setup.plan().autocast(), setup.plan().device(), setup.trainTextEncoder());
        this.groups = setup.groups();
        this.open = new boolean[groups.size()];
        this.schedule = setup.schedule();
        this.scaler = setup.scaler();
        this.data = data;
        this.ema = setup.emaDecay() == null ? null : new Ema(trainable, setup.emaDecay());
        this.checkpointer = checkpointer;
        this.sink = sink;
        this.plan = setup.plan();
        this.trainTextEncoder = setup.trainTextEncoder();
        this.dist = dist;
        this.gradientSync = new GradientSync(dist);
    }

    /**
     * Trains until {@code plan.totalSteps()}, early stopping, or {@code stop} being set (SIGINT / SIGTERM), starting
     * from {@code resumeFrom} when it is not null.
     */
    public Result train(AtomicBoolean stop, Checkpointer.Saved resumeFrom) {
        this.stop = stop;
        sink.start(plan.totalSteps(), resumeFrom == null ? 0 : resumeFrom.state().step());
        if (resumeFrom != null) {
            restore(resumeFrom);
        }
        dist.requireSame("resume step (checkpoint)", step);
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
            // Every rank must stop at the same step, whichever of them saw the signal.
            if (dist.any(stop.get())) {
                outcome = Outcome.INTERRUPTED;
            }
            // A new best is checkpointed at once, or "keep best" would keep whichever checkpoint came next.
            boolean keepThisBest = best && checkpointer.keepsBest();
            if (step % plan.checkpointEvery() == 0 || last || outcome != Outcome.COMPLETED || keepThisBest) {
                saveCheckpoint(best, outcome);
            }
            if (outcome != Outcome.COMPLETED) {
                break;
            }
        }
        if (dist.worldSize() > 1) {
            sink.message(String.format("gradient all-reduce over %d ranks: %.1f ms per step in flight, %.1f ms of it after backward; "
                    + "%.0f%% of the buckets started during backward", dist.worldSize(), dist.allReduceSecondsPerStep() * 1000,
                    dist.exposedAllReduceSecondsPerStep() * 1000, 100 * dist.overlappedBucketShare()));
        }
        return new Result(outcome, step, bestValidLoss, bestStep, tokensSeen, scaler.skippedSteps());
    }

    /**
     * Rank 0 writes; the other ranks wait on both sides, so none reads or moves on while the checkpoint is half written.
     * First every rank proves its trained weights are bit-identical to rank 0's: rank 0 saves them for all.
     */
    private void saveCheckpoint(boolean best, Outcome outcome) {
        if (dist.worldSize() > 1) {
            dist.requireSame("trained weights at step " + step, Distributed.bitChecksum(trainable.values()));
        }
        if (dist.isMain()) {
            Checkpointer.Saved saved = checkpointer.save(state(outcome), trainable, ema == null ? null : ema.averages(), optimizer, best);
            sink.message("checkpoint " + saved.dir().getFileName() + (best ? " (best so far)" : "")
                    + (dist.worldSize() == 1 ? "" : " (weights bit-identical on all " + dist.worldSize() + " ranks)"));
        }
        dist.barrier();
        lastCheckpointStep = step;
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
                if (micro == plan.gradAccum() - 1) {
                    gradientSync.arm(openParameters()); // the last backward of the step averages while it runs
                }
                // Every tensor the forward hands to Java lives until this scope closes: one micro-batch's activations at
                // a time, so gradient accumulation lowers the peak as it does in PyTorch (train.MemoryEstimate).
                try (PointerScope microBatch = new PointerScope()) {
                    BatchLoss.Forward forward = batchLoss.forward(batch, scaler.scale() / plan.gradAccum());
                    CodebookCrossEntropy.Result result = forward.loss();
                    double value = result.loss().item_double();
                    // The fused loss already produced d(scale · loss / accumulation)/d logits: backward starts there.
                    forward.logits().backward(result.logitsGrad(), new BoolOptional(), false, new TensorArrayRefOptional());
                    loss += value / plan.gradAccum();
                    addInto(ce, result.perCodebook(), plan.gradAccum());
                    if (micro == plan.gradAccum() - 1) {
                        // Within the scope: the buckets that backward launched (flat copies, pending all-reduces) live in it.
                        gradientSync.finish();
                    }
                }
                tokens += batch.tokens();
            }
            // Every rank reports (and decides on) the same numbers: the mean loss, the total tokens.
            double[] global = dist.sum(concat(loss, ce, tokens));
            loss = global[0] / dist.worldSize();
            for (int k = 0; k < codebooks; k++) {
                ce[k] = global[1 + k] / dist.worldSize();
            }
            tokens = Math.round(global[codebooks + 1]);
            if (!Double.isFinite(loss) && !scaler.enabled()) {
                throw new DivergedException(step + 1, "the loss", loss, lastCheckpointStep);
            }
            double gradNorm = unscaleAndClip();
            boolean apply = scaler.update(gradNorm);
            if (!Double.isFinite(gradNorm) && !scaler.enabled()) {
                throw new DivergedException(step + 1, "the gradient norm", gradNorm, lastCheckpointStep);
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

    /**
     * Validation loss (with the EMA weights when enabled); returns whether it is the best so far. A single process
     * told to stop abandons the pass between batches (ranks of a multi-process run finish it together).
     */
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
            for (int i = dist.rank(); i < batches; i += dist.worldSize()) { // rank r evaluates batches r, r + R, ...
                if (dist.worldSize() == 1 && stop.get()) {
                    return false;
                }
                try (PointerScope scope = new PointerScope()) {
                    CodebookCrossEntropy.Result result = batchLoss.forward(data.validBatch(i)).loss();
                    loss += result.loss().item_double() / batches;
                    addInto(ce, result.perCodebook(), batches);
                }
            }
        } finally {
            if (ema != null) {
                ema.swapOut();
            }
        }
        double[] global = dist.sum(concat(loss, ce)); // each rank summed its share of loss / batches
        loss = global[0];
        System.arraycopy(global, 1, ce, 0, codebooks);
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

    private TrainerState state(Outcome outcome) {
        Tensor rng = torch.getDefaultCPUGenerator().get_state().contiguous();
        byte[] bytes = new byte[(int) rng.numel()];
        rng.data_ptr_byte().get(bytes);
        String finished = outcome == Outcome.EARLY_STOPPED ? FINISHED_EARLY : step >= plan.totalSteps() ? FINISHED : null;
        return new TrainerState(step, epoch, batchInEpoch, scaler.state(), Base64.getEncoder().encodeToString(bytes),
                bestValidLoss, bestStep, evalsWithoutImprovement, tokensSeen, dist.worldSize(), plan.totalSteps(), finished, Map.of());
    }

    /** Puts the weights, optimizer, data position, RNG and bookkeeping back as the checkpoint has them. */
    private void restore(Checkpointer.Saved saved) {
        checkpointer.restore(saved, trainable, ema == null ? null : ema.averages(), optimizer);
        TrainerState s = saved.state();
        step = s.step();
        epoch = s.epoch();
        batchInEpoch = s.batchInEpoch();
        int savedWorld = s.worldSize() == null ? 1 : s.worldSize();
        if (savedWorld != dist.worldSize()) {
            // The position is counted in global batches, whose size scales with the ranks: continue the epoch
            // at the first batch that starts at or after the tracks already seen.
            long seen = batchInEpoch * data.batchSize() * savedWorld;
            batchInEpoch = (seen + (long) data.batchSize() * dist.worldSize() - 1) / ((long) data.batchSize() * dist.worldSize());
            if (batchInEpoch >= data.batchesPerEpoch()) {
                batchInEpoch = 0;
                epoch++;
            }
            sink.message("resuming on " + processes(dist.worldSize()) + " instead of " + processes(savedWorld) + ": the global batch is now "
                    + data.batchSize() * dist.worldSize() + " segments (was " + data.batchSize() * savedWorld + "); epoch " + epoch
                    + " continues at batch " + batchInEpoch + ", and the data order from here differs from an uninterrupted run");
        }
        scaler.restore(s.lossScale());
        bestValidLoss = s.bestValidLoss();
        bestStep = s.bestStep();
        evalsWithoutImprovement = s.evalsWithoutImprovement();
        tokensSeen = s.tokensSeen();
        byte[] bytes = Base64.getDecoder().decode(s.rngState());
        Tensor rng = torch.empty(new long[] {bytes.length}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte), new org.bytedeco.pytorch.MemoryFormatOptional());
        rng.data_ptr_byte().put(bytes);
        torch.getDefaultCPUGenerator().set_state(rng);
        lastCheckpointStep = step;
        if (FINISHED_EARLY.equals(s.finished())) {
            // The run was made longer after it stopped early: give it its patience again.
            evalsWithoutImprovement = 0;
            sink.message("continuing a run that stopped early at step " + step + ": eval.patience starts over");
        }
    }

    /** The parameters of the groups whose unfreezing stage has started: the ones that train this step. */
    private List<Tensor> openParameters() {
        List<Tensor> parameters = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            if (open[g]) {
                parameters.addAll(groups.get(g).parameters().values());
            }
        }
        return parameters;
    }

    /** [first, middle..., last...] as one array, for a single all-reduce. */
    private static double[] concat(double first, double[] middle, double... last) {
        double[] all = new double[1 + middle.length + last.length];
        all[0] = first;
        System.arraycopy(middle, 0, all, 1, middle.length);
        System.arraycopy(last, 0, all, 1 + middle.length, last.length);
        return all;
    }

    private static void addInto(double[] sums, Tensor perCodebook, double divisor) {
        Tensor values = perCodebook.detach().to(torch.ScalarType.Double).contiguous();
        double[] read = new double[sums.length];
        values.data_ptr_double().get(read);
        for (int k = 0; k < sums.length; k++) {
            sums[k] += read[k] / divisor;
        }
    }

    private static String processes(int count) {
        return count + (count == 1 ? " process" : " processes");
    }

    public long step() {
        return step;
    }
}
