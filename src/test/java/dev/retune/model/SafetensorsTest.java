package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.model.Safetensors.Dtype;
import dev.retune.model.Safetensors.TensorInfo;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    static final String FIXTURE = "/fixtures/musicgen-tiny-ref/";

    @TempDir
    Path dir;

    private PointerScope scope;

    @BeforeEach
    void openScope() {
        scope = new PointerScope();
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }

    @Test
    void roundTripKeepsEveryBitDtypeAndShape() {
        Map<String, Tensor> tensors = sampleTensors();
        Path file = dir.resolve("all.safetensors");

        SafetensorsWriter.write(file, tensors, Map.of());

        try (Safetensors st = Safetensors.open(file)) {
            assertEquals(List.copyOf(tensors.keySet()).stream().sorted().toList(), List.copyOf(st.names()));
            for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
                assertSameBits(entry.getValue(), st.tensor(entry.getKey()), entry.getKey());
            }
            assertEquals(Dtype.BF16, st.info("bf16").dtype());
            assertArrayEquals(new long[0], st.info("scalar").shape());
            assertArrayEquals(new long[] {0, 4}, st.info("empty").shape());
        }
    }

    @Test
    void manySmallWindowsGiveTheSameTensors() {
        Map<String, Tensor> tensors = sampleTensors();
        Path file = dir.resolve("windows.safetensors");

        SafetensorsWriter.write(file, tensors, Map.of(), 8); // 8-byte write windows

        // 6-byte windows: one element per window for 4- and 8-byte dtypes, three for 2-byte ones.
        try (Safetensors st = Safetensors.open(file, 6)) {
            for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
                assertSameBits(entry.getValue(), st.tensor(entry.getKey()), entry.getKey());
            }
            assertSameBits(tensors.get("f16").to(ScalarType.Float), st.tensor("f16", ScalarType.Float), "f16 as f32");
        }
    }

    @Test
    void headerIsPaddedToEightAndOffsetsFollowSortedNames() throws IOException {
        Path file = dir.resolve("layout.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z", floats(new long[] {3}, 1, 2, 3));
        tensors.put("a", longs(new long[] {2}, 7, 8));
        tensors.put("m.x", floats(new long[] {1, 1}, 4));

        SafetensorsWriter.write(file, tensors, Map.of());

        byte[] raw = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        assertEquals(raw.length, 8 + headerLength + 3 * 4 + 2 * 8 + 4);
        String header = new String(raw, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"I64\",\"shape\":[2],"
                + "\"data_offsets\":[0,16]}"), header);
        try (Safetensors st = Safetensors.open(file)) {
            assertEquals(new TensorInfo("a", Dtype.I64, new long[] {2}, 0, 16), st.info("a"));
            assertEquals(new TensorInfo("m.x", Dtype.F32, new long[] {1, 1}, 16, 20), st.info("m.x"));
            assertEquals(new TensorInfo("z", Dtype.F32, new long[] {3}, 20, 32), st.info("z"));
        }
    }

    @Test
    void metadataRoundTripsWithFormatPt() {
        Path file = dir.resolve("meta.safetensors");

        SafetensorsWriter.write(file, Map.of("w", floats(new long[] {1}, 1)), Map.of("step", "12", "note", "é ü"));

        try (Safetensors st = Safetensors.open(file)) {
            assertEquals(Map.of("format", "pt", "step", "12", "note", "é ü"), st.metadata());
        }
        SafetensorsWriter.write(file, Map.of(), Map.of("format", "np"));
        try (Safetensors st = Safetensors.open(file)) {
            assertEquals(Map.of("format", "np"), st.metadata());
            assertTrue(st.names().isEmpty());
        }
    }

    @Test
    void halfPrecisionFilesConvertOnLoadLikeTo() {
        Tensor reference = floats(new long[] {2, 3}, 0.1f, -2.5f, 65504f, 1e-7f, 3.14159f, -0f);
        Tensor half = reference.to(ScalarType.Half);
        Tensor bf16 = reference.to(ScalarType.BFloat16);
        Path file = dir.resolve("half.safetensors");
        SafetensorsWriter.write(file, Map.of("half", half, "bf16", bf16, "f32", reference), Map.of());

        try (Safetensors st = Safetensors.open(file)) {
            Tensor halfAsFloat = st.tensor("half", ScalarType.Float);
            Tensor bf16AsFloat = st.tensor("bf16", ScalarType.Float);
            assertEquals(ScalarType.Float, halfAsFloat.scalar_type().intern());
            assertSameBits(half.to(ScalarType.Float), halfAsFloat, "half");
            assertSameBits(bf16.to(ScalarType.Float), bf16AsFloat, "bf16");
            assertSameBits(bf16, st.tensor("f32", ScalarType.BFloat16), "f32 as bf16");
        }
    }

    @Test
    void conversionStaysWithinAKindAndAnythingElseNamesTheFileAndTensor() {
        Path file = dir.resolve("kinds.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("i32", floats(new long[] {2}, 3, -4).to(ScalarType.Int));
        tensors.put("i64", longs(new long[] {2}, 7, 8));
        tensors.put("bool", floats(new long[] {2}, 1, 0).to(ScalarType.Bool));
        tensors.put("f32", floats(new long[] {2}, 0.5f, 1.5f));
        SafetensorsWriter.write(file, tensors, Map.of());

        try (Safetensors st = Safetensors.open(file)) {
            assertSameBits(tensors.get("i32").to(ScalarType.Long), st.tensor("i32", ScalarType.Long), "i32 as i64");
            assertSameBits(tensors.get("f32").to(ScalarType.Half), st.tensor("f32", ScalarType.Half), "f32 as f16");
            assertEquals(file + ": tensor 'i32' is stored as I32 (integer); a floating-point tensor (F64, F32, F16, BF16)"
                    + " is expected", assertThrows(SafetensorsException.class, () -> st.tensor("i32", ScalarType.Float)).getMessage());
            assertTrue(assertThrows(SafetensorsException.class, () -> st.tensor("i64", ScalarType.BFloat16)).getMessage()
                    .contains("'i64' is stored as I64 (integer)"));
            assertTrue(assertThrows(SafetensorsException.class, () -> st.tensor("bool", ScalarType.Float)).getMessage()
                    .contains("'bool' is stored as BOOL (boolean)"));
            assertTrue(assertThrows(SafetensorsException.class, () -> st.tensor("f32", ScalarType.Long)).getMessage()
                    .contains("'f32' is stored as F32 (floating-point); an integer tensor (I64, I32, I16, I8, U8) is expected"));
        }
    }

    @Test
    void tensorsOwnTheirMemoryAfterCloseAndDelete() throws IOException {
        Path file = dir.resolve("owned.safetensors");
        Tensor original = floats(new long[] {2, 2}, 1, 2, 3, 4);
        SafetensorsWriter.write(file, Map.of("w", original), Map.of());

        Tensor loaded;
        try (Safetensors st = Safetensors.open(file)) {
            loaded = st.tensor("w");
        }
        Files.delete(file);
        System.gc();

        assertSameBits(original, loaded, "w");
    }

    @Test
    void resultJoinsTheCallersScope() {
        Path file = dir.resolve("scoped.safetensors");
        SafetensorsWriter.write(file, Map.of("w", floats(new long[] {2}, 1, 2)), Map.of());

        Tensor inner;
        try (Safetensors st = Safetensors.open(file)) {
            try (PointerScope callerScope = new PointerScope()) {
                inner = st.tensor("w");
                assertEquals(2, inner.numel());
            }
            assertTrue(inner.isNull(), "released with the caller's scope");
            Tensor kept = st.tensor("w"); // joins this test's scope
            assertFalse(kept.isNull());
            assertEquals(2.0f, kept.data_ptr_float().get(1));
        }
    }

    @Test
    void unknownNameAndClosedFileAreErrors() {
        Path file = dir.resolve("one.safetensors");
        SafetensorsWriter.write(file, Map.of("w", floats(new long[] {1}, 1)), Map.of());
        Safetensors st = Safetensors.open(file);

        SafetensorsException unknown = assertThrows(SafetensorsException.class, () -> st.tensor("v"));
        assertTrue(unknown.getMessage().contains("'v'") && unknown.getMessage().contains("has 1 tensors")
                && unknown.getMessage().contains(file.toString()), unknown.getMessage());
        st.close();
        SafetensorsException closed = assertThrows(SafetensorsException.class, () -> st.tensor("w"));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        assertEquals(Dtype.F32, st.info("w").dtype(), "the header stays readable");
    }

    @Test
    void writeReplacesAtomicallyAndCleansUpOnFailure() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        SafetensorsWriter.write(file, Map.of("w", floats(new long[] {1}, 1)), Map.of());
        SafetensorsWriter.write(file, Map.of("w", floats(new long[] {1}, 2)), Map.of());
        try (Safetensors st = Safetensors.open(file)) {
            assertEquals(2.0f, st.tensor("w").item_float());
        }

        Path blocked = Files.createDirectories(dir.resolve("blocked.safetensors"));
        Files.writeString(blocked.resolve("keep"), "x");
        assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(blocked, Map.of("w", floats(new long[] {1}, 1)), Map.of()));

        SafetensorsException badDtype = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(
                dir.resolve("c.safetensors"), Map.of("c", floats(new long[] {2}, 1, 2).to(ScalarType.ComplexFloat)),
                Map.of()));
        assertTrue(badDtype.getMessage().contains("'c'"), badDtype.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("blocked.safetensors", "ckpt.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left behind");
        }
    }

    @Test
    void writesNonContiguousTensorsInLogicalOrder() {
        Tensor matrix = floats(new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
        Tensor transposed = matrix.t(); // [3, 2] view, not contiguous
        Path file = dir.resolve("t.safetensors");

        SafetensorsWriter.write(file, Map.of("t", transposed), Map.of());

        try (Safetensors st = Safetensors.open(file)) {
            assertSameBits(transposed.contiguous(), st.tensor("t"), "t");
        }
    }

    @Test
    void readsTheMusicgenFixture() throws URISyntaxException {
        try (Safetensors model = Safetensors.open(fixture("model.safetensors"));
                Safetensors reference = Safetensors.open(fixture("reference.safetensors"))) {
            assertEquals(180, model.names().size());
            assertEquals(Map.of("format", "pt"), model.metadata());
            TensorInfo head = model.info("decoder.lm_heads.0.weight");
            assertEquals(Dtype.F32, head.dtype());
            assertArrayEquals(new long[] {256, 64}, head.shape());
            assertEquals(1_229_566, model.names().stream().mapToLong(n -> model.info(n).numel()).sum());

            assertEquals(23, reference.names().size());
            Tensor maxLength = reference.tensor("delay_max_length");
            assertEquals(0, maxLength.dim());
            assertEquals(ScalarType.Long, maxLength.scalar_type().intern());
            assertEquals(10L, maxLength.item_long());
            Tensor positions = model.tensor("decoder.model.decoder.embed_positions.weights").narrow(0, 0, 16);
            assertTrue(torch.equal(positions, reference.tensor("sinusoidal_positions")));
            float meanOfCodebooks = reference.tensor("loss_per_codebook").mean().item_float();
            assertEquals(meanOfCodebooks, reference.tensor("loss").item_float(), 1e-6f);
        }
    }

    @Test
    void rewritingTheFixtureReproducesItByteForByte() throws URISyntaxException, IOException {
        Path original = fixture("model.safetensors");
        Path copy = dir.resolve("model.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors model = Safetensors.open(original)) {
            for (String name : model.names()) {
                tensors.put(name, model.tensor(name));
            }
            SafetensorsWriter.write(copy, tensors, model.metadata());
        }

        assertTrue(Arrays.equals(Files.readAllBytes(original), Files.readAllBytes(copy)));
    }

    // ---- helpers shared with the other Safetensors tests ----

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(SafetensorsTest.class.getResource(FIXTURE + name).toURI());
    }

    /** One tensor of every supported dtype, with edge values; also a scalar and a zero-size tensor. */
    static Map<String, Tensor> sampleTensors() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("f32", floats(new long[] {2, 3}, 1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00123)));
        tensors.put("f64", blob(new DoublePointer(Math.PI, -1e300, Double.MIN_VALUE), new long[] {3},
                ScalarType.Double));
        // Raw bit patterns, NaN payloads and subnormals included.
        tensors.put("f16", blob(new ShortPointer((short) 0x3c00, (short) 0x8001, (short) 0x7bff, (short) 0x7e01),
                new long[] {2, 2}, ScalarType.Half));
        tensors.put("bf16", blob(new ShortPointer((short) 0x3f80, (short) 0xc2f7, (short) 0x0001, (short) 0x7fc1,
                (short) 0xff80), new long[] {5}, ScalarType.BFloat16));
        tensors.put("i64", longs(new long[] {2, 2}, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE));
        tensors.put("i32", longs(new long[] {3}, Integer.MIN_VALUE, 5, Integer.MAX_VALUE).to(ScalarType.Int));
        tensors.put("i16", longs(new long[] {2}, Short.MIN_VALUE, Short.MAX_VALUE).to(ScalarType.Short));
        tensors.put("i8", longs(new long[] {2}, -128, 127).to(ScalarType.Char));
        tensors.put("u8", blob(new BytePointer((byte) 0, (byte) 200, (byte) 255), new long[] {3}, ScalarType.Byte));
        tensors.put("bool", longs(new long[] {3}, 1, 0, 1).to(ScalarType.Bool));
        tensors.put("scalar", floats(new long[0], 42.25f));
        tensors.put("empty", floats(new long[] {0, 4}));
        return tensors;
    }

    static Tensor floats(long[] shape, float... values) {
        return blob(new FloatPointer(values), shape, ScalarType.Float);
    }

    static Tensor longs(long[] shape, long... values) {
        return blob(new LongPointer(values), shape, ScalarType.Long);
    }

    /** An owned tensor holding a copy of {@code data} (from_blob alone would alias it). */
    static Tensor blob(Pointer data, long[] shape, ScalarType dtype) {
        try (data) {
            return torch.from_blob(data, shape, new TensorOptions(dtype)).clone();
        }
    }

    /** Same dtype, same shape, same bytes (so NaN payloads and -0 count). */
    static void assertSameBits(Tensor expected, Tensor actual, String name) {
        assertEquals(expected.scalar_type().intern(), actual.scalar_type().intern(), name + " dtype");
        assertArrayEquals(shape(expected), shape(actual), name + " shape");
        assertArrayEquals(bytes(expected), bytes(actual), name + " bytes");
    }

    static long[] shape(Tensor t) {
        long[] shape = new long[(int) t.dim()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = t.size(d);
        }
        return shape;
    }

    static byte[] bytes(Tensor t) {
        Tensor contiguous = t.contiguous();
        byte[] out = new byte[(int) contiguous.nbytes()];
        if (out.length > 0) {
            new BytePointer(contiguous.data_ptr()).capacity(out.length).get(out);
        }
        return out;
    }
}
