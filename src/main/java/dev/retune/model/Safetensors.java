package dev.retune.model;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One safetensors file, opened read-only: an 8-byte little-endian header length N, N bytes of JSON, then the data.
 *
 * <p>{@link #open} reads and strictly validates the header (see {@link SafetensorsHeader}) and touches no data. Each
 * {@link #tensor} call memory-maps just that tensor's bytes, in windows of at most {@link #CHUNK_BYTES} (one
 * {@link MappedByteBuffer} cannot exceed 2 GB), and copies them into one new libtorch tensor that owns its memory. The
 * windows are not kept: there is no portable unmap in Java, so the OS reclaims each one when its buffer is garbage
 * collected. {@link #close()} closes the file; the header stays readable, tensors already returned stay valid.
 *
 * <p>The file must not be modified while open (a file truncated under a live mapping faults on access); a size change
 * since {@link #open} is reported as an error.
 */
public final class Safetensors implements TensorSource {

    /** Largest window mapped at once: element-aligned for every dtype, well below the 2 GB mapping limit. */
    static final long CHUNK_BYTES = 1L << 30;

    private final Path file;
    private final SafetensorsHeader header;
    private final long fileSize;
    private final long chunkBytes;
    private volatile FileChannel channel;

    private Safetensors(Path file, FileChannel channel, SafetensorsHeader header, long fileSize, long chunkBytes) {
        this.file = file;
        this.channel = channel;
        this.header = header;
        this.fileSize = fileSize;
        this.chunkBytes = chunkBytes;
    }

    /** Opens {@code file} and validates its header; every problem is a {@link SafetensorsException} naming the file. */
    public static Safetensors open(Path file) {
        return open(file, CHUNK_BYTES);
    }

    /** Opens a sharded checkpoint through its {@code model.safetensors.index.json}. */
    public static ShardedSafetensors openIndex(Path indexJson) {
        return ShardedSafetensors.open(indexJson);
    }

    /** As {@link #open(Path)} with a smaller copy window, so tests can exercise multi-window tensors. */
    static Safetensors open(Path file, long chunkBytes) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new SafetensorsException(file + ": safetensors data is little-endian and this platform is not");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException("no such file: " + file, e);
        } catch (IOException e) {
            throw new SafetensorsException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            SafetensorsHeader header = SafetensorsHeader.read(file, channel);
            return new Safetensors(file, channel, header, channel.size(), chunkBytes);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, e);
            if (e instanceof SafetensorsException se) {
                throw se;
            }
            throw new SafetensorsException("cannot read the header of " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public Path path() {
        return file;
    }

    @Override
    public Set<String> names() {
        return header.tensors().keySet();
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new SafetensorsException(file + ": no tensor named '" + name + "' (the file has "
                    + header.tensors().size() + " tensors)");
        }
        return info;
    }

    /**
     * Copies the tensor's bytes out of the file into a new CPU tensor of {@code dtype}, converting on the fly: the
     * result is the only copy (no intermediate tensor of the stored dtype is built). The conversion stays within one
     * kind (floating point, integer, boolean): integers read as floats (a weight stored as I32) or floats read as
     * integers are errors naming the file and the tensor, not silent casts. Stored BOOL bytes are copied as they are,
     * without checking that they are 0 or 1.
     */
    @Override
    public Tensor tensor(String name, ScalarType dtype) {
        TensorInfo info = info(name);
        Dtype wanted = Dtype.of(dtype);
        if (wanted != null && !wanted.kind.equals(info.dtype().kind)) {
            throw new SafetensorsException(file + ": tensor '" + name + "' is stored as " + info.dtype() + " ("
                    + info.dtype().kind + "); " + wanted.anyOfKind() + " is expected");
        }
        FileChannel open = openChannel();
        return keepPastScope(() -> copyOut(open, info, dtype));
    }

    /** Closes the file. Tensors already returned stay valid; later {@link #tensor} calls throw. */
    @Override
    public void close() {
        FileChannel open = channel;
        channel = null;
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                throw new SafetensorsException("cannot close " + file + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "Safetensors[" + file + ", " + header.tensors().size() + " tensors]";
    }

    private FileChannel openChannel() {
        FileChannel open = channel;
        if (open == null) {
            throw new SafetensorsException(file + " is closed");
        }
        try {
            long size = open.size();
            if (size != fileSize) {
                throw new SafetensorsException(file + " changed size since it was opened (" + fileSize + " -> " + size
                        + " bytes)");
            }
        } catch (IOException e) {
            throw new SafetensorsException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return open;
    }

    private Tensor copyOut(FileChannel open, TensorInfo info, ScalarType dtype) {
        Tensor result = torch.empty(info.shape(), new TensorOptions(dtype), new MemoryFormatOptional());
        long numel = info.numel();
        if (numel == 0) {
            return result;
        }
        Tensor flat = result.view(-1); // (numel) over the fresh contiguous result
        TensorOptions stored = new TensorOptions(info.dtype().scalarType());
        int elementSize = info.dtype().size();
        long windowElements = Math.max(1, chunkBytes / elementSize);
        for (long first = 0; first < numel; first += windowElements) {
            long count = Math.min(windowElements, numel - first);
            long position = header.dataStart() + info.begin() + first * elementSize;
            MappedByteBuffer window;
            try {
                window = open.map(FileChannel.MapMode.READ_ONLY, position, count * elementSize);
            } catch (IOException e) {
                throw new SafetensorsException(file + ": cannot map tensor '" + info.name() + "': " + e.getMessage(),
                        e);
            }
            // from_blob wraps the mapped bytes without copying; copy_ converts into the result.
            Tensor source = torch.from_blob(new BytePointer(window), new long[] {count}, stored);
            flat.narrow(0, first, count).copy_(source);
            // BytePointer keeps no reference to the buffer: without this the mapping could be unmapped mid-copy.
            Reference.reachabilityFence(window);
            Unmapper.unmap(window);
        }
        return result;
    }

    /**
     * Runs {@code body} in its own PointerScope, so its temporaries are freed now, and hands the result over to the
     * caller's innermost scope (or to nobody, like any tensor created outside a scope).
     */
    static Tensor keepPastScope(Supplier<Tensor> body) {
        Tensor result;
        try (PointerScope scope = new PointerScope()) {
            result = body.get();
            result.retainReference();
        }
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.attach(result);
            result.releaseReference();
        }
        return result;
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        try {
            channel.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    /** The safetensors dtypes we read and write, with their element size and libtorch scalar type. */
    public enum Dtype {
        F64(8, ScalarType.Double, "floating-point"),
        F32(4, ScalarType.Float, "floating-point"),
        F16(2, ScalarType.Half, "floating-point"),
        BF16(2, ScalarType.BFloat16, "floating-point"),
        I64(8, ScalarType.Long, "integer"),
        I32(4, ScalarType.Int, "integer"),
        I16(2, ScalarType.Short, "integer"),
        I8(1, ScalarType.Char, "integer"),
        U8(1, ScalarType.Byte, "integer"),
        BOOL(1, ScalarType.Bool, "boolean");

        private final int size;
        private final ScalarType scalarType;
        private final String kind;

        Dtype(int size, ScalarType scalarType, String kind) {
            this.size = size;
            this.scalarType = scalarType;
            this.kind = kind;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        public ScalarType scalarType() {
            return scalarType;
        }

        /** "floating-point", "integer" or "boolean": values convert within a kind only. */
        public String kind() {
            return kind;
        }

        /** Any tensor of this kind, for messages: "an integer tensor (I64, I32, I16, I8, U8)". */
        String anyOfKind() {
            String dtypes = Arrays.stream(values()).filter(d -> d.kind.equals(kind)).map(Dtype::name)
                    .collect(Collectors.joining(", "));
            return (kind.equals("integer") ? "an " : "a ") + kind + " tensor (" + dtypes + ")";
        }

        /** The dtype spelled as in a safetensors header ("F32"), or null when unknown. */
        static Dtype parse(String name) {
            for (Dtype dtype : values()) {
                if (dtype.name().equals(name)) {
                    return dtype;
                }
            }
            return null;
        }

        /**
         * The dtype storing libtorch's {@code scalarType}, or null when safetensors (as we support it) has none.
         * Accepts the non-canonical ScalarType objects that native calls such as {@code Tensor.scalar_type()} return.
         */
        static Dtype of(ScalarType scalarType) {
            // A ScalarType returned by native code is a fresh object (ordinal 0, name null): only intern() fixes that.
            ScalarType canonical = scalarType.intern();
            for (Dtype dtype : values()) {
                if (dtype.scalarType == canonical) {
                    return dtype;
                }
            }
            return null;
        }
    }

    /**
     * One tensor's entry in the header. {@code begin} and {@code end} are byte offsets into the data region (which
     * starts right after the header); {@code shape} is copied in and out.
     */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {

        public TensorInfo {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        /** Number of elements (1 for a scalar, shape []). */
        public long numel() {
            long n = 1;
            for (long dim : shape) {
                n *= dim;
            }
            return n;
        }

        public long byteSize() {
            return end - begin;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof TensorInfo that && name.equals(that.name) && dtype == that.dtype
                    && Arrays.equals(shape, that.shape) && begin == that.begin && end == that.end;
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " at [" + begin + ", " + end + ")";
        }
    }
}
