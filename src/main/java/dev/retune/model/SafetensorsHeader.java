package dev.retune.model;

import dev.retune.model.Safetensors.Dtype;
import dev.retune.model.Safetensors.TensorInfo;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parsed and validated header of a safetensors file: metadata, tensor table and where the data region starts.
 *
 * <p>Validation happens before any tensor data is touched, and the declared header length is checked against the file
 * size and {@link #MAX_HEADER_BYTES} before anything is allocated for it.
 */
record SafetensorsHeader(Map<String, String> metadata, SortedMap<String, TensorInfo> tensors, long dataStart) {

    /** Largest header accepted (real headers are kilobytes; this bounds what a hostile length can make us allocate). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";

    /** Strict JSON: duplicate keys and anything after the top-level object are errors. */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> TENSOR_KEYS = Set.of("dtype", "shape", "data_offsets");

    /** Reads and validates the header of {@code file}, whose open channel is {@code channel}. */
    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw fail(file, "is " + fileSize + " bytes long, too short for the 8-byte header length");
        }
        ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthField, 0);
        long headerLength = lengthField.getLong(0);
        long afterLength = fileSize - 8;
        // Compared as unsigned: a u64 above 2^63 reads as a negative long.
        if (Long.compareUnsigned(headerLength, afterLength) > 0) {
            throw fail(file, "declares a header of " + Long.toUnsignedString(headerLength) + " bytes but only "
                    + afterLength + " bytes follow the length field (truncated or not a safetensors file)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw fail(file, "declares a header of " + headerLength + " bytes, more than the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength < 2) {
            throw fail(file, "declares a header of " + headerLength + " bytes; the smallest valid header, {}, has 2");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        JsonNode root = parseJson(file, "header", headerBytes.flip());
        long dataStart = 8 + headerLength;
        return fromJson(file, root, dataStart, fileSize - dataStart);
    }

    /** Strict UTF-8 (malformed bytes are an error, not U+FFFD), then strict JSON; {@code what} names it in errors. */
    static JsonNode parseJson(Path file, String what, ByteBuffer utf8) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(utf8)
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail(file, what + " is not valid UTF-8 (" + e + ")");
        }
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new SafetensorsException(file + ": " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static SafetensorsHeader fromJson(Path file, JsonNode root, long dataStart, long dataLength) {
        if (root == null || !root.isObject()) {
            throw fail(file, "header is not a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> infos = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            if (entry.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, entry.getValue());
            } else {
                infos.add(parseTensor(file, entry.getKey(), entry.getValue(), dataLength));
            }
        }
        checkLayout(file, infos, dataLength);
        SortedMap<String, TensorInfo> tensors = new TreeMap<>();
        for (TensorInfo info : infos) {
            tensors.put(info.name(), info);
        }
        return new SafetensorsHeader(metadata, Collections.unmodifiableSortedMap(tensors), dataStart);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw fail(file, METADATA_KEY + " must be an object of strings, found " + node.getNodeType());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw fail(file, METADATA_KEY + " key '" + entry.getKey() + "' must hold a string, found "
                        + entry.getValue().getNodeType());
            }
            metadata.put(entry.getKey(), entry.getValue().stringValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataLength) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw fail(file, where + " must be an object with dtype, shape and data_offsets, found "
                    + node.getNodeType());
        }
        for (String key : node.propertyNames()) {
            if (!TENSOR_KEYS.contains(key)) {
                throw fail(file, where + " has unknown key '" + key + "' (expected dtype, shape, data_offsets)");
            }
        }
        JsonNode dtypeNode = require(file, where, node, "dtype");
        if (!dtypeNode.isString()) {
            throw fail(file, where + ": dtype must be a string, found " + dtypeNode.getNodeType());
        }
        Dtype dtype = Dtype.parse(dtypeNode.stringValue());
        if (dtype == null) {
            throw fail(file, where + " has unknown dtype \"" + dtypeNode.stringValue() + "\" (known: "
                    + Arrays.toString(Dtype.values()) + ")");
        }
        long[] shape = longArray(file, where, require(file, where, node, "shape"), "shape");
        long[] offsets = longArray(file, where, require(file, where, node, "data_offsets"), "data_offsets");
        if (offsets.length != 2) {
            throw fail(file, where + ": data_offsets must be [begin, end], found " + offsets.length + " numbers");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw fail(file, where + ": data_offsets " + Arrays.toString(offsets) + " end before they begin");
        }
        if (end > dataLength) {
            throw fail(file, where + ": data_offsets " + Arrays.toString(offsets) + " reach beyond the data region of "
                    + dataLength + " bytes");
        }
        long byteSize = byteSize(file, where, dtype, shape);
        if (byteSize != end - begin) {
            throw fail(file, where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + byteSize
                    + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonNode require(Path file, String where, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            throw fail(file, where + " has no '" + key + "'");
        }
        return value;
    }

    /** An array of non-negative integers that fit a long. */
    private static long[] longArray(Path file, String where, JsonNode node, String key) {
        if (!node.isArray()) {
            throw fail(file, where + ": " + key + " must be an array of integers, found " + node.getNodeType());
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToLong() || item.longValue() < 0) {
                throw fail(file, where + ": " + key + "[" + i + "] must be a non-negative integer below 2^63, found "
                        + item);
            }
            values[i] = item.longValue();
        }
        return values;
    }

    /**
     * Product of the shape times the element size. Overflow is an error even when some dimension is 0, since libtorch
     * would reject such a shape too.
     */
    private static long byteSize(Path file, String where, Dtype dtype, long[] shape) {
        long nonZeroProduct = dtype.size();
        boolean empty = false;
        try {
            for (long dim : shape) {
                if (dim == 0) {
                    empty = true;
                } else {
                    nonZeroProduct = Math.multiplyExact(nonZeroProduct, dim);
                }
            }
        } catch (ArithmeticException e) {
            throw fail(file, where + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " has more bytes than a long can count");
        }
        return empty ? 0 : nonZeroProduct;
    }

    /** Tensors must tile the data region exactly: sorted by offset, first at 0, no gap, no overlap, none trailing. */
    private static void checkLayout(Path file, List<TensorInfo> infos, long dataLength) {
        List<TensorInfo> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo info : byOffset) {
            if (info.begin() < expected) {
                throw fail(file, "tensor '" + info.name() + "' at " + range(info) + " overlaps tensor '"
                        + previous.name() + "' at " + range(previous));
            }
            if (info.begin() > expected) {
                String after = previous == null ? "the start of the data region" : "tensor '" + previous.name() + "'";
                throw fail(file, "gap of " + (info.begin() - expected) + " bytes between " + after
                        + " and tensor '" + info.name() + "' at " + range(info));
            }
            expected = info.end();
            previous = info;
        }
        if (expected != dataLength) {
            throw fail(file, (dataLength - expected) + " bytes follow the last tensor (data region is " + dataLength
                    + " bytes, tensors cover " + expected + ")");
        }
    }

    private static String range(TensorInfo info) {
        return "[" + info.begin() + ", " + info.end() + ")";
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new EOFException("unexpected end of file at byte " + at);
            }
            at += n;
        }
    }

    private static SafetensorsException fail(Path file, String what) {
        return new SafetensorsException(file + ": " + what);
    }
}
