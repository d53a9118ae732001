package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.retune.train.Checkpointer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * SIGTERM against a real `retune train` process: it finishes the step, writes a checkpoint and the summary, and exits
 * 143; rerunning the command resumes at the next step.
 */
class SignalTest {

    private static final long START_TIMEOUT_S = 90;
    private static final long EXIT_TIMEOUT_S = 60;
    private static final int STEPS_BEFORE_SIGNAL = 3;

    @TempDir
    Path dir;

    @Test
    void sigtermCheckpointsExits143AndTheRerunResumesAtTheNextStep() throws Exception {
        Path config = TrainCommandTest.tinyConfig(dir);
        Path runDir = dir.resolve("run");
        Path stderr = dir.resolve("stderr.txt");
        List<String> command = List.of(System.getProperty("java.home") + "/bin/java", "-Xmx1g",
                "-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-cp", System.getProperty("java.class.path"), "dev.retune.cli.Main",
                "train", config.toString(), "--json", "--out", runDir.toString(), "--set", "train.max_steps=1000");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        int exit;
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> pump(process, lines), "train-stdout");
            reader.setDaemon(true);
            reader.start();
            long lastStep = awaitSteps(lines, STEPS_BEFORE_SIGNAL, process, stderr);

            process.destroy(); // SIGTERM

            assertTrue(process.waitFor(EXIT_TIMEOUT_S, TimeUnit.SECONDS), "no exit " + EXIT_TIMEOUT_S + " s after SIGTERM");
            exit = process.exitValue();
            assertTrue(lastStep >= STEPS_BEFORE_SIGNAL);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        assertEquals(143, exit, "128 + SIGTERM; stderr:\n" + Files.readString(stderr));
        Path checkpoints = runDir.resolve("checkpoints");
        Path latest = checkpoints.resolve(Files.readString(checkpoints.resolve("latest")).strip());
        long step = new Checkpointer(runDir, 2).verify(latest).state().step();
        assertTrue(step >= STEPS_BEFORE_SIGNAL, "checkpoint at step " + step);
        assertEquals(step, new Checkpointer(runDir, 2).latest(new ArrayList<>()).orElseThrow().state().step());
        JsonNode summary = JsonMapper.shared().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals("interrupted", summary.get("exit_reason").asString());
        assertEquals(step, summary.get("steps").asLong(), "the summary counts the checkpointed steps");

        TrainCommandTest.Captured rerun = TrainCommandTest.withStdout("train", config.toString(), "--json", "--out", runDir.toString(),
                "--set", "train.max_steps=" + (step + 2));

        assertEquals(ExitCode.OK, rerun.run().exitCode(), rerun.run().err());
        assertEquals(List.of(step + 1, step + 2), rerun.steps(), "the rerun continues after the checkpoint");
        assertTrue(rerun.stdout().contains(String.format("resumed from step-%07d", step)), rerun.stdout());
        List<Long> logged = Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .map(l -> JsonMapper.shared().readTree(l)).filter(r -> r.get("type").asString().equals("step"))
                .map(r -> r.get("step").asLong()).toList();
        assertEquals(LongStream.rangeClosed(1, step + 2).boxed().toList(), logged,
                "metrics.jsonl holds every step once");
    }

    /** Reads the child's stdout line by line into {@code lines} until it closes. */
    private static void pump(Process process, BlockingQueue<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // The process was killed; the test has what it read.
        }
    }

    /** Waits (bounded) until the child has logged {@code count} step records; returns the last step seen. */
    private static long awaitSteps(BlockingQueue<String> lines, int count, Process process, Path stderr) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
        int seen = 0;
        long last = 0;
        while (seen < count) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                fail("fewer than " + count + " steps within " + START_TIMEOUT_S + " s (alive: " + process.isAlive()
                        + "); stderr:\n" + Files.readString(stderr));
            }
            JsonNode record = JsonMapper.shared().readTree(line);
            if (record.get("type").asString().equals("step")) {
                seen++;
                last = record.get("step").asLong();
            }
        }
        return last;
    }
}
