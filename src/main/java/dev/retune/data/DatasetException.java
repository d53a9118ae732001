package dev.retune.data;

/** A dataset cannot be read at all (no metadata.csv, no header, a required column missing); the message names the file. */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
