package dev.retune.model;

import dev.retune.model.Safetensors.Dtype;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes named tensors as one safetensors file, atomically: a temporary file in the same folder is written, forced to
 * disk and renamed over {@code file}, so readers see the old file or the complete new one, never a partial one.
 *
 * <p>Layout: names sorted, data contiguous in that order, row-major little-endian; the header is compact JSON padded
 * with spaces to a multiple of 8 and its metadata always holds {@code "format": "pt"} (added when absent). Tensors are
 * streamed one at a time: only one tensor's CPU contiguous copy (if it needs one) exists at any moment.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    /** Writes {@code tensors} (any device, any strides) with {@code metadata} (may be null) to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        write(file, tensors, metadata, Safetensors.CHUNK_BYTES);
    }

    /** As {@link #write(Path, Map, Map)} with a smaller write window, so tests can exercise multi-window tensors. */
    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, long chunkBytes) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new SafetensorsException(file + ": safetensors data is little-endian and this platform is not");
        }
        SortedMap<String, Tensor> sorted = checkTensors(file, tensors);
        SortedMap<String, Long> sizes = new TreeMap<>();
        byte[] header = header(file, sorted, metadata, sizes);

        Path target = file.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(channel, length);
                writeFully(channel, ByteBuffer.wrap(header));
                for (Map.Entry<String, Tensor> entry : sorted.entrySet()) {
                    writeTensor(file, channel, entry.getKey(), entry.getValue(), sizes.get(entry.getKey()), chunkBytes);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof SafetensorsException se) {
                throw se;
            }
            throw new SafetensorsException("cannot write " + file + ": " + e, e);
        }
    }

    private static SortedMap<String, Tensor> checkTensors(Path file, Map<String, Tensor> tensors) {
        SortedMap<String, Tensor> sorted = new TreeMap<>();
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            String name = entry.getKey();
            Tensor tensor = entry.getValue();
            if (name == null || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new SafetensorsException(file + ": '" + name + "' cannot be a tensor name");
            }
            if (tensor == null || tensor.isNull() || !tensor.defined()) {
                throw new SafetensorsException(file + ": tensor '" + name + "' is null or undefined");
            }
            if (Dtype.of(tensor.scalar_type()) == null) {
                throw new SafetensorsException(file + ": tensor '" + name + "' has dtype " + tensor.scalar_type()
                        + ", which safetensors cannot store here (supported: " + Arrays.toString(Dtype.values()) + ")");
            }
            sorted.put(name, tensor);
        }
        return sorted;
    }

    /** Compact header JSON padded with spaces to a multiple of 8; fills {@code sizes} with each tensor's byte size. */
    private static byte[] header(Path file, SortedMap<String, Tensor> tensors, Map<String, String> metadata,
            SortedMap<String, Long> sizes) {
        ObjectNode root = SafetensorsHeader.MAPPER.createObjectNode();
        ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
        SortedMap<String, String> sortedMetadata = new TreeMap<>();
        if (metadata != null) {
            metadata.forEach((key, value) -> {
                if (key == null || value == null) {
                    throw new SafetensorsException(file + ": metadata key '" + key + "' has no value");
                }
                sortedMetadata.put(key, value);
            });
        }
        sortedMetadata.putIfAbsent("format", "pt");
        sortedMetadata.forEach(meta::put);

        long offset = 0;
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            Tensor tensor = entry.getValue();
            Dtype dtype = Dtype.of(tensor.scalar_type());
            ObjectNode node = root.putObject(entry.getKey());
            node.put("dtype", dtype.name());
            ArrayNode shape = node.putArray("shape");
            for (int d = 0; d < tensor.dim(); d++) {
                shape.add(tensor.size(d));
            }
            long size = Math.multiplyExact(tensor.numel(), (long) dtype.size());
            node.putArray("data_offsets").add(offset).add(offset + size);
            sizes.put(entry.getKey(), size);
            offset += size;
        }
        byte[] json = SafetensorsHeader.MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        if (padded > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new SafetensorsException(file + ": header would be " + padded + " bytes, more than the limit of "
                    + SafetensorsHeader.MAX_HEADER_BYTES);
        }
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    /** Streams one tensor's bytes in windows of at most {@code chunkBytes}, straight from its CPU contiguous data. */
    private static void writeTensor(Path file, FileChannel channel, String name, Tensor tensor, long size,
            long chunkBytes) throws IOException {
        if (size == 0) {
            return;
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor data = tensor.cpu().contiguous(); // a no-op view when it already is both
            if (data.nbytes() != size) {
                throw new SafetensorsException(file + ": tensor '" + name + "' holds " + data.nbytes()
                        + " bytes, expected " + size);
            }
            BytePointer bytes = new BytePointer(data.data_ptr()).capacity(size);
            for (long at = 0; at < size; at += chunkBytes) {
                long count = Math.min(chunkBytes, size - at);
                // getPointer moves the address itself: asByteBuffer would otherwise span [0, limit), past 2 GB.
                BytePointer window = bytes.getPointer(at).limit(count);
                writeFully(channel, window.asByteBuffer());
            }
            // The pointers do not keep the tensor alive; the scope does, but say so where it matters.
            Reference.reachabilityFence(data);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
