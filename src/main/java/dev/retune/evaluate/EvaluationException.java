package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.RetuneException;

/**
 * An evaluation that cannot run as asked: no clips to score, sources that saw different clips, sets too small to
 * compare, options out of range; {@link #failure} says which kind, the message says why.
 */
public final class EvaluationException extends RetuneException {

    public EvaluationException(Failure failure, String message) {
        super(failure, message);
    }
}
