package dev.retune.evaluate;

import java.util.List;

/**
 * How well one model predicts the codec tokens of a dataset split: cross-entropy in nats per token (natural log) and
 * perplexity, over the first segment of each clip as the trainer's validation cuts it.
 *
 * @param source       which model (folder and adapters, or run and checkpoint)
 * @param split        the clips scored: {@code valid}, {@code train} or {@code all}
 * @param tokens       valid target tokens scored, over all clips and codebooks
 * @param loss         token-weighted mean cross-entropy: Σ over every valid target token of −ln p(token) / tokens
 * @param perplexity   exp(loss)
 * @param lossInterval bootstrap 95% interval of {@code loss} over clips
 * @param codebooks    the same per codebook
 * @param trainerLoss  the trainer's validation loss on these clips: the mean over batches of the mean over codebooks of
 *                     each codebook's mean over the batch's tokens (equal to {@code loss} when every batch holds as many
 *                     tokens, e.g. full-length clips and a clip count divisible by the batch size)
 * @param trainerCePerCodebook the trainer's per-codebook figures: the mean over batches of each batch's codebook mean
 * @param clips        each clip's tokens and loss, in dataset order
 */
public record FitResult(String source, String split, long tokens, double loss, double perplexity, Interval lossInterval,
                        List<Codebook> codebooks, double trainerLoss, List<Double> trainerCePerCodebook, List<Clip> clips) {

    /** A bootstrap interval: the 2.5th and 97.5th percentiles of the resampled statistic. */
    public record Interval(double low, double high) {}

    /**
     * @param codebook   its index (0 is the coarsest)
     * @param tokens     its valid target tokens
     * @param ce         its token-weighted mean cross-entropy, nats per token
     * @param perplexity exp(ce)
     */
    public record Codebook(int codebook, long tokens, double ce, double perplexity) {}

    /**
     * @param file   the audio file as metadata.csv names it
     * @param tokens its valid target tokens (all codebooks)
     * @param loss   its mean cross-entropy per token
     */
    public record Clip(String file, long tokens, double loss) {}

    public FitResult {
        codebooks = List.copyOf(codebooks);
        clips = List.copyOf(clips);
        trainerCePerCodebook = List.copyOf(trainerCePerCodebook);
    }
}
