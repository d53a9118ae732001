package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.config.ConfigException;
import dev.retune.config.PrecisionConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.data.Split;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.ModelSource;
import dev.retune.kernels.CodebookCrossEntropy;
import dev.retune.model.DelayPattern;
import dev.retune.model.Devices;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TextTokenizer;
import dev.retune.train.BatchLoss;
import dev.retune.train.StopRequestedException;
import dev.retune.train.TrainRun;
import dev.retune.train.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * Held-out fit: the cross-entropy of a model's language model on a dataset's codec tokens, computed exactly as the
 * trainer validates (the dataset scanned and encoded through the token cache as training does, the first
 * {@code data.segment_seconds} of each clip with its plain description, no dropout, the config's precision and loss
 * kernel, through the trainer's own {@link BatchLoss}). Every clip of the split is scored ({@code eval.max_batches}
 * is a training shortcut and is not applied). A second dataset ("how much did it forget") is another call with another
 * {@code data.dataset}.
 */
public final class HeldOutFit {

    /** Which clips of the dataset are scored. */
    public enum Clips {
        VALID, TRAIN, ALL;

        /** The lowercase name, as {@code --split} takes it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean includes(Split split) {
            return this == ALL || (this == VALID) == (split == Split.VALID);
        }
    }

    /**
     * @param clips     which split is scored
     * @param resamples bootstrap resamples per interval (at least 100)
     * @param seed      the bootstrap's seed
     */
    public record Options(Clips clips, int resamples, long seed) {

        public static final Options DEFAULT = new Options(Clips.VALID, 1000, 0);

        public Options {
            if (clips == null) {
                throw new EvaluationException(Failure.USAGE, "split: expected valid, train or all");
            }
            if (resamples < 100) {
                throw new EvaluationException(Failure.USAGE, "resamples: expected at least 100 bootstrap resamples, found " + resamples);
            }
        }
    }

    private HeldOutFit() {}

    /**
     * Scores each source in turn (one model in memory at a time) on the clips {@code config} and {@code options}
     * name, and compares each later source with the first on the same clips.
     *
     * @param config   the dataset, segment length, batch size, text, token cache, precision, kernels and device: a
     *                 run's config.yaml to score as that run validated
     * @param progress clips scored, over all sources
     * @param stop     checked between batches; when set, a {@link StopRequestedException}
     */
    public static FitComparison compare(RetuneConfig config, List<ModelLocation> sources, Options options, ProgressListener progress,
                                        AtomicBoolean stop) {
        if (sources.isEmpty()) {
            throw new EvaluationException(Failure.USAGE, "give at least one model source to score");
        }
        Device device = device(config);
        List<Scored> scored = new ArrayList<>();
        for (ModelLocation location : sources) {
            ModelSource source = ModelSource.load(location, device);
            int done = scored.size();
            ProgressListener overall = (clips, total) -> progress.update(done * total + clips, sources.size() * total);
            scored.add(scoreClips(config, source, device, options, overall, stop));
        }
        ClipBootstrap bootstrap = new ClipBootstrap(options.resamples(), options.seed());
        Scored first = scored.get(0);
        List<FitComparison.Difference> differences = new ArrayList<>();
        for (Scored other : scored.subList(1, scored.size())) {
            requireSameClips(first, other);
            differences.add(new FitComparison.Difference(other.result.source(), first.result.source(),
                    other.result.loss() - first.result.loss(), bootstrap.difference(first.sums, first.tokens, other.sums, other.tokens)));
        }
        return new FitComparison(Path.of(config.data().dataset()).toAbsolutePath().normalize().toString(), options.clips().id(),
                first.sums.length, options.resamples(), options.seed(), scored.stream().map(s -> s.result).toList(), differences);
    }

    /** One already loaded source on {@code device}: its fit on the clips {@code config} and {@code options} name. */
    public static FitResult score(RetuneConfig config, ModelSource source, Device device, Options options, ProgressListener progress,
                                  AtomicBoolean stop) {
        return scoreClips(config, source, device, options, progress, stop).result;
    }

    /** A source's result with its per-clip sums kept for paired comparisons. */
    private record Scored(FitResult result, List<String> files, double[] sums, long[] tokens) {}

