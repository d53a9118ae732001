package dev.retune.kernels;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Argument checks that run before every kernel (and reference) call, so both fail the same way on bad input. */
final class Args {

    private Args() {}

    static IllegalArgumentException bad(String call, String message) {
        return new IllegalArgumentException(call + ": " + message);
    }

    static void defined(String call, String name, Tensor t) {
        if (t == null || !t.defined()) {
            throw bad(call, name + " is missing");
        }
    }

    static ScalarType dtype(String call, String name, Tensor t, ScalarType... allowed) {
        ScalarType type = t.scalar_type().intern();
        if (!List.of(allowed).contains(type)) {
            throw bad(call, name + " must be " + Arrays.toString(allowed) + ", found " + type);
        }
        return type;
    }

    static void contiguous(String call, String name, Tensor t) {
        if (!t.is_contiguous()) {
            throw bad(call, name + " must be contiguous (call .contiguous() first)");
        }
    }

    static void dims(String call, String name, Tensor t, int dims, String layout) {
        if (t.dim() != dims) {
            throw bad(call, name + " must be " + layout + ", found shape " + Arrays.toString(t.sizes().vec().get()));
        }
    }

    static void sameShape(String call, String name, Tensor t, String otherName, Tensor other) {
        if (!t.is_same_size(other)) {
            throw bad(call, name + " has shape " + Arrays.toString(t.sizes().vec().get()) + " but " + otherName + " has "
                    + Arrays.toString(other.sizes().vec().get()));
        }
    }

    static void sizes(String call, String name, Tensor t, long... expected) {
        if (!Arrays.equals(t.sizes().vec().get(), expected)) {
            throw bad(call, name + " must have shape " + Arrays.toString(expected) + ", found " + Arrays.toString(t.sizes().vec().get()));
        }
    }

    static void sameDevice(String call, String name, Tensor t, String otherName, Tensor other) {
        if (t.is_cpu() && other.is_cpu()) {
            return; // the common case, answered without building the devices' names
        }
        if (!t.device().str().getString().equals(other.device().str().getString())) {
            throw bad(call, name + " is on " + t.device().str().getString() + " but " + otherName + " is on "
                    + other.device().str().getString());
        }
    }

    /** The kernel name suffix of a float dtype the checks already admitted: f32, bf16 or f16. */
    static String suffix(Tensor t) {
        return switch (t.scalar_type().intern()) {
            case Float -> "f32";
            case BFloat16 -> "bf16";
            case Half -> "f16";
            default -> throw new IllegalStateException("unchecked dtype " + t.scalar_type());
        };
    }
}
