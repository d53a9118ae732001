package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A run folder's record stays true across restarts: a finished run says so instead of training on, summary.json
 * describes every segment, a start never deletes or truncates history, and a failed start leaves nothing behind.
 */
class RunRecordsTest {

    @TempDir
    static Path dir;

    private static Path config;

    @BeforeAll
    static void configure() throws IOException {
        config = TrainCommandTest.tinyConfig(dir);
    }

    private static TrainCommandTest.Captured train(Path runDir, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", config.toString(), "--json", "--out", runDir.toString()));
        for (String set : sets) {
            args.addAll(List.of("--set", set));
        }
        return TrainCommandTest.withStdout(args.toArray(String[]::new));
    }

    private static JsonNode summary(Path runDir) throws IOException {
        return JsonMapper.shared().readTree(Files.readString(runDir.resolve("summary.json")));
    }

    private static List<String> messages(TrainCommandTest.Captured c) {
        return c.records().stream().filter(r -> r.get("type").asString().equals("message")).map(r -> r.get("text").asString()).toList();
    }

    @Test
    void aCompletedRunSaysItIsFinishedAndTrainsOnlyWhenMadeLonger() throws IOException {
        Path runDir = dir.resolve("completed");
        TrainCommandTest.Captured first = train(runDir, "train.max_steps=3");
        assertEquals(ExitCode.OK, first.run().exitCode(), first.run().err());
        assertTrue(messages(first).stream().anyMatch(m -> m.startsWith("training " + runDir + ": model ") && m.contains("method full")
                && m.contains("trainable parameters, 3 steps, cpu fp32")), "start line: " + messages(first));
        assertTrue(messages(first).stream().anyMatch(m -> m.startsWith("finished all 3 steps; best validation loss ")
                && m.contains("Next: retune generate --run " + runDir)), "end line: " + messages(first));
        byte[] metrics = Files.readAllBytes(runDir.resolve("metrics.jsonl"));
        byte[] summary = Files.readAllBytes(runDir.resolve("summary.json"));

        TrainCommandTest.Captured again = train(runDir, "train.max_steps=3");

        assertEquals(ExitCode.OK, again.run().exitCode(), again.run().err());
        assertEquals(List.of(), again.steps(), "nothing is trained");
        assertEquals(1, again.records().size(), again.stdout());
        assertTrue(messages(again).get(0).contains(runDir + " finished at step 3"), messages(again).toString());
        assertArrayEquals(metrics, Files.readAllBytes(runDir.resolve("metrics.jsonl")), "the history is untouched");
        assertArrayEquals(summary, Files.readAllBytes(runDir.resolve("summary.json")));

        // Made longer, and encoding with other speed settings, which change no result: it resumes.
        TrainCommandTest.Captured longer = train(runDir, "train.max_steps=5", "data.encode_workers=1", "data.encode_chunk_seconds=2");

        assertEquals(ExitCode.OK, longer.run().exitCode(), longer.run().err());
        assertEquals(List.of(4L, 5L), longer.steps());
        assertTrue(messages(longer).stream().anyMatch(m -> m.contains("resuming from step 3 (step-0000003)")), messages(longer).toString());
        JsonNode whole = summary(runDir);
        assertEquals(5, whole.get("steps").asLong());
        assertEquals(2, whole.get("segments").asInt());
        assertEquals("completed", whole.get("exit_reason").asString());
        long logged = Files.readAllLines(runDir.resolve("metrics.jsonl")).stream().map(l -> JsonMapper.shared().readTree(l))
                .filter(r -> r.get("type").asString().equals("step")).count();
        assertEquals(5, logged, "every step once, both segments kept");
    }

    @Test
    void anEarlyStoppedRunSaysSoAndContinuesWithItsPatienceRenewedWhenMadeLonger() throws IOException {
        Path runDir = dir.resolve("early");
        // A learning rate far below fp32's resolution of the weights: the validation loss never improves.
        String[] stalled = {"optim.lr=1e-30", "optim.weight_decay=0", "eval.every=2", "eval.patience=2", "checkpoint.every=100"};
        TrainCommandTest.Captured first = train(runDir, concat(stalled, "train.max_steps=20"));
        assertEquals(ExitCode.OK, first.run().exitCode(), first.run().err());
        assertEquals(6, summary(runDir).get("steps").asLong(), "evals at 2 (best), 4 and 6 (no improvement): stop");
        assertEquals("early_stopped", summary(runDir).get("exit_reason").asString());

        TrainCommandTest.Captured again = train(runDir, concat(stalled, "train.max_steps=20"));

        assertEquals(ExitCode.OK, again.run().exitCode(), again.run().err());
        assertEquals(List.of(), again.steps());
        String line = messages(again).get(0);
        assertTrue(line.contains("stopped early at step 6") && line.contains("at step 2 (checkpoints/best)")
                && line.contains("raise train.max_steps"), line);

        TrainCommandTest.Captured longer = train(runDir, concat(stalled, "train.max_steps=30"));

        assertEquals(ExitCode.OK, longer.run().exitCode(), longer.run().err());
        assertEquals(List.of(7L, 8L, 9L, 10L), longer.steps(), "patience starts over: two more evals without improvement");
        JsonNode whole = summary(runDir);
        assertEquals(10, whole.get("steps").asLong());
        assertEquals(2, whole.get("best_val_step").asLong(), "the best of the whole run, from the first segment");
        assertEquals(2, whole.get("segments").asInt());
    }

