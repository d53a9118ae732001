package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code retune evaluate}: each verb on a tiny run, its demo data and clips it generated, printed and as a report folder. */
class EvaluateCommandTest {

    @TempDir
    static Path dir;

    private static Path config;
    private static Path run;
    private static Path generated;

    @BeforeAll
    static void aTinyRunAndTwoClipsItGenerated() throws Exception {
        config = TrainCommandTest.tinyConfig(dir);
        run = dir.resolve("run");
        CliRun train = CliRun.of("train", config.toString(), "--out", run.toString(), "--json");
        assertEquals(ExitCode.OK, train.exitCode(), train.err());
        generated = dir.resolve("generated");
        CliRun generate = CliRun.of("generate", "--run", run.toString(), "--prompt", "a funky slap bass", "--prompt", "fast dnb drums",
                "--duration", "1", "--out-dir", generated.toString());
        assertEquals(ExitCode.OK, generate.exitCode(), generate.err());
    }

    private static JsonNode json(CliRun run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        return JsonMapper.shared().readTree(run.out());
    }

    private static void assertReport(Path report, String... files) throws Exception {
        for (String file : files) {
            assertTrue(Files.size(report.resolve(file)) > 0, report.resolve(file) + " written");
        }
    }

    @Test
    void fitComparesTheBaseWithTheRunOnItsHeldOutClips() throws Exception {
        Path report = dir.resolve("fit");
        JsonNode fit = json(CliRun.of("evaluate", "fit", "--source", "base=" + dir.resolve("tiny"), "--source", "run=" + run,
                "--resamples", "200", "--json", "--out", report.toString()));

        assertEquals("valid", fit.get("split").asString());
        assertEquals(2, fit.get("sources").size());
        assertEquals(1, fit.get("differences").size());
        JsonNode difference = fit.get("differences").get(0);
        double loss = difference.get("loss").asDouble();
        assertEquals(fit.get("sources").get(1).get("loss").asDouble() - fit.get("sources").get(0).get("loss").asDouble(), loss, 1e-12);
        assertTrue(difference.get("interval").get("low").asDouble() <= loss && loss <= difference.get("interval").get("high").asDouble());
        assertReport(report, "summary.md", "summary.json", "clips.csv", "loss.png");
        assertEquals(fit.get("clips").asInt() + 1, Files.readAllLines(report.resolve("clips.csv")).size());
        assertTrue(Files.readString(report.resolve("summary.md")).contains("| run "), "sources are shown by their names");
    }

    @Test
    void audioMeasuresEveryClipOfEachNamedSet() throws Exception {
        Path report = dir.resolve("audio");
        JsonNode sets = json(CliRun.of("evaluate", "audio", "data=" + dir.resolve("data"), "gen=" + generated, "--json",
                "--out", report.toString()));

        assertEquals(2, sets.size());
        assertEquals("data", sets.get(0).get("set").asString());
        assertEquals(6, sets.get(0).get("clips").asInt());
        assertEquals(2, sets.get(1).get("clips").asInt());
        assertEquals(2.0, sets.get(1).get("seconds").asDouble(), 0.05);
        assertTrue(sets.get(0).get("metrics").get("lufs").get("median").asDouble() < 0);
        assertReport(report, "summary.md", "summary.json", "clips.csv", "lufs.png", "tempo_bpm.png");
        assertEquals(1 + 6 + 2, Files.readAllLines(report.resolve("clips.csv")).size());
        // The demo subset's metadata.csv states a tempo and key per row: each is compared with the estimate.
        JsonNode agreement = sets.get(0).get("agreement");
        assertEquals(6, agreement.get("clips_given").asInt());
        assertTrue(agreement.get("key").get("stating").asInt() > 0, agreement.toString());
        assertTrue(agreement.get("key").get("agree_lenient").asInt() >= agreement.get("key").get("agree_exact").asInt());
        assertTrue(sets.get(1).get("agreement").isNull(), "the generated clips' prompts state neither tempo nor key");
    }

    @Test
    void distanceOfGeneratedClipsToTheDatasetsHeldOutClips() throws Exception {
        Path report = dir.resolve("distance");
        JsonNode distance = json(CliRun.of("evaluate", "distance", generated.toString(), "--reference", dir.resolve("data").toString(),
                "--codec", run.toString(), "--resamples", "100", "--json", "--out", report.toString()));

        assertEquals(2, distance.get("clips_a").asInt());
        assertEquals(2, distance.get("clips_b").asInt(), "the demo subset's two valid clips");
        assertEquals(100, distance.get("frames_a").asLong(), "1 s at 50 frames/s each");
        assertTrue(distance.get("fad").asDouble() > 0);
        assertEquals(16, distance.get("provenance").get("dimension").asInt());
        assertEquals(64, distance.get("provenance").get("codec_sha256").asString().length());
        assertReport(report, "summary.md", "summary.json", "clips.csv", "per_clip_fad.png");
    }

    @Test
    void alignScoresTheClipsWithTheirSidecarPromptsAgainstChance() throws Exception {
        JsonNode results = json(CliRun.of("evaluate", "align", "--source", "run=" + run, generated.toString(), "--json"));

        assertEquals(1, results.size());
        JsonNode run = results.get(0);
        assertEquals(0.5, run.get("chance_level").asDouble());
        assertEquals(2, run.get("clips").size());
        assertEquals(List.of("a funky slap bass", "fast dnb drums"),
                List.of(run.get("clips").get(0).get("prompt").asString(), run.get("clips").get(1).get("prompt").asString()));
        double r1 = run.get("recall_at1").asDouble();
        assertTrue(r1 == 0 || r1 == 0.5 || r1 == 1, "R@1 over two clips: " + r1);
    }

    @Test
    void compareGeneratesFromBothModelsAndReadsAVerdictPerAspect() throws Exception {
        Path report = dir.resolve("effect");
        JsonNode effect = json(CliRun.of("evaluate", "compare", "--base", "base=" + dir.resolve("tiny"), "--adapted", "run=" + run,
                "--prompt", "a funky slap bass", "--prompt", "fast dnb drums", "--duration", "1", "--seed", "7", "--resamples", "100",
                "--json", "--out", report.toString()));

        assertEquals(List.of("target_fit", "seed_noise", "target_distance", "prompt_alignment"),
                effect.get("verdicts").valueStream().map(v -> v.get("aspect").asString()).toList());
        assertEquals(7, effect.get("provenance").get("seed_a").asLong());
        assertEquals(8, effect.get("provenance").get("seed_b").asLong());
        assertEquals(2, effect.get("outputs").get("clips").size());
        for (String set : new String[] {"base-a", "adapted-a", "base-b"}) {
            assertTrue(Files.isRegularFile(report.resolve(set).resolve("gen-001.wav.json")), set + " kept with its sidecar");
        }
        assertReport(report, "summary.md", "summary.json", "clips.csv", "kad.png", "target_loss.png");
    }
}
