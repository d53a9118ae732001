package dev.retune.train.metrics;

/**
 * One validation pass.
 *
 * @param step          optimizer step after which it ran
 * @param loss          mean loss over the validation batches
 * @param cePerCodebook cross-entropy per codebook
 * @param best          the best validation loss so far
 * @param usedEma       whether the EMA weights were evaluated
 */
public record EvalMetrics(long step, double loss, double[] cePerCodebook, boolean best, boolean usedEma) {}
