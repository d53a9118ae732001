package dev.retune.train;

import dev.retune.Failure;
import dev.retune.RetuneException;

/**
 * SIGINT / SIGTERM arrived before training began (while the model was built or the dataset encoded): the start ends
 * there, keeping what it finished (cached tokens), and the command exits as interrupted.
 */
public final class StopRequestedException extends RetuneException {

    public StopRequestedException(String message) {
        super(Failure.INTERRUPTED, message);
    }
}
