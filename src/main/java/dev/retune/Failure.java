package dev.retune;

/**
 * The kinds of failure a user has to act on, each with the exit code the command line ends with. A failure that fits
 * none of them is a bug (exit 1, with its stack trace).
 */
public enum Failure {
    /** An option or request value that cannot be used (out of range, options that exclude each other); the message names it. */
    USAGE(2),
    /** A dataset, config, model, checkpoint or other file that cannot be used; the message names it. */
    BAD_INPUT(3),
    /** No usable training data, or {@code data check --strict} found problems. */
    NO_USABLE_DATA(4),
    /** {@code model verify} found a mismatch, or checked nothing. */
    MISMATCH(5),
    /** Training produced a non-finite loss or gradient norm. */
    DIVERGED(6),
    /** A rank of a multi-process run failed or could not be reached. */
    PEER_FAILED(7),
    /** Stopped by SIGINT (130; SIGTERM ends the JVM with 143 by the same rule). */
    INTERRUPTED(130);

    private final int exitCode;

    Failure(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
