package dev.retune.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Named tensors stored somewhere (one safetensors file, or a sharded checkpoint), read one at a time.
 *
 * <p>Every tensor returned is a fresh CPU tensor that owns its memory: it stays valid after {@link #close()}. It is
 * created as if by the caller, so it joins the caller's innermost {@code PointerScope}, if there is one.
 */
public interface TensorSource extends AutoCloseable {

    /** The file read: the safetensors file, or the index of a sharded checkpoint (for messages). */
    Path path();

    /** The tensor names, in sorted order. */
    Set<String> names();

    /** The string metadata stored with the tensors (may be empty). */
    Map<String, String> metadata();

    /** Dtype, shape and location of one tensor; an unknown name throws {@link SafetensorsException} naming it. */
    Safetensors.TensorInfo info(String name);

    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * Reads one tensor converted to {@code dtype} while copying: the result is the only full copy made (a BF16 weight
     * read as Float never exists as a BF16 tensor in memory).
     */
    Tensor tensor(String name, ScalarType dtype);

    /** Reads one tensor in its stored dtype. */
    default Tensor tensor(String name) {
        return tensor(name, info(name).dtype().scalarType());
    }

    /** Releases the files; tensors already returned stay valid. */
    @Override
    void close();
}
