package dev.retune.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.LoraSection;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several PEFT adapters on one model with weights: deltas scaled and summed; 0 is the base, 1 the adapter alone. */
class AdapterCompositionTest {

    /** Two adapters of different ranks and scales on overlapping Linears, so a mix-up of either would show. */
    private static final LoraSection FIRST = new LoraSection(4, 16.0, 0.0, TinyModel.DECODER_TARGETS, null, false, LoraSection.KAIMING);
    private static final LoraSection SECOND = new LoraSection(2, 3.0, 0.0, "fc1|fc2|q_proj", null, false, LoraSection.KAIMING);

    @TempDir
    static Path dir;

    /** Each adapter's deltas scale · B·A by Linear path. */
    private static Map<String, Tensor> firstDeltas;
    private static Map<String, Tensor> secondDeltas;

    @BeforeAll
    static void writeTwoAdaptersWithKnownRandomDeltas() {
        firstDeltas = write(FIRST, dir.resolve("first"), 21);
        secondDeltas = write(SECOND, dir.resolve("second"), 22);
    }

    private static Map<String, Tensor> write(LoraSection config, Path to, long seed) {
        Lora lora = Lora.apply(TinyModel.create(1), config);
        TinyModel.randomize(lora, seed, 0.1);
        PeftAdapter.write(to, lora, config, "tiny");
        Map<String, Tensor> deltas = new LinkedHashMap<>();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (LoraLayer layer : lora.layers()) {
                deltas.put(layer.path(), layer.b().matmul(layer.a()).mul(new Scalar(layer.scale())).clone());
            }
        }
        return deltas;
    }

    @Test
    void weightZeroIsExactlyTheBaseModel() {
        MusicgenForConditionalGeneration base = TinyModel.create(1);
        MusicgenForConditionalGeneration composed = TinyModel.create(1);

        PeftAdapter.compose(composed, List.of(dir.resolve("first"), dir.resolve("second")), List.of(0.0, 0.0));

        Tensor ids = TinyModel.ids(31);
        assertTrue(torch.equal(TinyModel.logits(base, ids), TinyModel.logits(composed, ids)), "logits of the base model");
        assertEquals(StateDict.of(base).keySet(), StateDict.of(composed).keySet(), "no adapter attached");
    }

    @Test
    void weightOneIsExactlyTheAdapterAlone() {
        MusicgenForConditionalGeneration alone = TinyModel.create(1);
        PeftAdapter.applyTo(alone, dir.resolve("first"));
        MusicgenForConditionalGeneration composed = TinyModel.create(1);

        PeftAdapter.compose(composed, List.of(dir.resolve("first"), dir.resolve("second")), List.of(1.0, 0.0));

        Tensor ids = TinyModel.ids(31);
        assertTrue(torch.equal(TinyModel.logits(alone, ids), TinyModel.logits(composed, ids)), "logits of the adapter alone");
        assertFalse(torch.equal(TinyModel.logits(TinyModel.create(1), ids), TinyModel.logits(composed, ids)), "the adapter changes them");
    }

    @Test
    void aWeightScalesTheDeltaOfOneAdapter() {
        MusicgenForConditionalGeneration composed = TinyModel.create(1);
        PeftAdapter.compose(composed, List.of(dir.resolve("first")), List.of(0.25));
        MusicgenForConditionalGeneration merged = TinyModel.create(1);
        addToBase(merged, firstDeltas, 0.25);

        Tensor ids = TinyModel.ids(31);
        double diff = TinyModel.maxDiff(TinyModel.logits(merged, ids), TinyModel.logits(composed, ids));
        assertTrue(diff < 1e-5, "a quarter of the delta beside the weights = a quarter folded in; max |Δ logit| " + diff);
    }

    @Test
    void twoAdaptersAtHalfWeightAreTheBaseWithBothDeltasHalvedTensorByTensor() {
        MusicgenForConditionalGeneration composed = TinyModel.create(1);
        PeftAdapter.compose(composed, List.of(dir.resolve("first"), dir.resolve("second")), List.of(0.5, 0.5));
        MusicgenForConditionalGeneration expected = TinyModel.create(1);
        addToBase(expected, firstDeltas, 0.5);
        addToBase(expected, secondDeltas, 0.5);

        Map<String, Tensor> found = StateDict.of(composed);
        Map<String, Tensor> wanted = StateDict.of(expected);
        assertEquals(wanted.keySet(), found.keySet(), "both adapters folded in and detached: a plain model");
        Map<String, Tensor> base = StateDict.of(TinyModel.create(1));
        int changed = 0;
        for (String name : wanted.keySet()) {
            double diff = TinyModel.maxDiff(wanted.get(name), found.get(name));
            assertTrue(diff < 1e-6, name + ": max |Δ| " + diff);
            changed += torch.equal(wanted.get(name), base.get(name)) ? 0 : 1;
        }
        assertEquals(firstDeltas.size() + secondDeltas.keySet().stream().filter(p -> !firstDeltas.containsKey(p)).count(), changed,
                "every adapted Linear's weight moved, nothing else");
    }

    @Test
    void aNegativeOrNonFiniteWeightIsRefused() {
        MusicgenForConditionalGeneration model = TinyModel.create(1);
        assertThrows(IllegalArgumentException.class, () -> PeftAdapter.applyTo(model, dir.resolve("first"), -0.5));
        assertThrows(IllegalArgumentException.class, () -> PeftAdapter.applyTo(model, dir.resolve("first"), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PeftAdapter.compose(model, List.of(dir.resolve("first")), List.of()));
    }

    /** W += weight · delta for every Linear of {@code deltas}. */
    private static void addToBase(MusicgenForConditionalGeneration model, Map<String, Tensor> deltas, double weight) {
        Map<String, Tensor> state = StateDict.of(model);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            deltas.forEach((path, delta) -> state.get(path + ".weight").add_(delta.mul(new Scalar(weight))));
        }
    }
}
