package dev.retune.train.distributed;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A multi-process run cannot go on: another rank stopped, crashed or hung, or the ranks could not meet. */
public final class PeerFailedException extends RetuneException {

    public PeerFailedException(String message, Throwable cause) {
        super(Failure.PEER_FAILED, message, cause);
    }
}
