package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code retune bench gpu --dry-run}: the GPU check's plumbing on the CPU, as CI runs it. */
class BenchGpuTest {

    private static final double PEAK = 0.5;

    @Test
    void theDryRunWritesEveryRowWithMeasuredFiguresAndMfuFromTheDeclaredPeak(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sub/gpu-check.md");
        CliRun run = CliRun.of("bench", "gpu", "--dry-run", "--peak-tflops", Double.toString(PEAK), "--out", out.toString(),
                "--check", "kernel harness=skipped: no CUDA device");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(run.out(), Files.readString(out));
        List<String[]> rows = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            if (line.startsWith("|---")) {
                continue;
            }
            String[] cells = Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1)).map(String::trim).toArray(String[]::new);
            assertEquals(5, cells.length, line);
            rows.add(cells);
        }
        assertEquals(List.of("what", "setting", "figure", "unit", "result"), List.of(rows.get(0)));
        assertRow(rows, "kernel harness", "", "skipped: no CUDA device");
        assertRow(rows, "device", "cpu (cpu)", "from --peak-tflops");
        for (String kernel : List.of("codebook loss fwd+bwd, bfloat16", "codebook loss fwd+bwd, float", "AdamW step (LoRA r=4), float",
                "sampling step (CFG 3, top-k 250), bfloat16", "sampling step (CFG 3, top-k 250), float")) {
            String[] reference = rows.stream().filter(r -> r[0].equals("kernel: " + kernel) && r[1].startsWith("libtorch reference, "))
                    .findFirst().orElseThrow();
            assertTrue(positive(reference[2]), kernel);
            assertRow(rows, "kernel: " + kernel, "CUDA kernel", "skipped: no CUDA device");
        }
        for (String method : List.of("train LoRA r=16", "train full")) {
            String[] tokens = row(rows, method, "bf16, tiny, 1 × 1 s");
            assertEquals("tokens/s", tokens[3]);
            assertTrue(positive(tokens[2]), tokens[2]);
            String[] mfu = rows.stream().filter(r -> r[0].equals(method) && r[3].equals("% MFU") && r[1].startsWith("bf16")).findFirst().orElseThrow();
            Matcher m = Pattern.compile("([0-9.]+) GFLOP/step, ([0-9.]+) ms/step").matcher(mfu[1]);
            assertTrue(m.find(), mfu[1]);
            double expected = 100 * Double.parseDouble(m.group(1)) * 1e9 / (Double.parseDouble(m.group(2)) / 1000) / 1e12 / PEAK;
            // The three figures are rounded to 3 digits: the MFU agrees within that rounding.
            assertEquals(expected, Double.parseDouble(mfu[2]), expected * 0.015, String.join(" | ", mfu));
            assertTrue(expected > 0);
            assertRow(rows, method, "fp16, tiny, 1 × 1 s", "skipped: no CUDA device (fp16 needs CUDA)");
        }
        assertTrue(positive(row(rows, "generate", "fused sampler off, tiny, CFG 3, 0.5 s")[2]));
        assertRow(rows, "generate", "fused sampler on, tiny, CFG 3, 0.5 s", "skipped: no CUDA device");
        assertEquals(1 + 1 + 1 + 10 + 8 + 2, rows.size(), "the header, the check, the device, 5 kernels × 2, 4 runs × 2, 2 generations");
    }

    private static boolean positive(String figure) {
        return Double.parseDouble(figure) > 0;
    }

    private static String[] row(List<String[]> rows, String what, String setting) {
        return rows.stream().filter(r -> r[0].equals(what) && r[1].equals(setting)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + what + " | " + setting));
    }

    private static void assertRow(List<String[]> rows, String what, String setting, String result) {
        assertEquals(result, row(rows, what, setting)[4], what + " | " + setting);
    }
}
