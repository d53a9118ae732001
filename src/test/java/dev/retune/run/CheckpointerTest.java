package dev.retune.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.KernelsConfig;
import dev.retune.train.AdamWOptimizer;
import dev.retune.train.ParamGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Checkpoints on real files: exact round trip, crash leftovers, corruption fallback and pruning. */
class CheckpointerTest {

    @TempDir
    Path runDir;

    /** Two small trainable tensors with a real AdamW over them. */
    private static final class Model {
        final Tensor weight; // [2, 3]
        final Tensor bias; // [3]
        final AdamWOptimizer optimizer;

        Model(double start) {
            weight = torch.arange(new Scalar(6)).to(torch.ScalarType.Float).reshape(2, 3).mul(new Scalar(0.1)).add(new Scalar(start))
                    .requires_grad_(true);
            bias = torch.ones(3).mul(new Scalar(start)).requires_grad_(true);
            optimizer = new AdamWOptimizer(List.of(new ParamGroup("all", trainable(), 0.01, 1.0, null)), 0.9, 0.999, 1e-8, KernelsConfig.Mode.AUTO);
        }

        Map<String, Tensor> trainable() {
            Map<String, Tensor> map = new LinkedHashMap<>();
            map.put("layer.weight", weight);
            map.put("layer.bias", bias);
            return map;
        }

        /** One AdamW step on a fixed quadratic-plus-cubic loss; {@code k} varies the gradients between steps. */
        void step(int k) {
            optimizer.zeroGrad();
            Tensor x = torch.arange(new Scalar(3)).to(torch.ScalarType.Float).add(new Scalar(k)); // [3]
            Tensor loss = weight.matmul(x).sub(new Scalar(1.0)).pow(new Scalar(2)).sum()
                    .add(bias.pow(new Scalar(3)).sum().mul(new Scalar(0.3)));
            loss.backward();
            optimizer.step(new double[] {0.05});
        }
    }

    private static TrainerState state(long step, double bestValidLoss) {
        return new TrainerState(step, 1, step % 3, new TrainerState.LossScale(512, 7, 1), "cm5nLXN0YXRl", bestValidLoss,
                Math.max(0, step - 1), 2, 1000 * step, 1, 10L, null, Map.of());
    }

    private static void save(Checkpointer checkpointer, long step, Model model, boolean best) {
        checkpointer.save(state(step, Double.NaN), model.trainable(), null, model.optimizer, best);
    }

