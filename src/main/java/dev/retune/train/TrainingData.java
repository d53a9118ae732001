package dev.retune.train;

import dev.retune.data.DescriptionMerger;
import dev.retune.data.TokenCache;
import dev.retune.data.TokenCrop;
import dev.retune.data.Track;
import dev.retune.model.CodebookLoss;
import dev.retune.model.DelayPattern;
import dev.retune.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Training examples in token space: every track's codes come from the token cache once; each example is a random
 * crop of one track (audiocraft's min_segment_ratio rule), its text the description, optionally merged with metadata
 * and with words dropped. Every random choice is a pure function of (seed, epoch, index), so batch n of epoch e is the
 * same in a resumed run as in an uninterrupted one.
 */
public final class TrainingData {

    /** A track with its whole-file codes [K, T]. */
    public record Example(Track track, TokenCache.Codes codes) {}

    /** How examples are cut and described. */
    public record Options(int batchSize, int segmentFrames, double minSegmentRatio, long seed, double wordDropout,
                          double conditionDropout, int maxTextTokens) {}

    private final List<Example> train;
    private final List<Example> valid;
    private final TextTokenizer tokenizer;
    private final DescriptionMerger merger;
    private final DelayPattern pattern;
    private final Options options;
    private int rank = 0;
    private int worldSize = 1;
    private int orderEpoch = Integer.MIN_VALUE;
    private int[] epochOrder;

    public TrainingData(List<Example> train, List<Example> valid, TextTokenizer tokenizer, DescriptionMerger merger,
                        DelayPattern pattern, Options options) {
        this(train, valid, tokenizer, merger, pattern, options, true);
    }

    private TrainingData(List<Example> train, List<Example> valid, TextTokenizer tokenizer, DescriptionMerger merger,
                         DelayPattern pattern, Options options, boolean training) {
        if (training && train.size() < options.batchSize()) {
            throw new TrainingException("data.batch_size " + options.batchSize() + " is larger than the " + train.size()
                    + " usable training tracks; lower data.batch_size");
        }
        this.train = List.copyOf(train);
        this.valid = List.copyOf(valid);
        this.tokenizer = tokenizer;
        this.merger = merger;
        this.pattern = pattern;
        this.options = options;
    }

    /**
     * Data to score a model on rather than train it: {@code examples} are cut and described as validation cuts them
     * ({@link #validBatch}); there are no training batches.
     */
    public static TrainingData forScoring(List<Example> examples, TextTokenizer tokenizer, DelayPattern pattern, Options options) {
        return new TrainingData(List.of(), examples, tokenizer, DescriptionMerger.OFF, pattern, options, false);
    }

    /**
     * Data-parallel sharding: global batch n of an epoch is the n-th run of {@code batch_size × worldSize} tracks of the
     * epoch's order, and this rank reads the {@code rank}-th slice of it. The ranks' slices are disjoint, and together
     * they are exactly the batch one process with {@code batch_size × worldSize} would read.
     */
    public void shard(int rank, int worldSize) {
        if (train.size() < options.batchSize() * worldSize) {
            throw new TrainingException("data.batch_size " + options.batchSize() + " × " + worldSize + " ranks is larger than the "
                    + train.size() + " usable training tracks; lower data.batch_size or the number of processes");
        }
        this.rank = rank;
        this.worldSize = worldSize;
    }

    /** Full (global) batches per epoch; each epoch visits every training track at most once, in a seeded order. */
    public long batchesPerEpoch() {
        return train.size() / ((long) options.batchSize() * worldSize);
    }

    /** Segments per batch on each rank. */
    public int batchSize() {
        return options.batchSize();
    }

    public int validBatches() {
        return (valid.size() + options.batchSize() - 1) / options.batchSize();
    }

    /**
     * This rank's part of batch {@code index} of {@code epoch}: shuffled tracks, random crops, merged and word-dropped
     * text, CFG dropout (decided per global batch, so all ranks agree).
     */
    public Batch trainBatch(int epoch, long index) {
        int[] order = order(epoch);
        List<Example> examples = new ArrayList<>();
        List<Long> sampleIds = new ArrayList<>();
        for (int i = 0; i < options.batchSize(); i++) {
            long sample = (index * worldSize + rank) * options.batchSize() + i;
            examples.add(train.get(order[(int) sample]));
            sampleIds.add(sample);
        }
        boolean nullText = random(epoch, -1 - index).nextDouble() < options.conditionDropout();
        return build(examples, sampleIds, epoch, true, nullText);
    }

    /** Validation batch {@code index}: the first segment of each track, its plain description, no dropout. */
    public Batch validBatch(int index) {
        int from = index * options.batchSize();
        List<Example> examples = valid.subList(from, Math.min(valid.size(), from + options.batchSize()));
        List<Long> sampleIds = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            sampleIds.add((long) (from + i));
        }
        return build(examples, sampleIds, -1, false, false);
    }

    private Batch build(List<Example> examples, List<Long> sampleIds, int epoch, boolean training, boolean nullText) {
        int k = examples.get(0).codes().codebooks();
        int frames = options.segmentFrames();
        short pad = (short) pattern.special();
        long[] codes = new long[examples.size() * k * frames];
        int[] realFrames = new int[examples.size()];
        List<String> texts = new ArrayList<>();
        for (int b = 0; b < examples.size(); b++) {
            Example example = examples.get(b);
            long sample = sampleIds.get(b);
            TokenCrop.Crop crop = training
                    ? TokenCrop.crop(example.codes(), frames, options.minSegmentRatio(), pad, options.seed(), epoch, sample)
                    : TokenCrop.first(example.codes(), frames, pad);
            for (int i = 0; i < k * frames; i++) {
                short code = crop.codes()[i];
                // Checked here, on the host, so the loss needs no device-to-host sync to validate its targets.
                if (code < 0 || code > pad) {
                    throw new TrainingException(example.track().file() + ": its cached codec tokens hold " + code + ", outside the model's "
                            + "codebook [0, " + pad + "): a damaged token cache entry, or one of another codec; delete it from data.cache_dir");
                }
                codes[b * k * frames + i] = code;
            }
            realFrames[b] = crop.realFrames();
            texts.add(training ? trainingText(example.track(), epoch, sample) : example.track().description());
        }
        Tensor codeTensor = torch.tensor(codes).reshape(examples.size(), k, frames); // [B, K, T]
        Tensor delayed = pattern.delay(codeTensor); // [B, K, S]; padding past a clip's end holds the special token
        Tensor inputs = pattern.inputs(delayed);
        Tensor labels = delayed.clone();
        long tokens = ignorePadding(labels, realFrames);
        TextTokenizer.Batch text = tokenizer.encode(texts, options.maxTextTokens());
        return new Batch(text.idsTensor(), text.maskTensor(), inputs, labels, nullText, tokens);
    }

    /** Marks targets past each clip's real end as ignored; returns the number of real targets. */
    private static long ignorePadding(Tensor labels, int[] realFrames) {
        long codebooks = labels.size(1);
        long steps = labels.size(2);
        long real = 0;
        for (int b = 0; b < realFrames.length; b++) {
            for (int k = 0; k < codebooks; k++) {
                long from = k + realFrames[b];
                if (from < steps) {
                    labels.select(0, b).select(0, k).narrow(0, from, steps - from).fill_(new Scalar(CodebookLoss.IGNORE));
                }
                real += Math.min(realFrames[b], steps - k);
            }
        }
        return real;
    }

    private String trainingText(Track track, int epoch, long sample) {
        String text = merger.text(track, epoch, sample);
        if (options.wordDropout() <= 0) {
            return text;
        }
        SplittableRandom random = random(epoch, sample);
        StringBuilder kept = new StringBuilder();
        for (String word : text.split("\\s+")) {
            if (random.nextDouble() >= options.wordDropout()) {
                kept.append(kept.length() == 0 ? "" : " ").append(word);
            }
        }
        return kept.toString();
    }

    /** The epoch's order of training tracks (Fisher-Yates with a seeded generator), computed once per epoch. */
    private int[] order(int epoch) {
        if (epoch != orderEpoch) {
            epochOrder = shuffled(epoch);
            orderEpoch = epoch;
        }
        return epochOrder;
    }

    private int[] shuffled(int epoch) {
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = random(epoch, Long.MIN_VALUE);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private SplittableRandom random(int epoch, long index) {
        return new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L ^ (epoch * 0xBF58476D1CE4E5B9L + index));
    }
}
