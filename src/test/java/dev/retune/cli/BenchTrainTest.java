package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** `retune bench train` times real trainer steps in a temporary run folder, which it removes with its checkpoint. */
class BenchTrainTest {

    @Test
    void timesStepsAndLeavesNoRunFolderBehind() throws IOException {
        Set<Path> before = benchFolders();

        CliRun run = CliRun.of("bench", "train", "--preset", "tiny", "--batch", "1", "--seconds", "0.5", "--steps", "2");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        String[] row = run.out().lines().filter(line -> line.startsWith("| tiny | full | fp32 |")).findFirst().orElseThrow().split("\\|");
        assertTrue(Double.parseDouble(row[7].trim()) > 0, "ms per step: " + String.join("|", row));
        assertEquals(before, benchFolders(), "the temporary run folder (and the checkpoint in it) is deleted");
    }

    private static Set<Path> benchFolders() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("retune-bench-train")).collect(Collectors.toSet());
        }
    }
}
