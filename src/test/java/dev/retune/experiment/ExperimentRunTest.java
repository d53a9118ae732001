package dev.retune.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An experiment on a tiny model: 1 source × 2 parameter sets × 2 prompts × 2 samples of 0.5 s, run twice straight
 * through into two folders (shared by the tests), and again stopped and resumed, or with a setting changed.
 */
class ExperimentRunTest {

    @TempDir
    static Path dir;

    private static Path file;
    private static ExperimentConfig config;
    private static Path straight;

    @BeforeAll
    static void aTinyModelAndAnExperimentRunStraightThrough() throws Exception {
        torch.manual_seed(4);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        TinyTokenizer.write(dir.resolve("tokenizer.json"));
        ModelFolder.save(model, dir.resolve("tiny"), ScalarType.Float, dir.resolve("tokenizer.json"));
        file = Files.writeString(dir.resolve("exp.yaml"), String.join("\n",
                "seed: 11",
                "samples: 2",
                "metrics: [lufs, spectral_centroid_hz, tempo_bpm]",
                "sources: {tiny: " + dir.resolve("tiny") + "}",
                "prompt_sets: {calm: [soft piano, warm pad]}",
                "parameter_sets:",
                "  warm: {duration: 0.5, temperature: 1.0, cfg: 3.0}",
                "  hot: {duration: 0.5, temperature: 1.5, cfg: 1.5}",
                ""));
        config = ExperimentConfig.load(file);
        straight = dir.resolve("straight");
        Experiment.Outcome outcome = Experiment.run(config, "exp.yaml", straight, ProgressListener.NONE, new AtomicBoolean());
        assertTrue(outcome.finished());
        assertEquals(8, outcome.generated());
        Experiment.run(config, "exp.yaml", dir.resolve("again"), ProgressListener.NONE, new AtomicBoolean());
    }

    @Test
    void theSameFileAndSeedGiveByteIdenticalAudioAndExperimentJson() throws Exception {
        Path again = dir.resolve("again");

        assertArrayEquals(Files.readAllBytes(straight.resolve("experiment.json")), Files.readAllBytes(again.resolve("experiment.json")));
        JsonNode samples = JsonMapper.builder().build().readTree(straight.resolve("experiment.json").toFile()).get("samples");
        assertEquals(8, samples.size());
        Set<String> hashes = new HashSet<>();
        for (JsonNode sample : samples) {
            String path = sample.get("path").asString();
            assertArrayEquals(Files.readAllBytes(straight.resolve(path)), Files.readAllBytes(again.resolve(path)), path);
            hashes.add(sample.get("sha256").asString());
        }
        assertEquals(8, hashes.size(), "every sample has its own seed, so its own audio");
    }

    @Test
    void eachSampleIsSeededByItsIdentityAsDocumented() throws Exception {
        JsonNode samples = JsonMapper.builder().build().readTree(straight.resolve("experiment.json").toFile()).get("samples");
        // hashlib.sha256(b"retune-experiment\n11\ntiny\nwarm\nsoft piano\n1"), first 8 bytes big-endian, sign bit cleared
        JsonNode second = samples.get(1);
        assertEquals("tiny/warm/calm/p000-s001", second.get("id").asString());
        assertEquals(5415325210421542949L, second.get("seed").asLong());
        assertEquals(5415325210421542949L, ExperimentSeeds.of(11, "tiny", "warm", "soft piano", 1));
        assertEquals(2324704202183933746L, ExperimentSeeds.of(11, "", "", "soft piano", 1));
        JsonNode sidecar = JsonMapper.builder().build().readTree(straight.resolve(second.get("path").asString() + ".json").toFile());
        assertEquals(5415325210421542949L, sidecar.get("seed").asLong(), "the generation request used the sample's seed");
        assertEquals(0.5, second.get("seconds").asDouble(), 1e-9);
    }

