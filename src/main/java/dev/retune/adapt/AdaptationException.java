package dev.retune.adapt;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** An adapted model asked for something its adaptation method cannot give (a merge, an adapter-only export). */
public class AdaptationException extends RetuneException {

    public AdaptationException(String message) {
        super(Failure.BAD_INPUT, message);
    }
}
