package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tiny preset end to end on CPU: save/load, causality, shapes, frame rate. */
class MusicgenModelTest {

    @TempDir
    Path dir;

    private static MusicgenForConditionalGeneration tiny(long seed) {
        torch.manual_seed(seed);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", 120));
        model.train(false);
        return model;
    }

    @Test
    void saveThenLoadIsBitIdentical() {
        MusicgenForConditionalGeneration model = tiny(1);
        ModelFolder.save(model, dir, ScalarType.Float, null);

        ModelFolder.Loaded loaded = ModelFolder.load(dir, ScalarType.Float, new Device("cpu"));

        Map<String, Tensor> original = StateDict.of(model);
        Map<String, Tensor> reloaded = StateDict.of(loaded.model());
        assertEquals(original.keySet(), reloaded.keySet());
        for (String name : original.keySet()) {
            assertTrue(torch.equal(original.get(name), reloaded.get(name)), name + " differs after save and load");
        }
        assertEquals(java.util.List.of(), loaded.unexpectedKeys());
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
    }

    @Test
    void aFutureTokenNeverChangesEarlierLogits() {
        MusicgenForConditionalGeneration model = tiny(2);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            MusicgenForConditionalGeneration.Conditioning text = model.condition(
                    torch.tensor(new long[] {5, 6, 7, 1}).reshape(1, 4), torch.ones(1, 4).to(ScalarType.Long));
            Tensor ids = torch.randint(0, 256, new long[] {1, 4, 12});
            Tensor changed = ids.clone();
            changed.select(2, 8).fill_(new Scalar(3)); // step 8 of every codebook

            Tensor before = model.logits(ids, text);
            Tensor after = model.logits(changed, text);

            assertTrue(torch.equal(before.narrow(2, 0, 8), after.narrow(2, 0, 8)), "steps 0..7 must not see step 8");
            assertFalse(torch.equal(before.narrow(2, 8, 4), after.narrow(2, 8, 4)), "steps 8.. must see it");
            assertEquals(java.util.List.of(1L, 4L, 12L, 256L), java.util.Arrays.stream(Shapes.of(before)).boxed().toList());
        }
    }

    @Test
    void paddedTextPositionsDoNotAffectTheOutput() {
        MusicgenForConditionalGeneration model = tiny(3);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor ids = torch.randint(0, 256, new long[] {1, 4, 6});
            Tensor mask = torch.tensor(new long[] {1, 1, 1, 0, 0}).reshape(1, 5);
            Tensor textA = torch.tensor(new long[] {5, 6, 1, 0, 0}).reshape(1, 5);
            Tensor textB = torch.tensor(new long[] {5, 6, 1, 17, 42}).reshape(1, 5);

            Tensor a = model.logits(ids, model.condition(textA, mask));
            Tensor b = model.logits(ids, model.condition(textB, mask));

            assertTrue(torch.allclose(a, b, 1e-5, 1e-6, false), "tokens behind the mask leaked into the logits");
        }
    }

    @Test
    void moduleTreeSurvivesGarbageCollection() {
        // libtorch calls back into the Java object of every module made from Java (train(), to()); one that only
        // C++ still referenced would be collected and the next call would fail with a NullPointerException.
        MusicgenForConditionalGeneration model = tiny(6);
        GcPressure.collect();
        model.train(true);
        model.train(false);
        model.to(ScalarType.Double, false);

        assertEquals(ScalarType.Double, model.decoder.lm_heads.get(0).weight.scalar_type().intern());
    }

    @Test
    void codecRunsAtFiftyFramesPerSecond() {
        MusicgenForConditionalGeneration model = tiny(4);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor codes = model.audio_encoder.encode(torch.randn(1, 1, 32_000 * 2));

            assertEquals(100, codes.size(2));
            assertEquals(32_000.0 / 640, model.config().audioEncoder().frameRate(), 0.0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Int", "Long", "Bool"})
    void aWeightStoredWithANonFloatingDtypeIsAnErrorNamingTensorAndFile(String dtype) {
        ModelFolder.save(tiny(6), dir, ScalarType.Float, null);
        Path weights = dir.resolve("model.safetensors");
        String head = "decoder.lm_heads.0.weight";
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors file = Safetensors.open(weights)) {
            file.names().forEach(name -> tensors.put(name, file.tensor(name)));
        }
        // A float weight cast to integers: 0.02-scale values become mostly zeros, which once loaded silently.
        tensors.put(head, tensors.get(head).mul(new Scalar(100)).to(ScalarType.valueOf(dtype)));
        SafetensorsWriter.write(weights, tensors, Map.of());

        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ModelFolder.load(dir, ScalarType.Float, new Device("cpu")));

        assertTrue(e.getMessage().startsWith(weights + ": tensor '" + head + "' is stored as "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; a floating-point tensor (F64, F32, F16, BF16) is expected"), e.getMessage());
    }

    @Test
    void theSummaryCountsWhatACheckpointLacksOrAddsAsUnmatched() {
        MusicgenForConditionalGeneration model = tiny(7);
        ModelFolder.save(model, dir, ScalarType.Float, null);
        Path weights = dir.resolve("model.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors file = Safetensors.open(weights)) {
            file.names().forEach(name -> tensors.put(name, file.tensor(name)));
        }
        tensors.remove("decoder.lm_heads.0.weight"); // [256, 64]
        tensors.put("extra.weight", torch.zeros(3));
        SafetensorsWriter.write(weights, tensors, Map.of());

        ModelSummary summary = ModelSummary.read(dir);

        assertEquals(model.parameterCount(""), summary.parameters());
        assertEquals(3 - 256 * 64L, summary.storedNotParameters().get("tensors that do not match the config (missing or unexpected)"));
        assertEquals(summary.storedValues(), summary.parameters() + summary.storedNotParameters().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void misShapedWeightIsAnErrorNamingKeyAndShapes() {
        MusicgenForConditionalGeneration small = tiny(5);
        ModelFolder.save(small, dir, ScalarType.Float, null);
        // Same folder, but config says the decoder is wider: every decoder weight is now the wrong shape.
        MusicgenConfig wider = MusicgenConfig.preset("tiny", 120);
        wider.json().withObjectProperty("decoder").put("ffn_dim", 128);
        wider.write(dir.resolve("config.json"), ScalarType.Float);

        ModelException e = assertThrows(ModelException.class, () -> ModelFolder.load(dir, ScalarType.Float, new Device("cpu")));

        assertTrue(e.getMessage().contains("fc1.weight") && e.getMessage().contains("[128, 64]") && e.getMessage().contains("[256, 64]"), e.getMessage());
    }
}
