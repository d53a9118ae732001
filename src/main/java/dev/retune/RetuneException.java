package dev.retune;

/**
 * An error reported to the user as one line: the message names the file, key or option and says what to do, and
 * {@link #failure} says which kind it is (and so the exit code). Each package has its own subclass.
 */
public class RetuneException extends RuntimeException {

    private final Failure failure;

    public RetuneException(Failure failure, String message) {
        super(message);
        this.failure = failure;
    }

    public RetuneException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
