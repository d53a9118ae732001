package dev.retune.run;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A run folder or checkpoint that cannot be used or written; the message names the file and what to do. */
public class RunException extends RetuneException {

    public RunException(String message) {
        super(Failure.BAD_INPUT, message);
    }

    public RunException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }
}
