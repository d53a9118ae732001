package dev.retune.generate;

/**
 * A generation request that cannot run as asked: a value out of range, options that exclude each other, an output
 * place that does not fit the prompts or a duration shorter than the model's frame. The message names the
 * {@code retune generate} option that sets the value; the command line reports it as a usage error (exit 2). Files
 * that cannot be read are not this but {@link dev.retune.RetuneException}s naming the file.
 */
public final class InvalidRequestException extends IllegalArgumentException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
