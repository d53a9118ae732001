package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCacheTest {

    private static final int RATE = 32_000;
    private static final int MONO = 1;
    private static final String CODEC = "encodec-32khz:sha256:0123abcd";

    @TempDir
    Path tmp;

    @Test
    void putThenGetReturnsTheSameCodes() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        TokenCache.Codes codes = codes(4, 250, 7);

        assertTrue(cache.get(audio, RATE, MONO).isEmpty());
        cache.put(audio, RATE, MONO, codes);
        TokenCache.Codes back = cache.get(audio, RATE, MONO).orElseThrow();

        assertEquals(4, back.codebooks());
        assertEquals(250, back.frames());
        assertArrayEquals(codes.codes(), back.codes());
        assertEquals(codes.get(3, 249), back.get(3, 249));
        // A fresh cache (no memoized hashes) finds the entry too.
        assertArrayEquals(codes.codes(), cache(CODEC).get(audio, RATE, MONO).orElseThrow().codes());
        assertEquals(1, cache.entries());
    }

    @Test
    void sameContentUnderAnotherPathHits() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        cache.put(audio, RATE, MONO, codes(4, 100, 1));

        Path copy = Files.createDirectories(tmp.resolve("elsewhere")).resolve("renamed.flac");
        Files.copy(audio, copy);

        assertTrue(cache.get(copy, RATE, MONO).isPresent());
        assertEquals(cache.entryFile(audio, RATE, MONO), cache.entryFile(copy, RATE, MONO));
    }

    @Test
    void changingOneByteOfTheAudioMisses() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        cache.put(audio, RATE, MONO, codes(4, 100, 1));
        FileTime before = Files.getLastModifiedTime(audio);

        byte[] bytes = Files.readAllBytes(audio);
        bytes[bytes.length / 2] ^= 1;
        Files.write(audio, bytes);
        // The hash memo trusts (size, mtime, file key) like rsync's quick check; make sure mtime moves even on
        // file systems with coarse timestamps.
        Files.setLastModifiedTime(audio, FileTime.fromMillis(before.toMillis() + 2_000));

        assertTrue(cache.get(audio, RATE, MONO).isEmpty());
        assertTrue(cache(CODEC).get(audio, RATE, MONO).isEmpty());
    }

    @Test
    void anotherCodecOrFormatMisses() throws IOException {
        Path audio = audioFile("a.wav", 1);
        cache(CODEC).put(audio, RATE, MONO, codes(4, 100, 1));

        assertTrue(cache(CODEC + "-retrained").get(audio, RATE, MONO).isEmpty());
        assertTrue(cache(CODEC).get(audio, 24_000, MONO).isEmpty());
        assertTrue(cache(CODEC).get(audio, RATE, 2).isEmpty());
        assertTrue(cache(CODEC).get(audio, RATE, MONO).isPresent());
    }

    @Test
    void flippedByteIsAMissAndGetOrComputeRepairsIt() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        TokenCache.Codes codes = codes(4, 300, 2);
        cache.put(audio, RATE, MONO, codes);
        Path entry = cache.entryFile(audio, RATE, MONO);

        byte[] bytes = Files.readAllBytes(entry);
        bytes[bytes.length - 100] ^= 0x10; // inside the codes: only the CRC can tell
        Files.write(entry, bytes);

        assertTrue(cache.get(audio, RATE, MONO).isEmpty());
        assertFalse(Files.exists(entry), "a damaged entry is deleted");

        Files.write(entry, bytes);
        AtomicInteger calls = new AtomicInteger();
        TokenCache.Codes back = cache.getOrCompute(audio, RATE, MONO, counting(calls, codes));
        assertEquals(1, calls.get());
        assertArrayEquals(codes.codes(), back.codes());
        assertArrayEquals(codes.codes(), cache(CODEC).get(audio, RATE, MONO).orElseThrow().codes());
    }

    @Test
    void truncatedOrForeignEntriesAreMisses() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        TokenCache.Codes codes = codes(4, 300, 3);
        cache.put(audio, RATE, MONO, codes);
        Path entry = cache.entryFile(audio, RATE, MONO);
        byte[] good = Files.readAllBytes(entry);

        for (int length : new int[] {0, 3, 40, good.length / 2, good.length - 1}) {
            Files.write(entry, Arrays.copyOf(good, length));
            assertTrue(cache.get(audio, RATE, MONO).isEmpty(), "truncated to " + length + " bytes");
        }
        Files.write(entry, good);
        Files.write(entry, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertTrue(cache.get(audio, RATE, MONO).isEmpty(), "trailing bytes");

        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        Files.write(entry, badMagic);
        assertTrue(cache.get(audio, RATE, MONO).isEmpty(), "bad magic");

        AtomicInteger calls = new AtomicInteger();
        Files.write(entry, Arrays.copyOf(good, good.length / 2));
        cache.getOrCompute(audio, RATE, MONO, counting(calls, codes));
        assertEquals(1, calls.get());
        assertArrayEquals(good, Files.readAllBytes(entry), "the repaired entry is byte-identical");
    }

    @Test
    void getOrComputeEncodesOnlyOnce() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        AtomicInteger calls = new AtomicInteger();
        Function<Path, TokenCache.Codes> encoder = counting(calls, codes(4, 50, 4));

        for (int i = 0; i < 5; i++) {
            cache.getOrCompute(audio, RATE, MONO, encoder);
        }
        cache(CODEC).getOrCompute(audio, RATE, MONO, encoder);

        assertEquals(1, calls.get());
    }

    @Test
    void encoderFailuresPropagateAndStoreNothing() throws IOException {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);

        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> cache.getOrCompute(audio, RATE, MONO, path -> {
                    throw new IllegalStateException("codec failed");
                }));

        assertEquals("codec failed", thrown.getMessage());
        assertEquals(0, cache.entries());
        assertTrue(cache.getOrCompute(audio, RATE, MONO, path -> codes(4, 10, 5)).frames() == 10);
    }

    @Test
    void concurrentGetOrComputeLeavesOneValidEntry() throws Exception {
        TokenCache cache = cache(CODEC);
        Path audio = audioFile("a.wav", 1);
        TokenCache.Codes codes = codes(4, 1_500, 6);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Function<Path, TokenCache.Codes> slowEncoder = path -> {
            calls.incrementAndGet();
            sleep(50);
            return codes;
        };

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<TokenCache.Codes>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.getOrCompute(audio, RATE, MONO, slowEncoder);
                }));
            }
            start.countDown();
            for (Future<TokenCache.Codes> result : results) {
                assertArrayEquals(codes.codes(), result.get().codes());
            }
        } finally {
            pool.shutdownNow();
        }

        assertEquals(1, calls.get(), "threads of one process share one encoding");
        assertEquals(1, cache.entries());
        assertArrayEquals(codes.codes(), cache(CODEC).get(audio, RATE, MONO).orElseThrow().codes());
        try (Stream<Path> files = Files.walk(tmp.resolve("cache"))) {
            assertEquals(1, files.filter(Files::isRegularFile).count(), "no temporary files left behind");
        }
    }

    @Test
    void concurrentPutsOfTheSameEntryNeverTearIt() throws Exception {
        Path audio = audioFile("a.wav", 1);
        TokenCache.Codes first = codes(4, 2_000, 8);
        TokenCache.Codes second = codes(4, 2_000, 9);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                TokenCache.Codes codes = i % 2 == 0 ? first : second;
                // A cache per writer: as if separate processes, with no shared in-memory state.
                writes.add(pool.submit(() -> cache(CODEC).put(audio, RATE, MONO, codes)));
                writes.add(pool.submit(() -> cache(CODEC).get(audio, RATE, MONO)
                        .ifPresent(read -> assertTrue(Arrays.equals(read.codes(), first.codes())
                                || Arrays.equals(read.codes(), second.codes())))));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        } finally {
            pool.shutdownNow();
        }
        TokenCache.Codes last = cache(CODEC).get(audio, RATE, MONO).orElseThrow();
        assertTrue(Arrays.equals(last.codes(), first.codes())
                || Arrays.equals(last.codes(), second.codes()));
    }

    @Test
    void entriesAreInt16WithASmallHeader() throws IOException {
        TokenCache cache = cache(CODEC);
        int k = 4;
        int t = 1_500; // 30 s at 50 frames/s
        cache.put(audioFile("a.wav", 1), RATE, MONO, codes(k, t, 10));
        cache.put(audioFile("b.wav", 2), RATE, MONO, codes(k, t, 11));

        long perEntry = cache.sizeBytes() / 2;
        long header = perEntry - 2L * k * t;
        assertEquals(2, cache.entries());
        assertTrue(header > 0 && header < 200, "header + CRC of " + header + " bytes");
        assertEquals(cache.entryBytes(k, t), perEntry);
    }

    @Test
    void entriesStayInsideTheCacheFolderShardedByKey() throws IOException {
        Path dir = tmp.resolve("new").resolve("cache");
        TokenCache cache = new TokenCache(dir, CODEC);
        assertTrue(Files.isDirectory(dir), "the folder is created");
        Path audio = audioFile("a.wav", 1);
        cache.put(audio, RATE, MONO, codes(2, 10, 12));

        Path entry = cache.entryFile(audio, RATE, MONO);
        String name = entry.getFileName().toString();
        assertTrue(entry.startsWith(dir.toAbsolutePath()));
        assertEquals(name.substring(0, 2), entry.getParent().getFileName().toString());
        assertTrue(name.matches("[0-9a-f]{64}\\.tokens"), name);
        assertNotEquals(entry, cache.entryFile(audio, RATE, 2));
    }

    @Test
    void codesCheckTheirShape() {
        assertThrows(IllegalArgumentException.class, () -> new TokenCache.Codes(new short[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new TokenCache.Codes(new short[0], 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenCache(tmp.resolve("c"), " "));
    }

    private TokenCache cache(String codecIdentity) {
        return new TokenCache(tmp.resolve("cache"), codecIdentity);
    }

    /** Any bytes will do: the cache hashes content and never decodes it. */
    private Path audioFile(String name, long seed) throws IOException {
        byte[] bytes = new byte[10_000];
        new Random(seed).nextBytes(bytes);
        return Files.write(Files.createDirectories(tmp.resolve("audio")).resolve(name), bytes);
    }

    private static TokenCache.Codes codes(int codebooks, int frames, long seed) {
        Random random = new Random(seed);
        short[] codes = new short[codebooks * frames];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (short) random.nextInt(2048);
        }
        return new TokenCache.Codes(codes, codebooks, frames);
    }

    private static Function<Path, TokenCache.Codes> counting(AtomicInteger calls, TokenCache.Codes codes) {
        return path -> {
            calls.incrementAndGet();
            return codes;
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