    @Test
    void aStoppedExperimentResumesToTheUninterruptedResult() throws Exception {
        Path resumed = dir.resolve("resumed");
        AtomicBoolean stop = new AtomicBoolean();
        ProgressListener stopAfterThree = (done, total) -> stop.set(done >= 3);

        Experiment.Outcome first = Experiment.run(config, "exp.yaml", resumed, stopAfterThree, stop);

        assertFalse(first.finished());
        assertEquals(3, first.generated());
        assertFalse(Files.exists(resumed.resolve("experiment.json")));
        // A kill while a line was being appended leaves it cut short: the rerun must drop it, not choke on it.
        Files.writeString(resumed.resolve(ExperimentLog.FILE), "{\"settings\":\"[\\\"", StandardOpenOption.APPEND);

        Experiment.Outcome second = Experiment.run(config, "exp.yaml", resumed, ProgressListener.NONE, new AtomicBoolean());

        assertTrue(second.finished());
        assertEquals(5, second.generated());
        assertEquals(3, second.reused());
        for (String name : List.of("experiment.json", "analysis.json", "report.md", "report.html")) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(name)), Files.readAllBytes(resumed.resolve(name)), name);
        }
        assertEquals(8, Files.readAllLines(resumed.resolve(ExperimentLog.FILE)).size());
    }

    @Test
    void aRerunGeneratesOnlyTheSamplesWhoseSettingsChangedOrWhoseAudioIsGone() throws Exception {
        Path rerun = copy(dir.resolve("again"), dir.resolve("rerun"));
        ExperimentConfig hotter = ExperimentConfig.load(Files.writeString(dir.resolve("hotter.yaml"),
                Files.readString(file).replace("temperature: 1.5", "temperature: 2.0")));
        Files.delete(rerun.resolve("audio/tiny/warm/calm/p001-s000.wav"));
        AtomicBoolean stopAtOnce = new AtomicBoolean(true);

        Experiment.Outcome stopped = Experiment.run(hotter, "exp.yaml", rerun, ProgressListener.NONE, stopAtOnce);

        assertFalse(stopped.finished());
        assertEquals(0, stopped.generated());
        assertFalse(Files.exists(rerun.resolve("experiment.json")), "the earlier result no longer describes the file");

        Experiment.Outcome outcome = Experiment.run(hotter, "exp.yaml", rerun, ProgressListener.NONE, new AtomicBoolean());

        assertEquals(4 + 1, outcome.generated(), "the 4 samples of 'hot' and the one whose file was deleted");
        assertEquals(3, outcome.reused());
        assertNotEquals(Files.readString(straight.resolve("experiment.json")), Files.readString(rerun.resolve("experiment.json")));
    }

    @Test
    void analysisJsonHoldsTheMeanStdAndTIntervalOfExperimentJsonsMeasuresPerGroup() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        JsonNode samples = json.readTree(straight.resolve("experiment.json").toFile()).get("samples");
        JsonNode groups = json.readTree(straight.resolve("analysis.json").toFile()).get("groups");

        assertEquals(2, groups.size(), "tiny × {warm, hot} × calm");
        for (JsonNode group : groups) {
            for (String metric : List.of("lufs", "spectral_centroid_hz", "tempo_bpm")) {
                List<Double> values = new ArrayList<>();
                for (JsonNode sample : samples) {
                    JsonNode value = sample.get("metrics").get(metric);
                    if (sample.get("parameter_set").asString().equals(group.get("parameter_set").asString()) && !value.isNull()) {
                        values.add(value.asDouble());
                    }
                }
                JsonNode statistics = group.get("metrics").get(metric);
                assertEquals(values.size(), statistics.get("n").asInt(), metric);
                if (values.size() < 2) {
                    continue;
                }
                int n = values.size();
                double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
                double std = Math.sqrt(values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / (n - 1));
                // t(0.975, 3) = 3.182446 (scipy.stats.t.ppf); 4 samples per group
                double half = 3.182446 * std / Math.sqrt(n);
                assertEquals(mean, statistics.get("mean").asDouble(), 1e-12 * Math.abs(mean), metric);
                assertEquals(std, statistics.get("std").asDouble(), 1e-9 * std, metric);
                assertEquals(mean - half, statistics.get("low").asDouble(), 1e-9 * Math.abs(mean), metric);
                assertEquals(mean + half, statistics.get("high").asDouble(), 1e-9 * Math.abs(mean), metric);
            }
        }
        assertEquals(4, groups.get(0).get("metrics").get("spectral_centroid_hz").get("n").asInt(), "a 0.5 s clip has a spectrum");
    }

    @Test
    void theGalleryHasAPlayerForEverySampleAndLinksOnlyFilesOfTheFolder() throws Exception {
        String html = Files.readString(straight.resolve("report.html"));
        JsonNode samples = JsonMapper.builder().build().readTree(straight.resolve("experiment.json").toFile()).get("samples");

        for (JsonNode sample : samples) {
            assertTrue(html.contains("<audio controls preload=\"none\" src=\"" + sample.get("path").asString() + "\">"), sample.get("id").asString());
        }
        Matcher links = Pattern.compile("src=\"([^\"]+)\"").matcher(html);
        int count = 0;
        while (links.find()) {
            assertTrue(Files.isRegularFile(straight.resolve(links.group(1))), links.group(1));
            count++;
        }
        try (Stream<Path> plots = Files.list(straight.resolve("plots"))) {
            assertEquals(8 + plots.count(), count, "8 players and every plot (none for a measure no 0.5 s clip defines)");
        }
    }

    /** A copy of the folder {@code from}, as {@code to}. */
    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Files.copy(path, to.resolve(from.relativize(path).toString()));
            }
        }
        return to;
    }
}
