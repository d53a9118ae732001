package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory benchmarks run each measurement in a child JVM and report its figures as table rows. */
class BenchProcessesTest {

    @Test
    void codecBenchMeasuresEveryRowInAFreshProcess() {
        CliRun run = CliRun.of("bench", "codec", "--codec", "tiny", "--seconds", "0.5", "--chunk", "20");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        List<String[]> rows = rows(run.out(), "| tiny |");
        assertEquals(List.of("whole", "streaming"), rows.stream().map(r -> r[3].trim()).toList(), run.out());
        assertEquals("0.5 s", rows.get(0)[2].trim());
        for (String[] row : rows) {
            double peak = gigabytes(row[4]);
            double before = gigabytes(row[5]);
            assertTrue(before > 0.05 && peak >= before, "a JVM with libtorch holds more than 50 MB, and the peak is at least that: " + String.join("|", row));
        }
    }

    @Test
    void prepareBenchPreparesASynthesizedFileIntoAFreshCache() {
        CliRun run = CliRun.of("bench", "prepare", "--codec", "tiny", "--minutes", "0.05");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        List<String[]> rows = rows(run.out(), "| tiny |");
        assertEquals(1, rows.size(), run.out());
        assertEquals("0.05 min", rows.get(0)[2].trim());
        assertTrue(gigabytes(rows.get(0)[5]) > 0.05 && gigabytes(rows.get(0)[5]) >= gigabytes(rows.get(0)[6]), run.out());
    }

    @Test
    void aChunkOfNoFramesIsAUsageError() {
        CliRun run = CliRun.of("bench", "codec", "--chunk", "0");

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("--chunk"), run.err());
    }

    private static List<String[]> rows(String out, String prefix) {
        return out.lines().filter(line -> line.startsWith(prefix)).map(line -> line.split("\\|")).toList();
    }

    private static double gigabytes(String cell) {
        return Double.parseDouble(cell.trim().replace(" GB", ""));
    }
}
