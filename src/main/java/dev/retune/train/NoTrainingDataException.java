package dev.retune.train;

import dev.retune.Failure;

/** The dataset left nothing to train on. */
public final class NoTrainingDataException extends TrainingException {

    public NoTrainingDataException(String message) {
        super(Failure.NO_USABLE_DATA, message);
    }
}
