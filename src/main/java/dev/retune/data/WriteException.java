package dev.retune.data;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** An output file could not be written (a full disk, no permission); the message names it. */
public final class WriteException extends RetuneException {

    public WriteException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }
}
