package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCheckerTest {

    @TempDir
    Path root;

    @Test
    void rowsAreCountedOnceHoweverManyProblemsTheyHave() throws IOException {
        Path dir = Files.createDirectories(root.resolve("ds"));
        TestAudio.write(dir, "good.wav", TestAudio.sine(440, 32_000, 2.0, 1));
        Files.writeString(dir.resolve("blank.wav"), "not audio");
        // Line 3: empty path and empty caption; line 4: outside the folder and empty caption; line 5: undecodable.
        Files.writeString(dir.resolve("metadata.csv"), "file,caption\ngood.wav,a tone\n,\n../out.wav,\nblank.wav,text\n");

        CheckReport report = DataChecker.check(dir, DatasetOptions.DEFAULTS, 1.0, 1, (done, total) -> { });

        assertEquals(4, report.rows());
        assertEquals(1, report.usable().size());
        assertEquals(3, report.skipped());
        assertEquals(List.of(3, 3, 4, 4, 5), report.problems().stream().map(Problem::line).toList());
        assertEquals(Map.of("empty_path", 1L, "empty_caption", 2L, "path_outside_dataset", 1L, "undecodable", 1L),
                report.problemCounts());
    }
}
