package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** Two sets cannot be compared (too few frames) or the options of a comparison are invalid; the message says which. */
public final class SetDistanceException extends RetuneException {

    public SetDistanceException(Failure failure, String message) {
        super(failure, message);
    }
}
