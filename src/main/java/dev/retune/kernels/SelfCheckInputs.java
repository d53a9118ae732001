package dev.retune.kernels;

import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Deterministic random inputs for the self-checks, made in Java so that libtorch's global generators stay untouched. */
final class SelfCheckInputs {

    private SelfCheckInputs() {}

    /** Normal(0, scale) values of the given shape on {@code device}, float32. */
    static Tensor normal(long seed, double scale, Device device, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (gaussian(random) * scale);
        }
        return torch.tensor(values).reshape(shape).to(device, ScalarType.Float);
    }

    /** Integers in [0, bound) of the given shape on {@code device}, int64. */
    static Tensor integers(long seed, long bound, Device device, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] values = new long[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextLong(bound);
        }
        return torch.tensor(values).reshape(shape).to(device, ScalarType.Long);
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble(); // (0, 1]: the log stays finite
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
