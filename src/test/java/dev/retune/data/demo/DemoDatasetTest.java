package dev.retune.data.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.AudioInfo;
import dev.retune.data.DatasetException;
import dev.retune.data.MetadataCsv;
import dev.retune.data.MetadataRow;
import dev.retune.data.MetadataTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDatasetTest {

    /** One generation shared by the read-only checks: writing the folder takes a couple of seconds. */
    @TempDir
    static Path shared;

    private static Path demo;
    private static List<Path> written;

    @BeforeAll
    static void generate() {
        demo = shared.resolve("demo");
        written = DemoDataset.write(demo);
    }

    @Test
    void holdsManyShortClipsInSeveralFormatsRatesAndLayouts() {
        List<Path> clips = clips();
        assertTrue(clips.size() >= 20, "clips: " + clips.size());

        Set<String> formats = clips.stream().map(DemoDatasetTest::extension).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(formats.containsAll(List.of("wav", "flac", "mp3", "ogg")), "formats: " + formats);

        Set<Integer> rates = new TreeSet<>();
        Set<Integer> channels = new TreeSet<>();
        for (Path clip : clips) {
            AudioInfo info = AudioDecoder.inspect(clip);
            rates.add(info.sampleRate());
            channels.add(info.channels());
            assertEquals(0, info.decodeErrors(), clip + ": " + info.firstDecodeError());
            assertTrue(info.decodedSeconds() >= 2.9 && info.decodedSeconds() <= 8.1, clip + " lasts " + info.decodedSeconds());
        }
        assertTrue(rates.size() >= 2, "sample rates: " + rates);
        assertEquals(Set.of(1, 2), channels);
    }

    @Test
    void stereoClipsDifferBetweenChannels() {
        Path stereo = clips().stream().filter(clip -> AudioDecoder.inspect(clip).channels() == 2 && !extension(clip).equals("ogg"))
                .findFirst().orElseThrow();
        Audio audio = AudioDecoder.decode(stereo, new AudioFormat(44_100, 2));

        double difference = 0;
        double total = 0;
        for (int i = 0; i < audio.frames(); i++) {
            float left = audio.samples()[0][i];
            float right = audio.samples()[1][i];
            difference += (left - right) * (left - right);
            total += left * left + right * right;
        }
        assertTrue(difference > 0.01 * total, stereo + ": left and right are nearly the same");
    }

    @Test
    void staysUnderThreeMegabytes() throws IOException {
        long bytes = 0;
        for (Path file : written) {
            bytes += Files.size(file);
        }
        assertTrue(bytes < 3_000_000, "total bytes: " + bytes);
    }

    @Test
    void metadataReadsBackWithQuotedDescriptionsAndBothSplits() throws IOException {
        String raw = Files.readString(demo.resolve(DemoDataset.METADATA_FILE), StandardCharsets.UTF_8);
        assertTrue(raw.startsWith("file_name,description,genre,bpm,key,split\n"), raw);
        assertTrue(raw.contains("\"\""), "no escaped double quote in:\n" + raw);

        MetadataTable table = MetadataCsv.read(demo.resolve(DemoDataset.METADATA_FILE));
        assertEquals(List.of(), table.problems());
        assertEquals(clips().size(), table.rows().size());
        assertTrue(table.rows().stream().anyMatch(row -> row.description().contains(",") && row.description().contains("\"")));
        for (MetadataRow row : table.rows()) {
            assertTrue(Files.isRegularFile(demo.resolve(row.audio())), row.audio());
            int bpm = Integer.parseInt(row.metadata().get("bpm"));
            assertTrue(bpm >= 70 && bpm <= 160, row.audio() + " bpm " + bpm);
        }
        Map<String, Long> splits = table.rows().stream()
                .collect(Collectors.groupingBy(row -> row.metadata().get("split"), TreeMap::new, Collectors.counting()));
        assertEquals(Set.of("train", "valid"), splits.keySet());
        assertTrue(splits.get("valid") >= 2 && splits.get("valid") < splits.get("train"), "splits: " + splits);
    }

    @Test
    void aSecondGenerationIsByteIdentical(@TempDir Path other) throws IOException {
        List<Path> again = DemoDataset.write(other.resolve("demo"));

        assertEquals(written.size(), again.size());
        for (int i = 0; i < written.size(); i++) {
            assertEquals(written.get(i).getFileName(), again.get(i).getFileName());
            assertArrayEquals(Files.readAllBytes(written.get(i)), Files.readAllBytes(again.get(i)), written.get(i).toString());
        }
    }

    @Test
    void refusesANonEmptyFolderUnlessForced(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "mine");

        DatasetException error = assertThrows(DatasetException.class, () -> DemoDataset.write(dir));
        assertTrue(error.getMessage().contains(dir.toString()), error.getMessage());
        assertEquals(List.of(dir.resolve("notes.txt")), list(dir));

        DemoDataset.write(dir, true);
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
        assertTrue(Files.isRegularFile(dir.resolve(DemoDataset.METADATA_FILE)));
    }

    private static List<Path> clips() {
        return written.stream().filter(file -> !file.getFileName().toString().equals(DemoDataset.METADATA_FILE)).toList();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
