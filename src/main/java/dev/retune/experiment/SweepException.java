package dev.retune.experiment;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A sweep file that cannot be used, or a sweep that cannot go on; the message names the file, variant and key. */
public final class SweepException extends RetuneException {

    public SweepException(Failure failure, String message) {
        super(failure, message);
    }
}
