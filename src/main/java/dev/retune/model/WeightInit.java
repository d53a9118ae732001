package dev.retune.model;

import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * How the blocks fill new parameters. Loading a checkpoint or planning a run needs only the shapes: inside
 * {@link #skip()} parameters are allocated but never written, so their memory pages are never touched (a plan for
 * musicgen-large needs no 13 GB of resident memory, and a load does not draw random numbers it then overwrites).
 * Like {@code NoGradGuard}, the setting is per thread and restored on close.
 */
public final class WeightInit {

    private static final ThreadLocal<Boolean> SKIP = ThreadLocal.withInitial(() -> false);

    /** Restores the previous setting on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;

        private Scope(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            SKIP.set(previous);
        }
    }

    private WeightInit() {}

    /** New parameters stay uninitialised until the scope closes. */
    public static Scope skip() {
        Scope scope = new Scope(SKIP.get());
        SKIP.set(true);
        return scope;
    }

    static Tensor normal(double std, long... shape) {
        return skipping() ? empty(shape) : torch.randn(shape).mul_(new Scalar(std));
    }

    static Tensor ones(long... shape) {
        return skipping() ? empty(shape) : torch.ones(shape);
    }

    static Tensor zeros(long... shape) {
        return skipping() ? empty(shape) : torch.zeros(shape);
    }

    static Tensor kaimingNormal(long... shape) {
        return skipping() ? empty(shape) : torch.kaiming_normal_(empty(shape));
    }

    static Tensor xavierUniform(long... shape) {
        return skipping() ? empty(shape) : torch.xavier_uniform_(empty(shape));
    }

    static Tensor uniform(double bound, long... shape) {
        return skipping() ? empty(shape) : torch.uniform_(empty(shape), -bound, bound);
    }

    private static boolean skipping() {
        return SKIP.get();
    }

    private static Tensor empty(long... shape) {
        return torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
    }
}
