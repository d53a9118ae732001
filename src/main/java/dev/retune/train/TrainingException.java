package dev.retune.train;

/** Training cannot go on: a damaged checkpoint, an unwritable run folder. The message says what and where. */
public class TrainingException extends RuntimeException {

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
