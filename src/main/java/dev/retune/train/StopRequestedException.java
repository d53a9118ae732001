package dev.retune.train;

/**
 * SIGINT / SIGTERM arrived before training began (while the model was built or the dataset encoded): the start ends
 * there, keeping what it finished (cached tokens), and the command exits as interrupted.
 */
public final class StopRequestedException extends RuntimeException {

    public StopRequestedException(String message) {
        super(message);
    }
}
