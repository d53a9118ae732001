package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import dev.retune.data.Audio;
import dev.retune.data.TestAudio;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune data check` end to end on real files: one dataset with every kind of bad row. */
class CheckCommandTest {

    @TempDir
    Path dir;

    @Test
    void reportsEveryBadRowWithItsLineAndKindAndKeepsTheGoodOnes() throws IOException {
        Path dataset = badDataset();
        Map<String, Long> before = snapshot(dataset);

        CliRun run = CliRun.of("data", "check", dataset.toString(), "--json");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        JsonNode report = JsonMapper.shared().readTree(run.out());
        assertEquals(12, report.get("rows").asInt(), run.out());
        assertEquals(2, report.get("usable").asInt());
        assertEquals(4.5, report.get("total_seconds").asDouble(), 0.01);
        Map<Integer, String> kindByLine = new HashMap<>();
        for (JsonNode p : report.get("problems")) {
            kindByLine.put(p.get("line").asInt(), p.get("kind").asString());
            assertTrue(!p.get("message").asString().isBlank());
        }
        assertEquals(Map.of(
                4, "missing_file",
                5, "path_outside_dataset",
                6, "undecodable",
                7, "undecodable",
                8, "corrupt",
                9, "too_short",
                10, "empty_caption",
                11, "duplicate",
                12, "malformed_csv",
                13, "malformed_csv"), kindByLine);
        assertEquals(before, snapshot(dataset), "data check must not modify the dataset");
    }

    @Test
    void strictFailsWhenAnyRowIsBad() throws IOException {
        CliRun run = CliRun.of("data", "check", badDataset().toString(), "--strict");

        assertEquals(ExitCode.DATA_CHECK_FAILED, run.exitCode());
        assertTrue(run.out().contains("missing_file (1)"), run.out());
        assertTrue(run.out().contains("2 usable"), run.out());
    }

    @Test
    void noUsableRowFailsEvenWithoutStrictAndSaysWhyOnStderr() throws IOException {
        Path dataset = Files.createDirectories(dir.resolve("none"));
        Files.writeString(dataset.resolve("metadata.csv"), "file,caption\nmissing.wav,a song\n");

        CliRun run = CliRun.of("data", "check", dataset.toString());

        assertEquals(ExitCode.DATA_CHECK_FAILED, run.exitCode());
        assertEquals("error: " + dataset + ": no usable rows (1 read, 1 skipped); first problem: missing_file, line 2: file"
                + " not found: " + dataset.resolve("missing.wav") + System.lineSeparator(), run.err());
    }

    @Test
    void rowWithTwoProblemsIsCountedOnceAndBothAreListed() throws IOException {
        Path dataset = Files.createDirectories(dir.resolve("two"));
        TestAudio.write(dataset, "good.wav", TestAudio.sine(440, 32_000, 2.0, 1));
        Files.writeString(dataset.resolve("metadata.csv"), "file,caption\ngood.wav,a tone\n,\n../out.wav,\n");

        CliRun text = CliRun.of("data", "check", dataset.toString());
        CliRun json = CliRun.of("data", "check", dataset.toString(), "--json");

        assertEquals(ExitCode.OK, text.exitCode(), text.err());
        assertTrue(text.out().contains(": 3 rows read, 1 usable, 2 skipped\n"), text.out());
        assertTrue(text.out().contains("Problems (4, on 2 skipped rows):\n"), text.out());
        for (String listed : List.of("    line 3: the audio path is empty\n", "    line 3: the description is empty\n",
                "    line 4: '../out.wav' leads outside", "    line 4: the description is empty\n")) {
            assertTrue(text.out().contains(listed), listed + " in\n" + text.out());
        }
        JsonNode report = JsonMapper.shared().readTree(json.out());
        assertEquals(3, report.get("rows").asInt());
        assertEquals(1, report.get("usable").asInt());
        assertEquals(2, report.get("skipped").asInt());
        assertEquals(List.of("3 empty_path", "3 empty_caption", "4 path_outside_dataset", "4 empty_caption"),
                report.get("problems").valueStream().map(p -> p.get("line").asInt() + " " + p.get("kind").asString()).toList());
    }

    @Test
    void emptyCsvIsBadInputNamingTheFile() throws IOException {
        Path dataset = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(dataset.resolve("metadata.csv"), "");

        CliRun run = CliRun.of("data", "check", dataset.toString());

        assertEquals(ExitCode.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains(dataset.resolve("metadata.csv").toString()), run.err());
    }

    @Test
    void unknownConfigKeyIsBadInputNamingTheKey() throws IOException {
        CliRun run = CliRun.of("data", "check", dir.toString(), "--set", "data.min_secs=3");

        assertEquals(ExitCode.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("data.min_secs") && run.err().contains("data.min_seconds"), run.err());
    }

    @Test
    void minSecondsComesFromTheConfig() throws IOException {
        Path dataset = badDataset();

        CliRun run = CliRun.of("data", "check", dataset.toString(), "--json", "--set", "data.min_seconds=3");

        JsonNode report = JsonMapper.shared().readTree(run.out());
        assertEquals(1, report.get("usable").asInt(), "the 1.5 s file is now too short");
    }

    @Test
    void helpListsTheVerbsAndVersionNamesTheNativeLibraries() {
        CliRun help = CliRun.of("--help");
        CliRun version = CliRun.of("--version");

        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("data") && help.out().contains("bench"), help.out());
        assertTrue(version.out().contains("libtorch 2.10.0"), version.out());
        assertTrue(version.out().contains("FFmpeg 8.0"), version.out());
    }

    /**
     * metadata.csv with two good rows (lines 2-3) and one bad row of each kind (lines 4-13); the last line opens a
     * quote it never closes.
     */
    private Path badDataset() throws IOException {
        Path dataset = Files.createDirectories(dir.resolve("set"));
        Files.createDirectories(dataset.resolve("audio"));
        TestAudio.write(dataset, "audio/good.flac", TestAudio.sine(440, 44_100, 3.0, 2));
        TestAudio.write(dataset, "audio/good.mp3", TestAudio.sine(330, 48_000, 1.5, 1));
        byte[] noise = new byte[8_000];
        new Random(5).nextBytes(noise);
        Files.write(dataset.resolve("audio/noise.wav"), noise);
        Files.writeString(dataset.resolve("audio/readme.flac"), "not audio at all\n");
        Path whole = TestAudio.write(dir, "whole.mp3", TestAudio.sine(220, 44_100, 6.0, 1));
        byte[] bytes = Files.readAllBytes(whole);
        Files.write(dataset.resolve("audio/cut.mp3"), Arrays.copyOf(bytes, bytes.length / 3));
        TestAudio.write(dataset, "audio/blip.wav", new Audio(new float[][] {new float[8_000]}, 32_000));
        Files.writeString(dataset.resolve("metadata.csv"), String.join("\n",
                "file_name,description,genre",
                "audio/good.flac,\"warm pad, slow\",ambient",
                "audio/good.mp3,\"a \"\"lo-fi\"\" tone\",lofi",
                "audio/missing.wav,gone,rock",
                "../outside.wav,escapes,rock",
                "audio/noise.wav,random bytes,noise",
                "audio/readme.flac,text named flac,noise",
                "audio/cut.mp3,truncated,rock",
                "audio/blip.wav,a quarter second,rock",
                "audio/good.flac,,ambient",
                "audio/good.flac,\"warm pad, slow\",ambient",
                "audio/good.mp3,too,many,fields",
                "audio/good.mp3,\"never closed,rock",
                "") , StandardCharsets.UTF_8);
        return dataset;
    }

    private static Map<String, Long> snapshot(Path dataset) throws IOException {
        Map<String, Long> sizes = new HashMap<>();
        try (Stream<Path> files = Files.walk(dataset)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                sizes.put(dataset.relativize(f) + "@" + Files.getLastModifiedTime(f).toMillis(), Files.size(f));
            }
        }
        return sizes;
    }
}
