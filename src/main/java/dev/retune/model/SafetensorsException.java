package dev.retune.model;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A safetensors file or index that cannot be read or written; the message names the file and what is wrong. */
public class SafetensorsException extends RetuneException {

    public SafetensorsException(String message) {
        super(Failure.BAD_INPUT, message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }
}
