package dev.retune.run;

import java.util.Map;

/**
 * Everything besides tensors that a resumed run needs to continue exactly where it stopped. The data order is a pure
 * function of (seed, epoch, position), so the position is all that is stored of it.
 *
 * @param step                    optimizer steps done
 * @param epoch                   epoch of the next batch
 * @param batchInEpoch            index of the next batch within its epoch
 * @param lossScale               fp16 loss scaler state
 * @param rngState                libtorch's CPU generator state (dropout), base64
 * @param bestValidLoss           best validation loss so far (NaN before the first eval)
 * @param bestStep                step of the best validation loss
 * @param evalsWithoutImprovement for early stopping
 * @param tokensSeen              real target tokens trained on so far (all ranks)
 * @param worldSize               processes that trained (null in checkpoints older than multi-process training: 1)
 * @param plannedSteps            the run's length when this was written (null in older checkpoints)
 * @param finished                how the run ended when it did at this checkpoint ({@code completed},
 *                                {@code early_stopped}); null while it is under way or was interrupted
 * @param files                   sha256 of every other file of the checkpoint, checked on load
 */
public record TrainerState(long step, int epoch, long batchInEpoch, LossScale lossScale, String rngState,
                           double bestValidLoss, long bestStep, int evalsWithoutImprovement, long tokensSeen,
                           Integer worldSize, Long plannedSteps, String finished, Map<String, String> files) {

    /** The fp16 loss scaler's state: its scale, clean steps since the last change, steps skipped so far. */
    public record LossScale(double scale, long cleanSteps, long skippedSteps) {}

    TrainerState withFiles(Map<String, String> sha256) {
        return new TrainerState(step, epoch, batchInEpoch, lossScale, rngState, bestValidLoss, bestStep,
                evalsWithoutImprovement, tokensSeen, worldSize, plannedSteps, finished, sha256);
    }
}
