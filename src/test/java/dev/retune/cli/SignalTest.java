package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.retune.ExitCode;
import dev.retune.run.Checkpointer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * SIGTERM against a real `retune train` process: it finishes the step, writes a checkpoint and the summary, and exits
 * 143; rerunning the command resumes at the next step. The studio stops serving and exits 143 too.
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
        List<String> command = java("train", config.toString(), "--json", "--out", runDir.toString(), "--set", "train.max_steps=1000",
                "--set", "eval.every=1000"); // stopped before its first evaluation: the plot must still be drawn
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
        assertFalse(Files.readString(stderr).contains("failed"), Files.readString(stderr));
        assertNotNull(ImageIO.read(runDir.resolve("loss.png").toFile()), "loss.png is drawn on the way out");
        Path checkpoints = runDir.resolve("checkpoints");
        Path latest = checkpoints.resolve(Files.readString(checkpoints.resolve("latest")).strip());
        long step = new Checkpointer(runDir, 2).verify(latest).state().step();
        assertTrue(step >= STEPS_BEFORE_SIGNAL, "checkpoint at step " + step);
        assertEquals(step, new Checkpointer(runDir, 2).latest(new ArrayList<>()).orElseThrow().state().step());
        JsonNode summary = JsonMapper.shared().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals("interrupted", summary.get("exit_reason").asString());
        assertEquals(step, summary.get("steps").asLong(), "the summary counts the checkpointed steps");

        TrainCommandTest.Captured rerun = TrainCommandTest.withStdout("train", config.toString(), "--json", "--out", runDir.toString(),
                "--set", "train.max_steps=" + (step + 2), "--set", "eval.every=1000");

        assertEquals(ExitCode.OK, rerun.run().exitCode(), rerun.run().err());
        assertEquals(List.of(step + 1, step + 2), rerun.steps(), "the rerun continues after the checkpoint");
        assertTrue(rerun.stdout().contains(String.format("resuming from step %d (step-%07d)", step, step)), rerun.stdout());
        List<Long> logged = Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .map(l -> JsonMapper.shared().readTree(l)).filter(r -> r.get("type").asString().equals("step"))
                .map(r -> r.get("step").asLong()).toList();
        assertEquals(LongStream.rangeClosed(1, step + 2).boxed().toList(), logged,
                "metrics.jsonl holds every step once");
    }

    @Test
    void sigtermWhileEncodingEndsTheProcessKeepingTheCacheAndTheRerunEncodesOnlyWhatIsMissing() throws Exception {
        Path config = TrainCommandTest.tinyConfig(dir);
        Path cache = dir.resolve("cache");
        Path stderr = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(java("train", config.toString(), "--json", "--out", dir.resolve("run").toString()))
                .redirectError(stderr.toFile()).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        int exit;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
            while (entries(cache).isEmpty()) {
                assertTrue(process.isAlive() && System.nanoTime() < deadline, "no token cache entry appeared; stderr:\n" + Files.readString(stderr));
                Thread.sleep(20);
            }

            process.destroy(); // SIGTERM while the first files are encoded

            assertTrue(process.waitFor(EXIT_TIMEOUT_S, TimeUnit.SECONDS), "no exit " + EXIT_TIMEOUT_S + " s after SIGTERM");
            exit = process.exitValue();
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        assertEquals(143, exit, "stderr:\n" + Files.readString(stderr));
        Map<Path, FileTime> cached = entries(cache);
        int tracks = 6; // DemoSubset: four training and two validation tracks
        assertTrue(cached.size() < tracks, "stopped while encoding, not after all " + tracks + " files: " + cached.size());
        assertTrue(Files.readString(dir.resolve("stdout.txt")).lines().noneMatch(l -> l.contains("\"type\":\"step\"")), "no step was trained");
        assertFalse(Files.exists(dir.resolve("run/config.yaml")), "a start that never trained leaves no config.yaml");

        CliRun prepare = CliRun.of("data", "prepare", config.toString());

        assertEquals(ExitCode.OK, prepare.exitCode(), prepare.err());
        Map<Path, FileTime> after = entries(cache);
        assertEquals(tracks, after.size(), "every track is cached now");
        cached.forEach((entry, written) -> assertEquals(written, after.get(entry), entry + " was valid and is not encoded again"));
    }

    /** The token cache's entry files with their modification times. */
    @Test
    void sigtermStopsTheStudioAtOnceWithExit143() throws Exception {
        Process process = new ProcessBuilder(java("studio", "--port", "0", "--root", dir.toString()))
                .redirectError(dir.resolve("studio.err").toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> pump(process, lines), "studio-stdout");
        reader.setDaemon(true);
        reader.start();
        String first = lines.poll(START_TIMEOUT_S, TimeUnit.SECONDS);
        assertNotNull(first, "no URL printed; stderr:\n" + Files.readString(dir.resolve("studio.err")));
        assertTrue(first.matches("Retune studio: http://127\\.0\\.0\\.1:\\d+/"), first);
        URI info = URI.create(first.substring(first.indexOf("http")) + "api/info");
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(info).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains(dir.toAbsolutePath().toString()), response.body());
        process.destroy();
        assertTrue(process.waitFor(EXIT_TIMEOUT_S, TimeUnit.SECONDS), "the studio did not stop");
        assertEquals(143, process.exitValue());
    }

    private static Map<Path, FileTime> entries(Path cache) throws IOException {
        Map<Path, FileTime> entries = new TreeMap<>();
        if (Files.isDirectory(cache)) {
            try (Stream<Path> walk = Files.walk(cache)) {
                for (Path file : walk.filter(p -> p.getFileName().toString().endsWith(".tokens")).toList()) {
                    entries.put(file, Files.getLastModifiedTime(file));
                }
            }
        }
        return entries;
    }

    private static List<String> java(String... args) {
        List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx1g",
                "-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-cp", System.getProperty("java.class.path"), "dev.retune.cli.Main"));
        command.addAll(List.of(args));
        return command;
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
