package dev.retune.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/** Shape helpers for checks at public boundaries: errors read "expected [B, K, T] ... found [2, 4]". */
public final class Shapes {

    private Shapes() {}

    public static long[] of(Tensor tensor) {
        return tensor.sizes().vec().get();
    }

    /** Checks the tensor has {@code dims} dimensions; names the argument in the error. */
    public static void requireDims(String name, Tensor tensor, int dims, String layout) {
        if (tensor.dim() != dims) {
            throw new IllegalArgumentException(name + ": expected " + dims + " dims " + layout + ", found shape "
                    + Arrays.toString(of(tensor)));
        }
    }
}
