package dev.retune.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.config.ConfigLoader;
import dev.retune.train.DemoSubset;
import dev.retune.train.TrainRun;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real training run of the tiny preset, started and then resumed: the run folder holds one event file per start,
 * whose scalars are metrics.jsonl's step and eval records of that start, value for value.
 */
class TensorBoardRunTest {

    @TempDir
    Path dir;

    @Test
    void eachStartOfARunWritesAnEventFileThatMatchesMetricsJsonl() throws IOException {
        Path yaml = Files.writeString(dir.resolve("tiny.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + DemoSubset.copyTo(dir.resolve("data")) + ", segment_seconds: 1, batch_size: 2, cache_dir: "
                        + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {cfg_dropout_p: 0.0, seed: 5}",
                "eval: {every: 2}",
                "checkpoint: {every: 100, keep_last: 2}",
                ""));
        Path runDir = dir.resolve("run");

        train(yaml, runDir, 3);
        train(yaml, runDir, 5); // resumes from the checkpoint at step 3

        List<Path> files;
        try (Stream<Path> list = Files.list(runDir)) {
            files = list.filter(p -> p.getFileName().toString().startsWith(TensorBoardSink.FILE_PREFIX)).sorted().toList();
        }
        assertEquals(2, files.size(), files.toString());
        List<List<JsonNode>> segments = segments(runDir.resolve("metrics.jsonl"));
        assertEquals(2, segments.size());
        for (int i = 0; i < 2; i++) {
            TfEventsReader.Events events = TfEventsReader.read(files.get(i));
            assertEquals("brain.Event:2", events.fileVersion());
            assertEquals(List.of(i == 0 ? 1L : 4L), events.sessionStarts());
            assertEquals(expectedScalars(segments.get(i)), events.scalars(), files.get(i).toString());
            assertTrue(!events.images().isEmpty(), "the loss plot is in " + files.get(i));
        }
        TfEventsReader.Events resumed = TfEventsReader.read(files.get(1));
        assertEquals(List.of(4L, 5L), resumed.scalars().stream().filter(s -> s.tag().equals("train/loss"))
                .map(TfEventsReader.Scalar::step).toList());
        assertEquals(List.of(4L, 5L), resumed.scalars().stream().filter(s -> s.tag().equals("eval/loss"))
                .map(TfEventsReader.Scalar::step).toList());
        TfEventsReader.Image lastPlot = resumed.images().get(resumed.images().size() - 1);
        assertArrayEquals(Files.readAllBytes(runDir.resolve("loss.png")), lastPlot.png(), "the last image is the final loss.png");
    }

    private static void train(Path yaml, Path runDir, int maxSteps) throws IOException {
        new TrainRun(ConfigLoader.load(yaml, List.of("train.max_steps=" + maxSteps)), runDir)
                .run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, null), new AtomicBoolean());
    }

    /** metrics.jsonl's records, split at each start record. */
    private static List<List<JsonNode>> segments(Path metrics) throws IOException {
        List<List<JsonNode>> segments = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode record = JsonMapper.shared().readTree(line);
            if (record.get("type").asString().equals("start")) {
                segments.add(new ArrayList<>());
            } else {
                segments.get(segments.size() - 1).add(record);
            }
        }
        return segments;
    }

    /** The scalars a segment's step and eval records stand for, in order; a null (not finite) value is absent. */
    private static List<TfEventsReader.Scalar> expectedScalars(List<JsonNode> records) {
        List<TfEventsReader.Scalar> scalars = new ArrayList<>();
        for (JsonNode record : records) {
            String type = record.get("type").asString();
            if (!type.equals("step") && !type.equals("eval")) {
                continue;
            }
            String prefix = type.equals("step") ? "train/" : "eval/";
            long step = record.get("step").asLong();
            add(scalars, step, prefix + "loss", record.get("loss"));
            JsonNode ce = record.get("ce");
            for (int k = 0; k < ce.size(); k++) {
                add(scalars, step, prefix + "ce_k" + k, ce.get(k));
            }
            if (type.equals("step")) {
                add(scalars, step, "train/lr", record.get("lr"));
                add(scalars, step, "train/grad_norm", record.get("grad_norm"));
                add(scalars, step, "train/tokens_per_s", record.get("tokens_per_s"));
            }
        }
        assertTrue(scalars.size() > 20, scalars.toString());
        return scalars;
    }

    private static void add(List<TfEventsReader.Scalar> scalars, long step, String tag, JsonNode value) {
        if (value != null && value.isNumber()) {
            scalars.add(new TfEventsReader.Scalar(step, tag, (float) value.asDouble()));
        }
    }
}
