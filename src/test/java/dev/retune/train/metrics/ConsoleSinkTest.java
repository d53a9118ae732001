package dev.retune.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleSinkTest {

    @Test
    void plainModePrintsACompactLineEveryLogEverySteps() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream realStdout = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try (ConsoleSink sink = new ConsoleSink(new PrintStream(captured, true, StandardCharsets.UTF_8), 5, false)) {
            sink.start(12, 0);
            for (long s = 1; s <= 12; s++) {
                sink.step(JsonlSinkTest.step(s, s == 2));
                if (s == 10) {
                    sink.eval(new EvalMetrics(10, 3.25, new double[] {3.0, 3.5}, true, true));
                }
            }
            sink.message("done");
        } finally {
            System.setOut(realStdout);
        }

        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(5, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("step 5/12 epoch 0 loss "), lines.get(0));
        assertTrue(lines.get(0).contains("lr 1.0e-04"), lines.get(0));
        assertTrue(lines.get(0).contains("12.3k tok/s"), lines.get(0));
        assertTrue(lines.get(0).contains("skipped 1"), lines.get(0));
        assertTrue(lines.get(0).contains(" eta "), lines.get(0));
        assertTrue(lines.get(1).startsWith("step 10/12 "), lines.get(1));
        assertTrue(lines.get(2).startsWith("eval step 10 loss 3.2500"), lines.get(2));
        assertTrue(lines.get(2).contains("(best)"), lines.get(2));
        assertTrue(lines.get(3).startsWith("step 12/12 "), "the last step is always reported: " + lines.get(3));
        assertEquals("done", lines.get(4));
        assertEquals(0, stdout.size(), "nothing on stdout: " + stdout);
    }

    @Test
    void compactLineAveragesLossOverTheWindow() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (ConsoleSink sink = new ConsoleSink(new PrintStream(captured, true, StandardCharsets.UTF_8), 2, false)) {
            sink.start(2, 0);
            sink.step(new StepMetrics(1, 0, 4.0, new double[] {4.0}, 1e-4, 1.0, 1, false, 1000, 1.0, 0));
            sink.step(new StepMetrics(2, 0, 2.0, new double[] {2.0}, 1e-4, 3.0, 1, false, 3000, 1.0, 0));
        }

        String line = captured.toString(StandardCharsets.UTF_8).strip();
        assertTrue(line.contains("loss 3.0000"), line);
        assertTrue(line.contains("gnorm 2.00"), line);
        assertTrue(line.contains("2.0k tok/s"), line);
    }

    @Test
    void barModeWritesOnlyToTheGivenStream() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream realStdout = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try (ConsoleSink sink = new ConsoleSink(new PrintStream(captured, true, StandardCharsets.UTF_8), 5, true)) {
            sink.start(3, 0);
            sink.step(JsonlSinkTest.step(1, false));
            sink.message("checkpoint written");
            sink.step(JsonlSinkTest.step(2, false));
        } finally {
            System.setOut(realStdout);
        }

        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("train"), text);
        assertTrue(text.contains("checkpoint written\n"), text);
        assertTrue(text.contains("tok/s"), text);
        assertEquals(0, stdout.size(), "nothing on stdout: " + stdout);
    }

    @Test
    void compactNumbers() {
        assertEquals("950", ConsoleSink.compact(950));
        assertEquals("12.3k", ConsoleSink.compact(12_300));
        assertEquals("1.25M", ConsoleSink.compact(1_250_000));
    }

    @Test
    void logEveryMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ConsoleSink(System.err, 0, false));
    }
}