    @Test
    void whenEveryCheckpointIsDamagedTheStartFailsNamingThemAndChangesNothing() throws IOException {
        Path runDir = dir.resolve("damaged");
        assertEquals(ExitCode.OK, train(runDir, "train.max_steps=4", "checkpoint.every=2").run().exitCode());
        for (String step : List.of("step-0000002", "step-0000004")) {
            Path weights = runDir.resolve("checkpoints").resolve(step).resolve("trainable.safetensors");
            byte[] bytes = Files.readAllBytes(weights);
            bytes[bytes.length - 3] ^= 0x10;
            Files.write(weights, bytes);
        }
        Map<String, byte[]> before = contents(runDir);

        TrainCommandTest.Captured resumed = train(runDir, "train.max_steps=8", "checkpoint.every=2");

        assertEquals(ExitCode.BAD_INPUT, resumed.run().exitCode(), resumed.run().err());
        String error = resumed.run().err();
        assertTrue(error.contains("every checkpoint of " + runDir + " is damaged"), error);
        assertTrue(error.contains("step-0000002: trainable.safetensors does not match its sha256")
                && error.contains("step-0000004: trainable.safetensors does not match its sha256"), error);
        assertTrue(error.contains("--out"), "says how to start over: " + error);
        assertEquals(List.of(), resumed.steps(), "nothing trained from scratch");
        Map<String, byte[]> after = contents(runDir);
        assertEquals(before.keySet(), after.keySet(), "no file added or removed");
        before.forEach((file, bytes) -> assertArrayEquals(bytes, after.get(file), file + " unchanged"));
    }

    @Test
    void aStartThatFailsBeforeTrainingLeavesNothingThatBlocksTheCorrectedRetry() throws IOException {
        Path runDir = dir.resolve("retry");

        TrainCommandTest.Captured failed = train(runDir, "model.path=" + dir.resolve("no-such-model"), "model.preset=null");

        assertEquals(ExitCode.BAD_INPUT, failed.run().exitCode(), failed.run().err());
        assertTrue(failed.run().err().contains("no-such-model"), failed.run().err());
        assertFalse(Files.exists(runDir.resolve("config.yaml")), "no config.yaml from a start that never trained");

        TrainCommandTest.Captured retry = train(runDir, "train.max_steps=2");

        assertEquals(ExitCode.OK, retry.run().exitCode(), retry.run().err());
        assertEquals(List.of(1L, 2L), retry.steps());
    }

    @Test
    void temporariesOfAnInterruptedWriteAreRemovedAtTheNextStartAndNeverHashed() throws IOException {
        Path runDir = dir.resolve("temporaries");
        assertEquals(ExitCode.OK, train(runDir, "train.max_steps=2").run().exitCode());
        // kill -9 while `latest`, summary.json and a checkpoint folder were being written
        Path latestTemp = Files.writeString(runDir.resolve("checkpoints/.latest.tmp-3f2a1b0c9d8e7f60"), "step-00");
        Path summaryTemp = Files.writeString(runDir.resolve(".summary.json.tmp-0123456789abcdef"), "{\"ste");
        Path checkpointTemp = Files.createDirectories(runDir.resolve("checkpoints/.tmp-step-0000003-987654321"));
        Files.writeString(checkpointTemp.resolve("trainable.safetensors"), "half");

        assertEquals(ExitCode.OK, train(runDir, "train.max_steps=3").run().exitCode());

        assertFalse(Files.exists(latestTemp) || Files.exists(summaryTemp) || Files.exists(checkpointTemp));
        JsonNode files = summary(runDir).get("files");
        assertTrue(files.propertyNames().stream().noneMatch(name -> name.contains(".tmp-")), files.toString());
        assertTrue(files.has("checkpoints/latest") && files.has("metrics.jsonl"), files.toString());
    }

    @Test
    void aFullDiskAtStartIsExit3NamingThePathAndLeavesNoEmptyOrHalfFile() throws Exception {
        Path root = dir.resolve("full-disk");
        Path ownConfig = TrainCommandTest.tinyConfig(root); // its model folder does not exist yet: the start creates it
        Path output = root.resolve("output.txt");
        // A file-size limit of 512 KiB stands in for a full disk: every write beyond it fails with EFBIG, as
        // writes on a full disk fail with ENOSPC. The tiny model's weights (5 MB) are the first large write.
        String command = String.join(" ", System.getProperty("java.home") + "/bin/java", "-Xmx1g", "-Djava.awt.headless=true",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0", "-cp", System.getProperty("java.class.path"),
                "dev.retune.cli.Main", "train", ownConfig.toString(), "--out", root.resolve("run").toString());
        Process process = new ProcessBuilder("bash", "-c", "ulimit -f 512 && exec " + command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), Files.readString(output));

        String printed = Files.readString(output);
        assertEquals(ExitCode.BAD_INPUT, process.exitValue(), printed);
        assertTrue(printed.contains("error: cannot create the tiny model in " + root.resolve("tiny")), printed);
        assertTrue(printed.contains("File too large"), printed);
        assertFalse(printed.contains("\tat "), "no stack trace: " + printed);
        assertFalse(Files.exists(root.resolve("tiny")), "no half-written model folder");
        assertFalse(Files.exists(root.resolve("run").resolve("config.yaml")));
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> empty = walk.filter(Files::isRegularFile).filter(p -> p.toFile().length() == 0).toList();
            assertEquals(List.of(), empty, "no 0-byte file");
        }
        try (Stream<Path> walk = Files.walk(root)) {
            assertEquals(List.of(), walk.filter(p -> p.getFileName().toString().contains(".tmp-")).toList(), "no temporary left");
        }
    }

    private static String[] concat(String[] first, String... more) {
        return Stream.concat(Stream.of(first), Stream.of(more)).toArray(String[]::new);
    }

    /** Every file under {@code dir} with its bytes. */
    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }
}
