package dev.retune.model;

import dev.retune.model.Safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import tools.jackson.databind.JsonNode;

/**
 * A checkpoint split over several safetensors files, listed by a Hugging Face style index
 * ({@code model.safetensors.index.json}): {@code {"metadata": {...}, "weight_map": {"name": "shard file", ...}}}.
 *
 * <p>Each shard is opened once. The index and the shards must agree exactly: every mapped name is stored in its shard,
 * and every tensor of every shard is mapped to that shard (so no name lives in two shards).
 */
public final class ShardedSafetensors implements TensorSource {

    private final Path index;
    private final Map<String, String> metadata;
    private final SortedMap<String, Safetensors> shardOf;
    private final List<Safetensors> shards;

    private ShardedSafetensors(Path index, Map<String, String> metadata, SortedMap<String, Safetensors> shardOf,
            List<Safetensors> shards) {
        this.index = index;
        this.metadata = metadata;
        this.shardOf = shardOf;
        this.shards = shards;
    }

    static ShardedSafetensors open(Path index) {
        JsonNode root = SafetensorsHeader.parseJson(index, "index", ByteBuffer.wrap(readIndex(index)));
        if (!root.isObject()) {
            throw fail(index, "is not a JSON object");
        }
        for (String key : root.propertyNames()) {
            if (!key.equals("metadata") && !key.equals("weight_map")) {
                throw fail(index, "unknown key '" + key + "' (expected metadata, weight_map)");
            }
        }
        Map<String, String> metadata = readMetadata(index, root.get("metadata"));
        SortedMap<String, String> weightMap = readWeightMap(index, root.get("weight_map"));

        Map<String, Safetensors> byFile = new TreeMap<>();
        try {
            for (String shardName : new TreeSet<>(weightMap.values())) {
                byFile.put(shardName, Safetensors.open(shardPath(index, shardName)));
            }
            SortedMap<String, Safetensors> shardOf = new TreeMap<>();
            weightMap.forEach((name, shardName) -> shardOf.put(name, byFile.get(shardName)));
            checkAgreement(index, weightMap, byFile);
            return new ShardedSafetensors(index, metadata, Collections.unmodifiableSortedMap(shardOf),
                    List.copyOf(byFile.values()));
        } catch (RuntimeException e) {
            for (Safetensors shard : byFile.values()) {
                try {
                    shard.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    public Path index() {
        return index;
    }

    @Override
    public Path path() {
        return index;
    }

    /** The shard files, in sorted order. */
    public List<Path> shardFiles() {
        return shards.stream().map(Safetensors::file).toList();
    }

    @Override
    public Set<String> names() {
        return shardOf.keySet();
    }

    /** The index's "metadata", values as text (Hugging Face stores {@code total_size} as a number). */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public boolean contains(String name) {
        return shardOf.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    @Override
    public Tensor tensor(String name, ScalarType dtype) {
        return shard(name).tensor(name, dtype);
    }

    /** Closes every shard, reporting the first failure after trying all. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Safetensors shard : shards) {
            try {
                shard.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "ShardedSafetensors[" + index + ", " + shards.size() + " shards, " + shardOf.size() + " tensors]";
    }

    private Safetensors shard(String name) {
        Safetensors shard = shardOf.get(name);
        if (shard == null) {
            throw fail(index, "no tensor named '" + name + "' (the index maps " + shardOf.size() + " tensors)");
        }
        return shard;
    }

    private static byte[] readIndex(Path index) {
        try {
            long size = Files.size(index);
            if (size > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw fail(index, "is " + size + " bytes, more than the limit of "
                        + SafetensorsHeader.MAX_HEADER_BYTES);
            }
            return Files.readAllBytes(index);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException("no such file: " + index, e);
        } catch (IOException e) {
            throw new SafetensorsException("cannot read " + index + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> readMetadata(Path index, JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw fail(index, "\"metadata\" must be an object, found " + node.getNodeType());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode value = entry.getValue();
            metadata.put(entry.getKey(), value.isValueNode() ? value.asString() : value.toString());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static SortedMap<String, String> readWeightMap(Path index, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw fail(index, "needs a \"weight_map\" object mapping tensor names to shard files");
        }
        SortedMap<String, String> weightMap = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw fail(index, "weight_map entry '" + entry.getKey() + "' must name a shard file, found "
                        + entry.getValue().getNodeType());
            }
            weightMap.put(entry.getKey(), entry.getValue().stringValue());
        }
        if (weightMap.isEmpty()) {
            throw fail(index, "weight_map is empty");
        }
        return weightMap;
    }

    /** Shard names are resolved next to the index and may not point outside its folder. */
    private static Path shardPath(Path index, String shardName) {
        Path folder = index.toAbsolutePath().normalize().getParent();
        Path shard = folder.resolve(shardName).normalize();
        if (shardName.isEmpty() || !shard.startsWith(folder) || shard.equals(folder)) {
            throw fail(index, "shard '" + shardName + "' is not a file inside " + folder);
        }
        return shard;
    }

    private static void checkAgreement(Path index, Map<String, String> weightMap, Map<String, Safetensors> byFile) {
        for (Map.Entry<String, String> entry : weightMap.entrySet()) {
            Safetensors shard = byFile.get(entry.getValue());
            if (!shard.contains(entry.getKey())) {
                throw fail(index, "tensor '" + entry.getKey() + "' is mapped to " + entry.getValue()
                        + ", which does not contain it (" + shard.names().size() + " tensors there)");
            }
        }
        for (Map.Entry<String, Safetensors> entry : byFile.entrySet()) {
            for (String name : entry.getValue().names()) {
                String mapped = weightMap.get(name);
                if (mapped == null) {
                    throw fail(index, "shard " + entry.getKey() + " holds tensor '" + name
                            + "', which the weight_map does not list");
                }
                if (!mapped.equals(entry.getKey())) {
                    throw fail(index, "tensor '" + name + "' is stored in both " + mapped + " and " + entry.getKey());
                }
            }
        }
    }

    private static SafetensorsException fail(Path index, String what) {
        return new SafetensorsException(index + ": " + what);
    }
}
