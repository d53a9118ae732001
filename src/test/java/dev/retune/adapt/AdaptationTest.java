package dev.retune.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.AdaptConfig;
import dev.retune.config.AdaptConfig.Method;
import dev.retune.config.AdaptersSection;
import dev.retune.config.LoraSection;
import dev.retune.config.PartialSection;
import dev.retune.config.UnfreezeSection;
import dev.retune.config.UnfreezeStage;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.SafetensorsWriter;
import dev.retune.model.StateDict;
import dev.retune.run.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every method behind {@link Adaptation}: what trains, merging into the base, the adapter-only export, restoring a run. */
class AdaptationTest {

    @TempDir
    Path dir;

    private static AdaptConfig config(Method method) {
        return new AdaptConfig(method, null, new LoraSection(4, 8.0, 0.0, "fc1", null, false, null),
                new PartialSection(List.of("lm_heads")), new AdaptersSection(8, null, null, null, null, null), null);
    }

    private static Set<String> names(MusicgenForConditionalGeneration model, String part) {
        Set<String> names = new TreeSet<>();
        StateDict.of(model).keySet().stream().filter(name -> name.contains(part)).forEach(names::add);
        return names;
    }

    @Test
    void eachMethodIsTheClassItsConfigNamesAndTrainsWhatItSays() {
        Map<Method, Class<?>> classes = Map.of(Method.FULL, FullFineTuning.class, Method.PARTIAL, PartialFineTuning.class,
                Method.LORA, Lora.class, Method.ADAPTERS, BottleneckAdapters.class);
        // Tiny preset: 4 heads [256, 64]; 2 layers × fc1 [256, 64] with r = 4; 2 layers × 2 adapters of m = 8 on D = 64.
        Map<Method, Long> counts = Map.of(Method.PARTIAL, 4L * 256 * 64, Method.LORA, 2L * 4 * (64 + 256),
                Method.ADAPTERS, 4L * (8 * 64 + 8 + 64 * 8 + 64));
        for (Method method : Method.values()) {
            Adaptation adaptation = Adaptation.apply(TinyModel.create(1), config(method));

            assertInstanceOf(classes.get(method), adaptation);
            assertEquals(method, adaptation.method());
            assertFalse(adaptation.textEncoderTrains(), method.value());
            if (counts.containsKey(method)) {
                assertEquals(counts.get(method), adaptation.trainableParameters(), method.value());
            }
        }
        assertTrue(Adaptation.apply(TinyModel.create(1), config(Method.FULL)).trainable().keySet().stream()
                .allMatch(name -> name.startsWith("decoder.") || name.startsWith("enc_to_dec_proj.")));
    }

    @Test
    void loraMergesIntoAPlainModelThatComputesWhatTheAdaptedOneDid() {
        MusicgenForConditionalGeneration model = TinyModel.create(2);
        Lora lora = (Lora) Adaptation.apply(model, config(Method.LORA));
        TinyModel.randomize(lora, 3, 0.05);
        Tensor ids = TinyModel.ids(4);
        Tensor adapted = TinyModel.logits(model, ids);

        lora.mergeIntoBase();

        assertEquals(Set.of(), names(model, "lora_"));
        assertTrue(TinyModel.maxDiff(adapted, TinyModel.logits(model, ids)) < 1e-5);
        assertTrue(TinyModel.maxDiff(adapted, TinyModel.logits(TinyModel.create(2), ids)) > 1e-3, "the merge changed the weights");
    }

    @Test
    void fullAndPartialTrainTheModelsOwnWeightsSoMergingChangesNothing() {
        for (Method method : List.of(Method.FULL, Method.PARTIAL)) {
            MusicgenForConditionalGeneration model = TinyModel.create(5);
            Adaptation adaptation = Adaptation.apply(model, config(method));
            Set<String> before = StateDict.of(model).keySet();

            adaptation.mergeIntoBase();

            assertEquals(before, StateDict.of(model).keySet(), method.value());
        }
    }

