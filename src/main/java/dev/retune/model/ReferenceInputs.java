package dev.retune.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The inputs of {@link ModelVerifier}'s stages, read from the reference file and checked before they reach the model:
 * dtype kind, rank, no empty dimension, value range. A bad reference is one {@link ModelException} naming the file and
 * the tensor, never a libtorch error or an allocation sized by a hostile number.
 */
final class ReferenceInputs {

    /** Pass as both bounds of {@link #ids} to accept any value. */
    static final long ANY = Long.MIN_VALUE;

    private final TensorSource source;

    ReferenceInputs(TensorSource source) {
        this.source = source;
    }

    /**
     * An integer tensor of the rank {@code shape} spells ("[B, L]"; "[]" for a scalar), every value in [min, max]
     * or one of {@code alsoAllowed} ({@link #ANY} bounds: no range).
     */
    Tensor ids(String name, String shape, long min, long max, long... alsoAllowed) {
        long[] dims = shape(name, shape, Safetensors.Dtype.I64);
        Tensor ids = source.tensor(name);
        if (min == ANY) {
            return ids;
        }
        Tensor checked = ids;
        for (long allowed : alsoAllowed) {
            checked = checked.masked_fill(checked.eq(new Scalar(allowed)), new Scalar(min));
        }
        long low = checked.min().item_long();
        long high = checked.max().item_long();
        if (low < min || high > max) {
            String extra = alsoAllowed.length == 0 ? "" : " (or " + Arrays.toString(alsoAllowed).replaceAll("[\\[\\]]", "") + ")";
            throw invalid(name, "must hold values between " + min + " and " + max + extra + ", found " + (low < min ? low : high)
                    + " in a tensor of shape " + Arrays.toString(dims));
        }
        return ids;
    }

    /** A floating-point tensor of the rank {@code shape} spells. */
    Tensor floats(String name, String shape) {
        shape(name, shape, Safetensors.Dtype.F32);
        return source.tensor(name);
    }

    /**
     * The stored shape of {@code name}, read from the header: its rank must be the one {@code shape} spells, no
     * dimension may be empty, and its dtype must be of the kind of {@code like} (null: any).
     */
    long[] shape(String name, String shape, Safetensors.Dtype like) {
        Safetensors.TensorInfo info = source.info(name);
        if (like != null && !info.dtype().kind().equals(like.kind())) {
            throw invalid(name, "must be " + like.anyOfKind() + ", found " + info.dtype());
        }
        int rank = shape.equals("[]") ? 0 : shape.split(",").length;
        long[] dims = info.shape();
        if (dims.length != rank || Arrays.stream(dims).anyMatch(d -> d < 1)) {
            throw invalid(name, "must have shape " + shape + " with no empty dimension, found " + Arrays.toString(dims));
        }
        return dims;
    }

    /** Fails naming the file and the tensor unless {@code ok}. */
    void require(boolean ok, String name, String what) {
        if (!ok) {
            throw invalid(name, what);
        }
    }

    private ModelException invalid(String name, String what) {
        return new ModelException(source.path() + ": reference tensor " + name + " " + what);
    }
}
