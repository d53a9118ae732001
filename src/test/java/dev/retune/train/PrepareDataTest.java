package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.Dataset;
import dev.retune.data.DatasetOptions;
import dev.retune.data.Split;
import dev.retune.data.TestAudio;
import dev.retune.data.TokenCache;
import dev.retune.data.Track;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filling the token cache: each file streamed through the codec a chunk at a time, with the codes of a whole-file
 * encode; a stop between chunks that leaves no entry for the file under way; workers that keep the dataset's order;
 * progress in seconds of audio. On the tiny preset's codec (random weights), CPU.
 */
class PrepareDataTest {

    private static final AudioFormat MONO = AudioFormat.MUSICGEN_MONO;

    @TempDir
    static Path dir;

    private static MusicgenForConditionalGeneration model;
    private static Path songs;

    @BeforeAll
    static void modelAndSongs() throws IOException {
        songs = Files.createDirectories(dir.resolve("songs"));
        TestAudio.write(songs, "a.flac", TestAudio.music(44_100, 20.0, 1));
        TestAudio.write(songs, "b.mp3", TestAudio.music(48_000, 20.0, 2));
        TestAudio.write(songs, "c.wav", TestAudio.music(32_000, 12.0, 3));
        Files.writeString(songs.resolve("undecodable.wav"), "not audio\n".repeat(100));
        Files.writeString(songs.resolve(Dataset.METADATA_FILE), String.join("\n", "file_name,description,split",
                "a.flac,first song,train", "b.mp3,second song,train", "c.wav,third song,valid", ""));
        model = new TrainRun(config(dir.resolve("unused-cache")), dir.resolve("run")).loadModel(new Device("cpu"));
    }

    @Test
    void aMinuteStreamedInChunksHasTheCodesOfTheWholeFileEncodeAndIsCachedSo() {
        Path minute = TestAudio.write(dir, "minute.flac", TestAudio.music(44_100, 60.0, 4));
        Audio decoded = AudioDecoder.decode(minute, MONO);
        Tensor wave = torch.tensor(decoded.samples()[0]).reshape(1, 1, decoded.frames()); // [1, 1, N]
        Tensor expected;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            expected = model.audio_encoder.encode(wave).select(0, 0).to(torch.ScalarType.Short).contiguous(); // [K, 3000], whole file at once
        }
        short[] wholeCodes = new short[(int) expected.numel()];
        expected.data_ptr_short().get(wholeCodes);

        List<Double> reported = new ArrayList<>();
        TokenCache.Codes codes = new CodecTokens(model.audio_encoder, MONO, 50).encode(minute, reported::add, () -> false);

        assertEquals(3_000, codes.frames(), "50 frames per second");
        assertArrayEquals(wholeCodes, codes.codes(), "chunks of one second");
        assertChunks(reported, 1.0, 60);

        // Through the dataset encoder into the cache, by the tiny codec's own chunks (819 frames: 3000 is no multiple).
        int chunk = EncodePlan.cpuFrames(model.audio_encoder.config());
        TokenCache cache = new TokenCache(dir.resolve("minute-cache"), new CodecTokens(model.audio_encoder, MONO, chunk).identity());
        List<Double> done = new ArrayList<>();
        List<Track> tracks = List.of(new Track(2, "minute.flac", minute, "a minute", Map.of(), Split.TRAIN));
        new DatasetEncoder(new CodecTokens(model.audio_encoder, MONO, chunk), cache, MONO, 1)
                .encode(tracks, (seconds, total) -> done.add(seconds), new AtomicBoolean());

