package dev.retune.train.distributed;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** The ranks cannot form a run: a malformed torchrun-style environment, or ranks that disagree on what they run. */
public final class DistributedException extends RetuneException {

    public DistributedException(String message) {
        super(Failure.BAD_INPUT, message);
    }
}
