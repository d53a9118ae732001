package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A model score that cannot be computed as asked (no clips to score, sources that saw different clips); the message says why. */
public final class ScoreException extends RetuneException {

    public ScoreException(Failure failure, String message) {
        super(failure, message);
    }
}
