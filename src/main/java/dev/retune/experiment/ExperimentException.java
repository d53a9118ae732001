package dev.retune.experiment;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** An experiment folder that cannot be used as asked (not finished, no such sample); bad input. */
public final class ExperimentException extends RetuneException {

    public ExperimentException(String message) {
        super(Failure.BAD_INPUT, message);
    }
}
