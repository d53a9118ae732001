package dev.retune.data;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A dataset cannot be read at all (no metadata.csv, no header, a required column missing); the message names the file. */
public class DatasetException extends RetuneException {

    public DatasetException(String message) {
        super(Failure.BAD_INPUT, message);
    }

    public DatasetException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }
}
