package dev.retune.train;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** Training cannot go on: a damaged checkpoint, an unwritable run folder. The message says what and where. */
public class TrainingException extends RetuneException {

    public TrainingException(String message) {
        super(Failure.BAD_INPUT, message);
    }

    public TrainingException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }

    protected TrainingException(Failure failure, String message) {
        super(failure, message);
    }
}