        assertArrayEquals(wholeCodes, cache.get(minute, 32_000, 1).orElseThrow().codes(), "the cached codes are the whole file's");
        assertChunks(done.subList(1, done.size() - 1), chunk / 50.0, 4); // without the start and the file's end
    }

    /** The audio went through in {@code count} blocks of at most {@code seconds}: a minute never sits in memory at once. */
    private static void assertChunks(List<Double> reported, double seconds, int count) {
        assertEquals(count, reported.size(), "one report per chunk: " + reported);
        for (int i = 0; i < reported.size(); i++) {
            double block = reported.get(i) - (i == 0 ? 0 : reported.get(i - 1));
            assertTrue(block > 0 && block <= seconds + 1e-9, "block " + i + " of " + block + " s for chunks of " + seconds + " s");
        }
        assertEquals(60.0, reported.get(count - 1), 1e-6);
    }

    @Test
    void aStopMidFileLeavesNoEntryForItAndTheRerunEncodesOnlyWhatIsMissing() throws IOException {
        Path cacheDir = dir.resolve("stop-cache");
        TrainRun run = new TrainRun(config(cacheDir), dir.resolve("run"));
        AtomicBoolean stop = new AtomicBoolean();
        List<double[]> first = new ArrayList<>();

        StopRequestedException e = assertThrows(StopRequestedException.class, () -> run.prepareData(model, (done, total) -> {
            first.add(new double[] {done, total});
            if (done >= 26) {
                stop.set(true); // 6 s into b.mp3, between two of its 2-second chunks
            }
        }, stop));

        assertEquals("stopped while encoding the dataset (1 of 3 files encoded and cached)", e.getMessage());
        TokenCache cache = new TokenCache(cacheDir, new CodecTokens(model.audio_encoder, MONO, 50).identity());
        assertTrue(cache.get(songs.resolve("a.flac"), 32_000, 1).isPresent(), "the finished file is cached");
        assertTrue(cache.get(songs.resolve("b.mp3"), 32_000, 1).isEmpty(), "the file under way left no entry");
        assertTrue(cache.get(songs.resolve("c.wav"), 32_000, 1).isEmpty());
        List<Path> entries = files(cacheDir);
        assertEquals(1, entries.size(), "no temporary file either: " + entries);
        double lastReported = first.get(first.size() - 1)[0];
        assertTrue(lastReported >= 26 && lastReported <= 28, "stopped at the chunk after the flag: " + lastReported);

        FileTime written = Files.getLastModifiedTime(entries.get(0));
        List<double[]> rerun = new ArrayList<>();
        run.prepareData(model, (done, total) -> rerun.add(new double[] {done, total}), new AtomicBoolean());

        assertEquals(3, cache.entries());
        assertEquals(written, Files.getLastModifiedTime(entries.get(0)), "a.flac is not encoded again");
        assertEquals(0.0, rerun.get(0)[0], "the start");
        assertEquals(20.0, rerun.get(1)[0], 0.01, "a.flac comes from the cache at once, without chunks");
        assertProgressEndsOnTheTotal(rerun, 52.0);
    }

    @Test
    void twoWorkersKeepTheDatasetOrderGiveTheSameCodesAndSkipAnUndecodableFile() throws IOException {
        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        for (String name : List.of("a.flac", "b.mp3", "c.wav", "undecodable.wav")) {
            Files.copy(songs.resolve(name), mixed.resolve(name));
        }
        Files.writeString(mixed.resolve(Dataset.METADATA_FILE), String.join("\n", "file_name,description",
                "c.wav,third", "undecodable.wav,broken", "b.mp3,second", "a.flac,first", ""));
        List<Track> tracks = Dataset.scan(mixed, new DatasetOptions(0.0, false)).tracks();
        CodecTokens codec = new CodecTokens(model.audio_encoder, MONO, 100);

        List<double[]> progress = new ArrayList<>();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        List<TrainingData.Example> parallel;
        List<TrainingData.Example> serial;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            parallel = new DatasetEncoder(codec, null, MONO, 2).encode(tracks, (done, total) -> progress.add(new double[] {done, total}),
                    new AtomicBoolean());
            serial = new DatasetEncoder(codec, null, MONO, 1).encode(tracks, (done, total) -> { }, new AtomicBoolean());
        } finally {
            System.setErr(original);
        }

        assertEquals(List.of("c.wav", "b.mp3", "a.flac"), parallel.stream().map(x -> x.track().file()).toList());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("skipping line 3: " + mixed.resolve("undecodable.wav")), err.toString(StandardCharsets.UTF_8));
        for (int i = 0; i < serial.size(); i++) {
            assertArrayEquals(serial.get(i).codes().codes(), parallel.get(i).codes().codes(), parallel.get(i).track().file());
        }
        assertEquals(List.of(600, 1_000, 1_000), parallel.stream().map(x -> x.codes().frames()).toList());
        assertProgressEndsOnTheTotal(progress, 52.0);
    }

    /** Reports never go back, and end on a total of {@code seconds} (the files' declared durations). */
    private static void assertProgressEndsOnTheTotal(List<double[]> reports, double seconds) {
        for (int i = 1; i < reports.size(); i++) {
            assertTrue(reports.get(i)[0] >= reports.get(i - 1)[0], "report " + i + " went back");
            assertTrue(reports.get(i)[0] <= reports.get(i)[1] + 1e-9, "report " + i + " is past the total");
        }
        double[] last = reports.get(reports.size() - 1);
        assertEquals(seconds, last[1], 0.05, "the total is the declared durations");
        assertEquals(last[1], last[0], 1e-9, "the count ends on the total");
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static RetuneConfig config(Path cache) {
        return ConfigLoader.fromOverrides(List.of("model.path=" + dir.resolve("tiny"), "model.preset=tiny", "data.dataset=" + songs,
                "data.segment_seconds=1", "data.batch_size=1", "data.cache_dir=" + cache, "data.encode_chunk_seconds=2",
                "data.encode_workers=1"));
    }

}
