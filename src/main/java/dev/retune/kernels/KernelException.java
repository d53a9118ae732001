package dev.retune.kernels;

/** A kernel cannot run (not built, no CUDA, failed self-check) where it was forced on, or a CUDA call failed. */
public final class KernelException extends RuntimeException {

    public KernelException(String message) {
        super(message);
    }

    public KernelException(String message, Throwable cause) {
        super(message, cause);
    }
}
