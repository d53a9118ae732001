package dev.retune.model;

/** A model folder, config or checkpoint that cannot be used; the message names the file, key or shape. */
public class ModelException extends RuntimeException {

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