    @Test
    void saveLatestRestoreIsExactForWeightsEmaAndOptimizerState() {
        Model trained = new Model(0.5);
        for (int k = 0; k < 3; k++) {
            trained.step(k);
        }
        Map<String, Tensor> ema = Map.of("layer.weight", trained.weight.detach().mul(new Scalar(0.9)),
                "layer.bias", trained.bias.detach().mul(new Scalar(0.8)));
        Checkpointer checkpointer = new Checkpointer(runDir, 2);
        checkpointer.save(state(3, Double.NaN), trained.trainable(), ema, trained.optimizer, false);

        List<String> warnings = new ArrayList<>();
        Checkpointer.Saved saved = new Checkpointer(runDir, 2).latest(warnings).orElseThrow();
        Model restored = new Model(-2.0);
        Map<String, Tensor> restoredEma = Map.of("layer.weight", torch.zeros(2, 3), "layer.bias", torch.zeros(3));
        checkpointer.restore(saved, restored.trainable(), restoredEma, restored.optimizer);

        assertEquals(List.of(), warnings);
        assertEquals(runDir.resolve("checkpoints/step-0000003"), saved.dir());
        TrainerState s = saved.state();
        assertEquals(state(3, Double.NaN).withFiles(s.files()), s, "state.json round trip (NaN best loss too)");
        assertTrue(Double.isNaN(s.bestValidLoss()));
        assertEquals(List.of("trainable.safetensors", "ema.safetensors", "optimizer.safetensors"), List.copyOf(s.files().keySet()));
        assertTrue(torch.equal(trained.weight, restored.weight));
        assertTrue(torch.equal(trained.bias, restored.bias));
        assertTrue(torch.equal(ema.get("layer.weight"), restoredEma.get("layer.weight")));
        assertTrue(torch.equal(ema.get("layer.bias"), restoredEma.get("layer.bias")));

        // The optimizer state (moments, step count) came back too: the next step is identical in both copies...
        Model freshOptimizer = new Model(0.0);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            freshOptimizer.weight.copy_(trained.weight);
            freshOptimizer.bias.copy_(trained.bias);
        }
        trained.step(3);
        restored.step(3);
        freshOptimizer.step(3);
        assertTrue(torch.equal(trained.weight, restored.weight), "weights after one more step");
        assertTrue(torch.equal(trained.bias, restored.bias), "biases after one more step");
        // ...which a fresh optimizer over the same weights would not give.
        assertFalse(torch.equal(trained.weight, freshOptimizer.weight), "the comparison must depend on the optimizer state");
    }

    @Test
    void leftoverTemporaryFolderOfAKilledWriteIsIgnored() throws IOException {
        Model model = new Model(0.5);
        Checkpointer checkpointer = new Checkpointer(runDir, 3);
        model.step(0);
        save(checkpointer, 1, model, false);
        model.step(1);
        save(checkpointer, 2, model, false);
        // kill -9 while step 3 was being written: a half-written weights file and no state.json
        Path complete = runDir.resolve("checkpoints/step-0000002");
        Path partial = Files.createDirectories(runDir.resolve("checkpoints/.tmp-step-0000003-123456789"));
        byte[] weights = Files.readAllBytes(complete.resolve("trainable.safetensors"));
        Files.write(partial.resolve("trainable.safetensors"), Arrays.copyOf(weights, weights.length / 2));

        List<String> warnings = new ArrayList<>();
        Checkpointer.Saved latest = new Checkpointer(runDir, 3).latest(warnings).orElseThrow();

        assertEquals(complete, latest.dir());
        assertEquals(2, latest.state().step());
        assertEquals(List.of(), warnings, "a temporary folder is not a checkpoint, not even a damaged one");
        assertEquals("step-0000002", Files.readString(runDir.resolve("checkpoints/latest")).strip());

        // The rerun of step 3 writes a complete checkpoint beside the leftover.
        model.step(2);
        save(checkpointer, 3, model, false);
        assertEquals(3, new Checkpointer(runDir, 3).latest(warnings).orElseThrow().state().step());
        assertEquals(List.of(), warnings);
    }

    @ParameterizedTest
    @ValueSource(strings = {"trainable.safetensors", "optimizer.safetensors", "ema.safetensors"})
    void corruptFileInTheNewestCheckpointFallsBackToThePreviousWithAWarning(String file) throws IOException {
        Model model = new Model(0.5);
        Checkpointer checkpointer = new Checkpointer(runDir, 3);
        Map<String, Tensor> ema = Map.of("layer.weight", torch.zeros(2, 3), "layer.bias", torch.zeros(3));
        model.step(0);
        checkpointer.save(state(1, 0.7), model.trainable(), ema, model.optimizer, false);
        model.step(1);
        checkpointer.save(state(2, 0.6), model.trainable(), ema, model.optimizer, false);
        flipOneByte(runDir.resolve("checkpoints/step-0000002").resolve(file));

        List<String> warnings = new ArrayList<>();
        Checkpointer.Saved latest = new Checkpointer(runDir, 3).latest(warnings).orElseThrow();

        assertEquals(1, latest.state().step());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(file) && warnings.get(0).contains("step-0000002"), warnings.get(0));
        // The fallback is usable: it restores into a fresh model and optimizer.
        Model restored = new Model(0.0);
        checkpointer.restore(latest, restored.trainable(), null, restored.optimizer);
        restored.step(2);
    }

    @Test
    void unreadableStateFallsBackToThePrevious() throws IOException {
        Model model = new Model(0.5);
        Checkpointer checkpointer = new Checkpointer(runDir, 3);
        save(checkpointer, 1, model, false);
        save(checkpointer, 2, model, false);
        Files.writeString(runDir.resolve("checkpoints/step-0000002/state.json"), "{\"step\": 2, \"epo");

        List<String> warnings = new ArrayList<>();
        assertEquals(1, checkpointer.latest(warnings).orElseThrow().state().step());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("state.json"), warnings.get(0));
    }

    @Test
    void noCheckpointGivesEmptyButAllDamagedIsAnErrorNamingEachDamagedFile() throws IOException {
        Checkpointer checkpointer = new Checkpointer(runDir, 2);
        List<String> warnings = new ArrayList<>();
        assertTrue(checkpointer.latest(warnings).isEmpty(), "a new run has none");
        assertEquals(List.of(), warnings);

        Model model = new Model(0.5);
        save(checkpointer, 1, model, false);
        save(checkpointer, 2, model, false);
        flipOneByte(runDir.resolve("checkpoints/step-0000001/optimizer.safetensors"));
        Files.writeString(runDir.resolve("checkpoints/step-0000002/state.json"), "{}");

        RunException e = assertThrows(RunException.class, () -> checkpointer.latest(warnings));
        assertTrue(e.getMessage().contains("step-0000001: optimizer.safetensors does not match its sha256"), e.getMessage());
        assertTrue(e.getMessage().contains("step-0000002: state.json does not match its sha256"), e.getMessage());
        assertTrue(e.getMessage().contains("--out"), "says how to start over: " + e.getMessage());
        assertTrue(Files.isDirectory(runDir.resolve("checkpoints/step-0000001")) && Files.isDirectory(runDir.resolve("checkpoints/step-0000002")),
                "nothing is removed");
    }

    @Test
    void aDamagedCheckpointThatIsWrittenAgainIsMovedAsideNotDeleted() throws IOException {
        Model model = new Model(0.5);
        Checkpointer checkpointer = new Checkpointer(runDir, 5);
        save(checkpointer, 1, model, false);
        save(checkpointer, 2, model, false);
        Path damaged = runDir.resolve("checkpoints/step-0000002/trainable.safetensors");
        flipOneByte(damaged);
        byte[] damagedBytes = Files.readAllBytes(damaged);
        List<String> warnings = new ArrayList<>();
        assertEquals(1, checkpointer.latest(warnings).orElseThrow().state().step(), "resumes from the older one");

        model.step(1);
        save(checkpointer, 2, model, false); // the resumed run reaches step 2 again

        assertEquals(2, checkpointer.latest(warnings).orElseThrow().state().step());
        assertArrayEquals(damagedBytes, Files.readAllBytes(runDir.resolve("checkpoints/step-0000002.damaged/trainable.safetensors")));
        assertEquals(List.of(1L, 2L), checkpointer.steps(), "the damaged copy is no longer a checkpoint");
    }

    @Test
    void keepLastPrunesOlderCheckpointsButNeverTheBest() throws IOException {
        Model model = new Model(0.5);
        Checkpointer checkpointer = new Checkpointer(runDir, 2);

        save(checkpointer, 1, model, true);
        for (long step = 2; step <= 4; step++) {
            save(checkpointer, step, model, false);
        }

        assertEquals(List.of("best", "latest", "step-0000001", "step-0000003", "step-0000004"), listing());
        assertEquals(1, checkpointer.best().orElseThrow().state().step());
        assertEquals(4, checkpointer.latest(new ArrayList<>()).orElseThrow().state().step());

        save(checkpointer, 5, model, true); // a new best: the old one is no longer special
        assertEquals(List.of("best", "latest", "step-0000004", "step-0000005"), listing());
        assertEquals(5, checkpointer.best().orElseThrow().state().step());
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> entries = Files.list(runDir.resolve("checkpoints"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void flipOneByte(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 0x40;
        Files.write(file, bytes);
    }
}
