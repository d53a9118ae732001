package dev.retune.kernels;

import dev.retune.Failure;
import dev.retune.RetuneException;

/** A kernel cannot run (not built, no CUDA, failed self-check) where it was forced on, or a CUDA call failed. */
public final class KernelException extends RetuneException {

    public KernelException(String message) {
        super(Failure.BAD_INPUT, message);
    }

    public KernelException(String message, Throwable cause) {
        super(Failure.BAD_INPUT, message, cause);
    }
}