    private static Scored scoreClips(RetuneConfig config, ModelSource source, Device device, Options options, ProgressListener progress,
                                     AtomicBoolean stop) {
        MusicgenForConditionalGeneration model = source.model();
        List<TrainingData.Example> clips = new ArrayList<>();
        for (TrainingData.Example example : TrainRun.encodeDataset(config, model, ProgressListener.NONE, stop)) {
            if (options.clips().includes(example.track().split())) {
                clips.add(example);
            }
        }
        if (clips.isEmpty()) {
            throw new EvaluationException(Failure.NO_USABLE_DATA, config.data().dataset() + ": no usable clips in the " + options.clips().id()
                    + " split to score" + (options.clips() == Clips.ALL ? "" : "; score another split (train, valid or all)"));
        }
        int codebooks = model.config().decoder().numCodebooks();
        TrainingData data = TrainingData.forScoring(clips, TextTokenizer.load(source.tokenizer()),
                new DelayPattern(codebooks, model.config().decoder().specialToken()), TrainRun.dataOptions(config, model.config()));
        BatchLoss batchLoss = BatchLoss.forEvaluation(config, model, device);
        Sums sums = new Sums(clips.size(), codebooks);
        int batches = data.validBatches();
        model.train(false);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < batches; i++) {
                if (stop.get()) {
                    throw new StopRequestedException("stopped while scoring " + source.identity());
                }
                try (PointerScope scope = new PointerScope()) {
                    BatchLoss.Forward forward = batchLoss.forward(data.validBatch(i));
                    sums.addBatch(forward.loss(), batches); // as Trainer.evaluate sums it
                    for (int row = 0; row < forward.logits().size(0); row++) {
                        sums.addClip(RowLoss.of(batchLoss, forward, row));
                    }
                }
                progress.update(sums.clip, clips.size());
            }
        }
        return sums.result(source.identity(), options, clips);
    }

    /** What a pass adds up: the trainer's batch means, and per clip and codebook the summed cross-entropy and tokens. */
    private static final class Sums {
        private double trainerLoss;
        private final double[] trainerCe;
        private final double[] clipSums;
        private final long[] clipTokens;
        private final double[] codebookSums;
        private final long[] codebookTokens;
        private int clip;

        Sums(int clips, int codebooks) {
            trainerCe = new double[codebooks];
            clipSums = new double[clips];
            clipTokens = new long[clips];
            codebookSums = new double[codebooks];
            codebookTokens = new long[codebooks];
        }

        void addBatch(CodebookCrossEntropy.Result batch, int batches) {
            trainerLoss += batch.loss().item_double() / batches;
            double[] ce = RowLoss.doubles(batch.perCodebook());
            for (int k = 0; k < ce.length; k++) {
                trainerCe[k] += ce[k] / batches;
            }
        }

        void addClip(RowLoss row) {
            for (int k = 0; k < codebookSums.length; k++) {
                codebookSums[k] += row.sums()[k];
                codebookTokens[k] += row.tokens()[k];
            }
            clipSums[clip] = row.sum();
            clipTokens[clip] = row.count();
            clip++;
        }

        Scored result(String source, Options options, List<TrainingData.Example> clips) {
            List<FitResult.Codebook> codebooks = new ArrayList<>();
            for (int k = 0; k < codebookSums.length; k++) {
                double ce = codebookSums[k] / codebookTokens[k];
                codebooks.add(new FitResult.Codebook(k, codebookTokens[k], ce, Math.exp(ce)));
            }
            List<FitResult.Clip> perClip = new ArrayList<>();
            List<String> files = new ArrayList<>();
            double total = 0;
            long tokens = 0;
            for (int i = 0; i < clipSums.length; i++) {
                String file = clips.get(i).track().file();
                perClip.add(new FitResult.Clip(file, clipTokens[i], clipSums[i] / clipTokens[i]));
                files.add(file);
                total += clipSums[i];
                tokens += clipTokens[i];
            }
            double loss = total / tokens;
            FitResult.Interval interval = new ClipBootstrap(options.resamples(), options.seed()).mean(clipSums, clipTokens);
            FitResult result = new FitResult(source, options.clips().id(), tokens, loss, Math.exp(loss), interval, codebooks,
                    trainerLoss, Arrays.stream(trainerCe).boxed().toList(), perClip);
            return new Scored(result, files, clipSums, clipTokens);
        }
    }

    private static void requireSameClips(Scored first, Scored other) {
        if (!first.files.equals(other.files)) {
            throw new EvaluationException(Failure.BAD_INPUT, other.result.source() + " scored other clips than " + first.result.source()
                    + " (" + other.files.size() + " vs " + first.files.size() + "): its codec could not encode the same files");
        }
    }

    /** The config's device; fp16 needs CUDA, as in training. */
    static Device device(RetuneConfig config) {
        Device device = Devices.select(config.device());
        if (config.precision().mode() == PrecisionConfig.Mode.FP16 && !device.is_cuda()) {
            throw new ConfigException("precision.mode fp16 needs a CUDA device; use bf16 on CPU", "precision.mode");
        }
        return device;
    }
}
