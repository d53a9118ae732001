package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.generate.CheckpointChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --source [NAME=]PATH[@CHECKPOINT][+ADAPTER...]}: a run or a model folder, told apart by what is on disk. */
class SourceOptionTest {

    @TempDir
    Path dir;

    private Path model;
    private Path run;

    @BeforeEach
    void folders() throws Exception {
        model = Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(model.resolve("config.json"), "{}");
        run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("config.yaml"), "model: {preset: tiny}\n");
    }

    private static SourceOption.Source parse(String spec) {
        return new SourceOption().convert(spec);
    }

    @Test
    void aModelFolderWithAdaptersAndAName() {
        SourceOption.Source plain = parse(model.toString());
        SourceOption.Source adapted = parse("lora=" + model + "+" + dir.resolve("a") + "+" + dir.resolve("b"));

        assertEquals(model.toString(), plain.name());
        assertEquals(model, plain.location().folder());
        assertEquals(List.of(), plain.location().adapters());
        assertEquals("lora", adapted.name());
        assertEquals(List.of(dir.resolve("a"), dir.resolve("b")), adapted.location().adapters());
    }

    @Test
    void aRunWithOrWithoutItsCheckpoint() {
        assertEquals(CheckpointChoice.DEFAULT, parse(run.toString()).location().checkpoint());
        assertEquals(CheckpointChoice.parse("best"), parse(run + "@best").location().checkpoint());
        SourceOption.Source step = parse("demo=" + run + "@200");
        assertEquals("demo", step.name());
        assertEquals(run, step.location().run());
        assertNull(step.location().folder());
        assertEquals(new CheckpointChoice(CheckpointChoice.Rule.STEP, 200), step.location().checkpoint());
    }

    @Test
    void whatCannotBeASourceIsNamed() {
        assertMessage(model + "@best", "is a model folder; @best picks a checkpoint of a training run");
        assertMessage(run + "+" + dir.resolve("a"), "is a training run, which brings its own trained weights");
        assertMessage(dir.resolve("nothing").toString(), "is neither a model folder (no config.json) nor a training run");
        assertMessage(model + "+", "has an empty adapter after '+'");
        assertMessage(run + "@1234567890123456789012", "expected best, latest or a step number");
    }

    private static void assertMessage(String spec, String expected) {
        CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class, () -> parse(spec));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
