package dev.retune.train;

/** The dataset left nothing to train on. */
public final class NoTrainingDataException extends TrainingException {

    public NoTrainingDataException(String message) {
        super(message);
    }
}
