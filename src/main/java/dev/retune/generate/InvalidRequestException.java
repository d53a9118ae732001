package dev.retune.generate;

import dev.retune.Failure;
import dev.retune.RetuneException;

/**
 * A generation request that cannot run as asked: a value out of range, options that exclude each other, an output
 * place that does not fit the prompts or a duration shorter than the model's frame. The message names the
 * {@code retune generate} option that sets the value; the command line reports it as a usage error (exit 2). Files
 * that cannot be read are other {@link RetuneException}s, naming the file.
 */
public final class InvalidRequestException extends RetuneException {

    public InvalidRequestException(String message) {
        super(Failure.USAGE, message);
    }
}
