package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.retune.ExitCode;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.Safetensors;
import dev.retune.model.TinyTokenizer;
import dev.retune.run.Checkpointer;
import dev.retune.train.DemoSubset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune train --nproc 2`: two Gloo worker processes on loopback, against one process and against a killed worker. */
class DataParallelTrainingTest {

    @TempDir
    Path dir;

    /**
     * The tiny model without dropout, full segments only and no condition dropout, so that one process with batch 4
     * and two with batch 2 each compute the same steps (the data order and crops are shared by construction).
     */
    private Path config() throws IOException {
        Path model = dir.resolve("tiny");
        torch.manual_seed(3);
        MusicgenForConditionalGeneration tiny = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        Files.createDirectories(model);
        TinyTokenizer.write(model.resolve(ModelFolder.TOKENIZER));
        ModelFolder.save(tiny, model, ScalarType.Float, model.resolve(ModelFolder.TOKENIZER));
        Path json = model.resolve(ModelFolder.CONFIG);
        Files.writeString(json, Files.readString(json).replaceAll("\"(dropout|attention_dropout|activation_dropout)\"\\s*:\\s*[0-9.eE-]+", "\"$1\": 0.0"));
        Path dataset = DemoSubset.copyTo(dir.resolve("data"));
        return Files.writeString(dir.resolve("ddp.yaml"), String.join("\n",
                "model: {path: " + model + "}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, min_segment_ratio: 1.0, batch_size: 2, cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {max_steps: 4, cfg_dropout_p: 0.0, seed: 5}",
                "eval: {every: 2}",
                "checkpoint: {every: 1, keep_last: 5}",
                ""));
    }

    private static List<JsonNode> metrics(Path runDir) throws IOException {
        return Files.readAllLines(runDir.resolve("metrics.jsonl")).stream().map(l -> JsonMapper.shared().readTree(l)).toList();
    }

    private static List<String> messages(Path runDir) throws IOException {
        return metrics(runDir).stream().filter(r -> r.get("type").asString().equals("message")).map(r -> r.get("text").asString()).toList();
    }

    private static List<Double> losses(Path runDir) throws IOException {
        return metrics(runDir).stream().filter(r -> r.get("type").asString().equals("step")).map(r -> r.get("loss").asDouble()).toList();
    }

    @Test
    void twoGlooWorkersStayBitIdenticalAndEqualOneProcessWithTheSameGlobalBatch() throws IOException {
        Path config = config();
        Path ddp = dir.resolve("ddp");
        Path single = dir.resolve("single");

        CliRun two = CliRun.of("train", config.toString(), "--nproc", "2", "--json", "--out", ddp.toString());
        CliRun one = CliRun.of("train", config.toString(), "--json", "--out", single.toString(), "--set", "data.batch_size=4");

        assertEquals(ExitCode.OK, two.exitCode(), two.err());
        assertEquals(ExitCode.OK, one.exitCode(), one.err());
        List<String> said = messages(ddp);
        assertTrue(said.contains("data-parallel on 2 ranks (Gloo): global batch = 2 segments per rank × 2 ranks × 1 accumulation = 4 segments per step"), said.toString());
        for (int step = 1; step <= 4; step++) {
            String expected = String.format("checkpoint step-%07d", step);
            assertTrue(said.stream().anyMatch(m -> m.startsWith(expected) && m.endsWith("(weights bit-identical on all 2 ranks)")),
                    "after step " + step + ": " + said);
        }
        List<Double> ddpLoss = losses(ddp);
        List<Double> singleLoss = losses(single);
        assertEquals(4, ddpLoss.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(singleLoss.get(i), ddpLoss.get(i), 1e-5, "loss of step " + (i + 1));
        }
        assertTrue(singleLoss.get(3) < singleLoss.get(0) - 0.01, "the steps must change something: " + singleLoss);
        try (Safetensors a = Safetensors.open(ddp.resolve("checkpoints/step-0000004/trainable.safetensors"));
             Safetensors b = Safetensors.open(single.resolve("checkpoints/step-0000004/trainable.safetensors"))) {
            assertEquals(a.names(), b.names());
            double worst = 0;
            for (String name : a.names()) {
                worst = Math.max(worst, a.tensor(name, ScalarType.Float).sub(b.tensor(name, ScalarType.Float)).abs().max().item_double());
            }
            assertTrue(worst < 1e-5, "weights after 4 steps differ by " + worst);
        }

        // The two-process run resumes in one process: same weights and step, a different global batch (said so).
        CliRun resumed = CliRun.of("train", config.toString(), "--json", "--out", ddp.toString(), "--set", "train.max_steps=6");
        assertEquals(ExitCode.OK, resumed.exitCode(), resumed.err());
        assertTrue(messages(ddp).stream().anyMatch(m -> m.startsWith("resuming on 1 process instead of 2 processes: the global batch is now 2 segments (was 4)")),
                messages(ddp).toString());
        assertEquals(6, losses(ddp).size());
    }

    /** `retune train CONFIG --nproc 2 --json` as a real process, for 1000 steps, checkpointing every 2. */
    private Process startLauncher(Path config, Path runDir, Path stderr) throws IOException {
        List<String> command = List.of(System.getProperty("java.home") + "/bin/java", "-Xmx1g",
                "-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-cp", System.getProperty("java.class.path"), "dev.retune.cli.Main",
                "train", config.toString(), "--nproc", "2", "--json", "--out", runDir.toString(),
                "--set", "train.max_steps=1000", "--set", "checkpoint.every=2");
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    /** Reads the launcher's stdout (rank 0's JSON lines) until step {@code step} was logged. */
    private static void awaitStep(BufferedReader out, long step, Path stderr) throws IOException {
        long seen = 0;
        while (seen < step) {
            String line = out.readLine();
            if (line == null) {
                fail("the run ended before step " + step + "; stderr:\n" + Files.readString(stderr));
            }
            assertTrue(line.startsWith("{"), "rank 0's stdout holds JSON lines only: " + line);
            JsonNode record = JsonMapper.shared().readTree(line);
            if (record.get("type").asString().equals("step")) {
                seen = record.get("step").asLong();
            }
        }
    }

    @Test
    void killingAWorkerStopsTheOtherAndTheRerunResumes() throws Exception {
        Path config = config();
        Path runDir = dir.resolve("run");
        Path stderr = dir.resolve("stderr.txt");
        Process launcher = startLauncher(config, runDir, stderr);
        List<ProcessHandle> workers;
        int exit;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            awaitStep(out, 5, stderr);
            workers = launcher.toHandle().children().toList();
            assertEquals(2, workers.size());
            workers.get(1).destroyForcibly(); // kill -9 one worker mid-run
            assertTrue(launcher.waitFor(90, TimeUnit.SECONDS), "the launcher did not stop after a worker died");
            exit = launcher.exitValue();
        } finally {
            launcher.destroyForcibly();
        }
        assertEquals(ExitCode.PEER_FAILED, exit, Files.readString(stderr));
        for (ProcessHandle worker : workers) {
            worker.onExit().get(30, TimeUnit.SECONDS); // no orphan left running
        }
        assertTrue(Files.readString(stderr).contains("stopping the other workers"), Files.readString(stderr));
        long saved = new Checkpointer(runDir, 2).latest(new ArrayList<>()).orElseThrow().state().step();
        assertTrue(saved >= 4, "last checkpoint at step " + saved);

        CliRun rerun = CliRun.of("train", config.toString(), "--nproc", "2", "--json", "--out", runDir.toString(),
                "--set", "train.max_steps=" + (saved + 2), "--set", "checkpoint.every=2");

        assertEquals(ExitCode.OK, rerun.exitCode(), rerun.err());
        List<Long> starts = metrics(runDir).stream().filter(r -> r.get("type").asString().equals("start"))
                .map(r -> r.get("from_step").asLong()).toList();
        assertEquals(List.of(0L, saved), starts, "two segments: the first from scratch, the rerun from the last checkpoint");
        assertEquals(saved + 2, new Checkpointer(runDir, 2).latest(new ArrayList<>()).orElseThrow().state().step());
    }

    @Test
    void sigtermToTheLauncherStopsEveryWorkerAtTheSameStepAfterACheckpoint() throws Exception {
        Path config = config();
        Path runDir = dir.resolve("run");
        Path stderr = dir.resolve("stderr.txt");
        Process launcher = startLauncher(config, runDir, stderr);
        List<ProcessHandle> workers;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            awaitStep(out, 3, stderr);
            workers = launcher.toHandle().children().toList();
            launcher.destroy(); // SIGTERM to the launcher only: it passes it on
            assertTrue(launcher.waitFor(90, TimeUnit.SECONDS), "the launcher did not stop after SIGTERM");
        } finally {
            launcher.destroyForcibly();
        }
        assertEquals(143, launcher.exitValue(), Files.readString(stderr));
        for (ProcessHandle worker : workers) {
            worker.onExit().get(30, TimeUnit.SECONDS);
        }
        long saved = new Checkpointer(runDir, 2).latest(new ArrayList<>()).orElseThrow().state().step();
        List<Double> logged = losses(runDir);
        assertEquals(logged.size(), saved, "the last logged step was checkpointed: both ranks stopped there");
        assertTrue(messages(runDir).stream().anyMatch(m -> m.startsWith(String.format("checkpoint step-%07d", saved))
                && m.endsWith("(weights bit-identical on all 2 ranks)")), messages(runDir).toString());
        JsonNode summary = JsonMapper.shared().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals("interrupted", summary.get("exit_reason").asString());
    }
}
