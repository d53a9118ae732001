package dev.retune.model;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A model folder, config or checkpoint that cannot be used; the message names the file, key or shape. */
public class ModelException extends RetuneException {

    public ModelException(String message) {
        super(Failure.BAD_INPUT, message);
    }

    public ModelException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }
}
