package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code retune experiment}: a one-sample experiment on a tiny model as JSON, noted and packaged; a bad file as exit 3
 * naming the key.
 */
class ExperimentCommandTest {

    @TempDir
    Path dir;

    @Test
    void aOneSampleExperimentPrintsItsOutcomeAsJsonAndWritesItsFiles() throws Exception {
        torch.manual_seed(4);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        TinyTokenizer.write(dir.resolve("tokenizer.json"));
        ModelFolder.save(model, dir.resolve("tiny"), ScalarType.Float, dir.resolve("tokenizer.json"));
        Path file = Files.writeString(dir.resolve("one.yaml"), String.join("\n",
                "sources: {tiny: " + dir.resolve("tiny") + "}",
                "prompt_sets: {calm: [soft piano]}",
                "parameter_sets: {short: {duration: 0.5}}",
                "out: " + dir.resolve("out"),
                ""));

        CliRun run = CliRun.of("experiment", file.toString(), "--json");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        JsonNode outcome = JsonMapper.builder().build().readTree(run.out());
        assertTrue(outcome.get("finished").asBoolean());
        assertEquals(1, outcome.get("samples").asInt());
        assertEquals(1, outcome.get("generated").asInt());
        assertEquals(dir.resolve("out").toString(), outcome.get("out").asString());
        for (String name : new String[] {"experiment.json", "analysis.json", "report.md", "samples.jsonl", "audio/tiny/short/calm/p000-s000.wav"}) {
            assertTrue(Files.isRegularFile(dir.resolve("out").resolve(name)), name);
        }

        CliRun note = CliRun.of("experiment", "note", dir.resolve("out").toString(), "--title", "Noise", "--text", "Tiny makes noise.",
                "--related", "tiny/short");
        CliRun pack = CliRun.of("experiment", "package", dir.resolve("out").toString(), "--no-audio");

        assertEquals(ExitCode.OK, note.exitCode(), note.err());
        assertEquals(ExitCode.OK, pack.exitCode(), pack.err());
        assertTrue(Files.readString(dir.resolve("out/notes.jsonl")).contains("\"title\":\"Noise\""));
        assertTrue(Files.isRegularFile(dir.resolve("out.zip")), pack.out());
    }

    @Test
    void noFileIsAUsageErrorAndANoteOnAFolderWithoutAnExperimentIsBadInput() {
        CliRun none = CliRun.of("experiment");
        CliRun note = CliRun.of("experiment", "note", dir.toString(), "--title", "t", "--text", "x");

        assertEquals(ExitCode.USAGE, none.exitCode(), none.err());
        assertTrue(none.err().contains("EXPERIMENT.yaml"), none.err());
        assertEquals(ExitCode.BAD_INPUT, note.exitCode(), note.err());
        assertTrue(note.err().contains("no experiment.json"), note.err());
    }

    @Test
    void aMistypedKeyIsBadInputNamingTheFileLineAndKey() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), "sources: {base: models/tiny}\nsampels: 3\n");

        CliRun run = CliRun.of("experiment", file.toString());

        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(run.err().contains(file + " line 2"), run.err());
        assertTrue(run.err().contains("sampels"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void aMissingFileIsBadInputNamingIt() {
        CliRun run = CliRun.of("experiment", dir.resolve("none.yaml").toString());

        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(run.err().contains("none.yaml"), run.err());
    }
}
