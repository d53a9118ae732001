package dev.retune.model;

import static dev.retune.model.SafetensorsTest.assertSameBits;
import static dev.retune.model.SafetensorsTest.floats;
import static dev.retune.model.SafetensorsTest.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsShardedTest {

    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    private PointerScope scope;
    private Map<String, Tensor> first;
    private Map<String, Tensor> second;

    @BeforeEach
    void writeShards() {
        scope = new PointerScope();
        first = Map.of("a.weight", floats(new long[] {2, 2}, 1, 2, 3, 4), "b.bias", floats(new long[] {2}, 5, 6));
        second = Map.of("c.ids", longs(new long[] {3}, 7, 8, 9), "d.half", floats(new long[] {1}, 0.5f)
                .to(ScalarType.Half));
        SafetensorsWriter.write(dir.resolve(SHARD1), first, Map.of());
        SafetensorsWriter.write(dir.resolve(SHARD2), second, Map.of());
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }

    @Test
    void loadsEveryTensorThroughTheIndex() throws IOException {
        Path index = index("model.safetensors.index.json", "{\"metadata\": {\"total_size\": 38}, \"weight_map\": "
                + weightMap(Map.of("a.weight", SHARD1, "b.bias", SHARD1, "c.ids", SHARD2, "d.half", SHARD2)) + "}");

        try (ShardedSafetensors sharded = Safetensors.openIndex(index)) {
            assertEquals(List.of("a.weight", "b.bias", "c.ids", "d.half"), List.copyOf(sharded.names()));
            assertEquals(Map.of("total_size", "38"), sharded.metadata());
            assertEquals(List.of(dir.resolve(SHARD1), dir.resolve(SHARD2)), sharded.shardFiles());
            Map<String, Tensor> all = new TreeMap<>(first);
            all.putAll(second);
            for (Map.Entry<String, Tensor> entry : all.entrySet()) {
                assertSameBits(entry.getValue(), sharded.tensor(entry.getKey()), entry.getKey());
            }
            assertSameBits(second.get("d.half").to(ScalarType.Float), sharded.tensor("d.half", ScalarType.Float),
                    "d.half as float");
            assertTrue(assertThrows(SafetensorsException.class, () -> sharded.info("e")).getMessage()
                    .contains("no tensor named 'e'"));
        }
    }

    @Test
    void indexNamingAMissingTensorFailsNamingIt() throws IOException {
        Path index = index("missing.index.json", "{\"weight_map\": " + weightMap(Map.of("a.weight", SHARD1,
                "b.bias", SHARD1, "c.ids", SHARD2, "d.half", SHARD2, "e.gone", SHARD2)) + "}");

        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.openIndex(index));

        assertTrue(e.getMessage().contains("tensor 'e.gone' is mapped to " + SHARD2 + ", which does not contain it"),
                e.getMessage());
    }

    @Test
    void tensorInTwoShardsOrUnlistedFails() throws IOException {
        SafetensorsWriter.write(dir.resolve(SHARD2), Map.of("a.weight", floats(new long[] {1}, 1),
                "c.ids", longs(new long[] {1}, 1), "d.half", floats(new long[] {1}, 1)), Map.of());
        Path twice = index("twice.index.json", "{\"weight_map\": "
                + weightMap(Map.of("a.weight", SHARD1, "b.bias", SHARD1, "c.ids", SHARD2, "d.half", SHARD2)) + "}");
        Path unlisted = index("unlisted.index.json", "{\"weight_map\": " + weightMap(Map.of("a.weight", SHARD1)) + "}");

        SafetensorsException both = assertThrows(SafetensorsException.class, () -> Safetensors.openIndex(twice));
        SafetensorsException extra = assertThrows(SafetensorsException.class, () -> Safetensors.openIndex(unlisted));

        assertTrue(both.getMessage().contains("tensor 'a.weight' is stored in both " + SHARD1 + " and " + SHARD2),
                both.getMessage());
        assertTrue(extra.getMessage().contains("holds tensor 'b.bias', which the weight_map does not list"),
                extra.getMessage());
    }

    @Test
    void badIndexesFailNamingTheProblem() throws IOException {
        assertFailsWith("{\"weight_map\": " + weightMap(Map.of("a.weight", "../" + SHARD1)) + "}",
                "is not a file inside");
        assertFailsWith("{\"metadata\": {}}", "needs a \"weight_map\"");
        assertFailsWith("{\"weight_map\": " + weightMap(Map.of("a.weight", "model-00009.safetensors")) + "}",
                "no such file");
        assertFailsWith("{\"weight_map\": {\"a.weight\": \"" + SHARD1 + "\", \"a.weight\": \"" + SHARD1 + "\"}}",
                "a.weight");
        assertFailsWith("{\"weight_map\": {}, \"extra\": 1}", "unknown key 'extra'");
    }

    private void assertFailsWith(String json, String expected) throws IOException {
        Path index = index("bad.index.json", json);
        String message = assertThrows(SafetensorsException.class, () -> Safetensors.openIndex(index)).getMessage();
        assertTrue(message.contains(expected), message);
    }

    private static String weightMap(Map<String, String> nameToShard) {
        return SafetensorsHeader.MAPPER.writeValueAsString(new TreeMap<>(nameToShard));
    }

    private Path index(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name), json);
    }
}
