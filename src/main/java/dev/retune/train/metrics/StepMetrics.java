package dev.retune.train.metrics;

/**
 * What one optimizer step measured. A step skipped by the fp16 loss scaler (inf/NaN gradients) has
 * {@code skipped = true} and a NaN grad norm: it is counted, never averaged into grad-norm figures.
 *
 * @param step            optimizer steps done, counting this one (1-based)
 * @param epoch           epoch of the batch (0-based)
 * @param loss            mean of the per-codebook losses (over the accumulated micro-batches)
 * @param cePerCodebook   cross-entropy per codebook; perplexity is exp of it
 * @param lr              learning rate of the first parameter group at this step
 * @param gradNorm        total L2 norm of the trainable gradients before clipping (NaN when skipped)
 * @param lossScale       fp16 loss scale in effect (1 for fp32 / bf16)
 * @param skipped         the scaler skipped this step
 * @param tokensPerSecond codebook tokens (B × K × S, real positions only) per wall second
 * @param stepSeconds     wall time of the step
 * @param nativeBytes     process resident memory (JavaCPP's physicalBytes) after the step
 */
public record StepMetrics(long step, int epoch, double loss, double[] cePerCodebook, double lr, double gradNorm,
                          double lossScale, boolean skipped, double tokensPerSecond, double stepSeconds,
                          long nativeBytes) {}
