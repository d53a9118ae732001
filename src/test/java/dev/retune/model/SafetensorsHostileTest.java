package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Broken and malicious files must fail with a message naming the file and the problem, before touching any data. */
class SafetensorsHostileTest {

    @TempDir
    Path dir;

    static Stream<Arguments> badHeaders() {
        String f32x2 = "\"dtype\":\"F32\",\"shape\":[2]";
        return Stream.of(
                Arguments.of("not JSON", "{not json", 0, "not valid JSON"),
                Arguments.of("array", "[1, 2]", 0, "not a JSON object"),
                Arguments.of("two objects", "{} {}", 0, "not valid JSON"),
                Arguments.of("unknown dtype", "{\"w\":{\"dtype\":\"F8_E9\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                        "tensor 'w' has unknown dtype \"F8_E9\""),
                Arguments.of("overlap", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + f32x2
                        + ",\"data_offsets\":[4,12]}}", 12, "tensor 'b' at [4, 12) overlaps tensor 'a' at [0, 8)"),
                Arguments.of("gap", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + f32x2
                        + ",\"data_offsets\":[12,20]}}", 20, "gap of 4 bytes between tensor 'a' and tensor 'b'"),
                Arguments.of("gap at start", "{\"a\":{" + f32x2 + ",\"data_offsets\":[4,12]}}", 12,
                        "gap of 4 bytes between the start of the data region and tensor 'a'"),
                Arguments.of("beyond the file", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8]}}", 4,
                        "tensor 'a': data_offsets [0, 8] reach beyond the data region of 4 bytes"),
                Arguments.of("size mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
                        "tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8"),
                Arguments.of("duplicate name", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8]},\"a\":{" + f32x2
                        + ",\"data_offsets\":[0,8]}}", 8, "\"a\""),
                Arguments.of("trailing bytes", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8]}}", 9,
                        "1 bytes follow the last tensor"),
                Arguments.of("data but no tensors", "{}", 3, "3 bytes follow the last tensor"),
                Arguments.of("negative shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
                        "tensor 'a': shape[0] must be a non-negative integer"),
                Arguments.of("fractional shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}",
                        8, "tensor 'a': shape[0] must be a non-negative integer"),
                Arguments.of("huge shape entry", "{\"a\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],"
                        + "\"data_offsets\":[0,1]}}", 1, "tensor 'a': shape[0] must be a non-negative integer"),
                Arguments.of("shape product overflows", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                        + "\"data_offsets\":[0,0]}}", 0, "more bytes than a long can count"),
                Arguments.of("overflow hidden by a zero", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0,4294967296,"
                        + "4294967296],\"data_offsets\":[0,0]}}", 0, "more bytes than a long can count"),
                Arguments.of("offsets reversed", "{\"a\":{" + f32x2 + ",\"data_offsets\":[8,0]}}", 8,
                        "end before they begin"),
                Arguments.of("three offsets", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8,8]}}", 8,
                        "data_offsets must be [begin, end]"),
                Arguments.of("missing shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8,
                        "tensor 'a' has no 'shape'"),
                Arguments.of("unknown key", "{\"a\":{" + f32x2 + ",\"data_offsets\":[0,8],\"x\":1}}", 8,
                        "tensor 'a' has unknown key 'x'"),
                Arguments.of("entry not an object", "{\"a\":[1]}", 0, "tensor 'a' must be an object"),
                Arguments.of("metadata not strings", "{\"__metadata__\":{\"step\":3}}", 0,
                        "__metadata__ key 'step' must hold a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void badHeaderFailsNamingTheProblem(String label, String json, int dataBytes, String expected) throws IOException {
        Path file = write(json, dataBytes);

        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file));

        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void invalidUtf8IsRejected() throws IOException {
        byte[] header = {'{', '"', (byte) 0xff, '"', ':', '1', '}', ' '};
        Path file = writeRaw(header.length, header, 0);

        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file));

        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void anyWhitespacePaddingIsAccepted() throws IOException {
        Path file = write("\n\t{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}\r\n  ", 3);

        try (Safetensors st = Safetensors.open(file)) {
            assertEquals(3, st.info("a").numel());
        }
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path file = writeRaw(1000, "{}".getBytes(StandardCharsets.UTF_8), 0);

        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file));

        assertTrue(e.getMessage().contains("declares a header of 1000 bytes but only 2 bytes follow"), e.getMessage());
    }

    @Test
    void oneGigabyteHeaderInATinyFileFailsFastWithoutAllocating() throws IOException {
        Path file = writeRaw(1L << 30, "{}".getBytes(StandardCharsets.UTF_8), 0);
        Runtime runtime = Runtime.getRuntime();
        long before = runtime.totalMemory();

        SafetensorsException e = assertTimeout(Duration.ofSeconds(2),
                () -> assertThrows(SafetensorsException.class, () -> Safetensors.open(file)));

        assertTrue(e.getMessage().contains("declares a header of 1073741824 bytes"), e.getMessage());
        assertTrue(runtime.totalMemory() - before < 256L << 20, "heap grew by "
                + (runtime.totalMemory() - before) + " bytes");
    }

    @Test
    void headerAboveTheLimitFailsEvenWhenTheFileIsLargeEnough() throws IOException {
        Path file = dir.resolve("sparse.safetensors");
        long declared = SafetensorsHeader.MAX_HEADER_BYTES + 8;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(8 + declared); // sparse: nothing is written after the length field
            raf.write(lengthField(declared));
        }

        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file));

        assertTrue(e.getMessage().contains("more than the limit of " + SafetensorsHeader.MAX_HEADER_BYTES),
                e.getMessage());
    }

    @Test
    void negativeTinyAndMissingLengthFields() throws IOException {
        Path negative = writeRaw(-1, "{}".getBytes(StandardCharsets.UTF_8), 0);
        Path tiny = writeRaw(1, "{}".getBytes(StandardCharsets.UTF_8), 0);
        Path short7 = Files.write(dir.resolve("short.safetensors"), new byte[7]);

        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.open(negative)).getMessage()
                .contains("18446744073709551615 bytes"));
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.open(tiny)).getMessage()
                .contains("smallest valid header"));
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.open(short7)).getMessage()
                .contains("too short"));
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.open(dir.resolve("absent")))
                .getMessage().contains("no such file"));
    }

    /** A file with {@code json} as header (length field exact) followed by {@code dataBytes} bytes. */
    private Path write(String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return writeRaw(header.length, header, dataBytes);
    }

    private Path writeRaw(long declaredLength, byte[] header, int dataBytes) throws IOException {
        Path file = Files.createTempFile(dir, "hostile", ".safetensors");
        ByteBuffer content = ByteBuffer.allocate(8 + header.length + dataBytes);
        content.put(lengthField(declaredLength)).put(header);
        return Files.write(file, content.array());
    }

    private static byte[] lengthField(long length) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array();
    }
}
