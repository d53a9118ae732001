package dev.retune.train;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The numbers the training loop runs by, resolved from the config.
 *
 * @param totalSteps      optimizer steps to reach
 * @param gradAccum       micro-batches per optimizer step
 * @param clipNorm        gradient-norm clip (0 = off)
 * @param evalEvery       steps between validations
 * @param patience        validations without improvement before stopping (0 = never)
 * @param maxEvalBatches  validation batches per evaluation (0 = all)
 * @param checkpointEvery steps between checkpoints
 * @param emaEvery        steps between EMA updates (0 = no EMA)
 * @param autocast        autocast dtype (null = fp32)
 * @param device          where the model runs
 */
public record TrainPlan(long totalSteps, int gradAccum, double clipNorm, long evalEvery, int patience, int maxEvalBatches,
                        long checkpointEvery, int emaEvery, ScalarType autocast, Device device) {}
