package dev.retune.train;

import org.bytedeco.pytorch.Tensor;

/**
 * One training or validation batch, ready for the model.
 *
 * @param textIds   [B, L] text token ids
 * @param textMask  [B, L] 1 for real text tokens
 * @param inputs    [B, K, S] delayed decoder inputs (BOS first)
 * @param labels    [B, K, S] delayed targets; the special token and -100 (padding past a short clip) are ignored
 * @param nullText  classifier-free-guidance dropout hit this batch: train it on the null condition
 * @param tokens    number of real target tokens (the loss's denominator summed over codebooks)
 */
public record Batch(Tensor textIds, Tensor textMask, Tensor inputs, Tensor labels, boolean nullText, long tokens) {}
