package dev.retune.train;

/** A multi-process run cannot go on: another rank stopped, crashed or hung, or the ranks could not meet. */
public final class PeerFailedException extends RuntimeException {

    public PeerFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