    @Test
    void bottleneckAdaptersRefuseToMergeAndStayInPlace() {
        MusicgenForConditionalGeneration model = TinyModel.create(6);
        Adaptation adapters = Adaptation.apply(model, config(Method.ADAPTERS));
        Set<String> attached = names(model, "adapter_");

        AdaptationException e = assertThrows(AdaptationException.class, adapters::mergeIntoBase);

        assertEquals("adapt.method adapters: bottleneck adapters add layers a plain MusicGen model does not have, so they"
                + " cannot be merged into it; generate with --run instead", e.getMessage());
        assertEquals(attached, names(model, "adapter_"));
        assertEquals(16, attached.size());
    }

    @Test
    void onlyLoraHasAnAdapterOnlyExportAndTheOthersSaySoNamingTheMethod() throws Exception {
        Map<Method, String> refusals = Map.of(
                Method.FULL, "adapt.method full has no adapter-only export: it trains the model's own weights; export the whole model with --merged",
                Method.PARTIAL, "adapt.method partial has no adapter-only export: it trains the model's own weights; export the whole model with --merged",
                Method.ADAPTERS, "adapt.method adapters has no adapter-only export: no standard format loads Houlsby bottleneck"
                        + " adapters onto MusicGen; the run's checkpoints hold them, generate with --run");
        for (Map.Entry<Method, String> refusal : refusals.entrySet()) {
            Adaptation adaptation = Adaptation.apply(TinyModel.create(7), config(refusal.getKey()));
            Path out = dir.resolve(refusal.getKey().value());

            assertFalse(adaptation.hasAdapterExport());
            assertEquals(refusal.getValue(), assertThrows(AdaptationException.class, () -> adaptation.writeAdapter(out, "m")).getMessage());
            assertFalse(Files.exists(out));
        }

        Adaptation lora = Adaptation.apply(TinyModel.create(7), config(Method.LORA));
        assertTrue(lora.hasAdapterExport());
        lora.writeAdapter(dir.resolve("lora"), "facebook/musicgen-small");
        PeftAdapter.LoadedAdapter written = PeftAdapter.read(dir.resolve("lora"));
        assertEquals("facebook/musicgen-small", written.baseModelNameOrPath());
        assertEquals(lora.trainable().keySet(), written.weights().keySet());
    }

    /**
     * With progressive unfreezing, a checkpoint holds only the weights some stage names (the others never train):
     * restoring loads exactly those, where loading every trainable weight of the method would find them missing.
     */
    @Test
    void restoreLoadsWhatARunsCheckpointHoldsUnderProgressiveUnfreezing() {
        UnfreezeSection headsOnly = new UnfreezeSection(List.of(new UnfreezeStage("heads", 0, null, List.of("heads"), null, null)));
        AdaptConfig full = new AdaptConfig(Method.FULL, null, null, null, null, headsOnly);
        Map<String, Tensor> heads = new LinkedHashMap<>();
        torch.manual_seed(8);
        for (int k = 0; k < TinyModel.K; k++) {
            heads.put("decoder.lm_heads." + k + ".weight", torch.randn(TinyModel.V, TinyModel.D));
        }
        SafetensorsWriter.write(dir.resolve("trainable.safetensors"), heads, Map.of());
        MusicgenForConditionalGeneration model = TinyModel.create(9);
        Map<String, Tensor> base = TinyModel.snapshot(model);

        Adaptation restored = Adaptation.restore(model, full, saved -> Checkpointer.loadWeights(dir, saved, false));

        assertEquals(Method.FULL, restored.method());
        Map<String, Tensor> now = StateDict.of(model);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            heads.forEach((name, value) -> assertEquals(0.0, TinyModel.maxDiff(value, now.get(name)), 0.0, name));
            base.forEach((name, value) -> {
                if (!heads.containsKey(name)) {
                    assertEquals(0.0, TinyModel.maxDiff(value, now.get(name)), 0.0, name);
                }
            });
        }
    }
}
