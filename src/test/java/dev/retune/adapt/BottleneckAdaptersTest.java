package dev.retune.adapt;

import static dev.retune.adapt.TinyModel.D;
import static dev.retune.adapt.TinyModel.DECODER_LAYERS;
import static dev.retune.adapt.TinyModel.T5_D;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.AdaptersSection;
import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import dev.retune.model.CodebookLoss;
import dev.retune.model.GcPressure;
import dev.retune.model.MusicgenDecoderLayer;
import dev.retune.model.MusicgenDecoderLayer.Branch;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import dev.retune.model.StateDict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Houlsby bottleneck adapters on the tiny preset, CPU, fp32. */
class BottleneckAdaptersTest {

    private static final int M = 8;
    private static final String LAYER = "decoder.model.decoder.layers.";
    private static final List<String> ALL_POSITIONS = List.of(AdaptersSection.SELF_ATTENTION,
            AdaptersSection.CROSS_ATTENTION, AdaptersSection.FEED_FORWARD);

    private static AdaptersSection config(List<String> positions, List<Integer> layers, boolean textAdapter) {
        return new AdaptersSection(M, positions, layers, null, textAdapter, null);
    }

    /** Every position of every layer plus the text adapter. */
    private static AdaptersSection everything() {
        return config(ALL_POSITIONS, null, true);
    }

    /** State-dict names that belong to adapters. */
    private static Set<String> adapterNames(MusicgenForConditionalGeneration model) {
        return StateDict.of(model).keySet().stream().filter(name -> name.contains("adapter"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** {@code steps} AdamW steps (no weight decay: only gradients move weights) on a random-token loss. */
    private static void train(MusicgenForConditionalGeneration model, BottleneckAdapters adapters, int steps) {
        TensorVector params = new TensorVector();
        adapters.trainable().values().forEach(params::push_back);
        AdamWOptions options = new AdamWOptions(1e-2);
        options.weight_decay().put(0.0);
        AdamW optimizer = new AdamW(params, options);
        Tensor ids = TinyModel.ids(13);
        Tensor labels = TinyModel.ids(14);
        long special = model.config().decoder().specialToken();
        model.train(true);
        for (int step = 0; step < steps; step++) {
            try (PointerScope scope = new PointerScope()) {
                optimizer.zero_grad(true);
                Tensor loss = CodebookLoss.compute(TinyModel.forward(model, ids), labels, special).loss();
                loss.backward();
                optimizer.step();
            }
        }
        model.train(false);
    }

    @Test
    void zeroUpProjectionsLeaveLogitsBitIdentical() {
        MusicgenForConditionalGeneration model = TinyModel.create(1);
        Tensor ids = TinyModel.ids(11);
        Tensor before = TinyModel.logits(model, ids);

        BottleneckAdapters adapters = BottleneckAdapters.apply(model, everything());
        Tensor after = TinyModel.logits(model, ids);

        assertEquals(DECODER_LAYERS * 3 + 1, adapters.adapters().size());
        assertTrue(torch.equal(before, after), "zero up projections must leave the logits bit-identical");
        adapters.adapters().forEach((path, adapter) -> {
            assertTrue(torch.equal(adapter.up.weight, torch.zeros_like(adapter.up.weight)), path + ": up must start at zero");
            assertTrue(torch.equal(adapter.up.bias, torch.zeros_like(adapter.up.bias)), path);
            assertTrue(torch.equal(adapter.down.bias, torch.zeros_like(adapter.down.bias)), path);
            double std = adapter.down.weight.std().item_double();
            assertTrue(std > 0.5e-3 && std < 1.5e-3, path + ": down ~ N(0, 1e-3²), std " + std);
        });
    }

    @Test
    void onlyTheAdaptersTrain() {
        MusicgenForConditionalGeneration model = TinyModel.create(3);
        BottleneckAdapters adapters = BottleneckAdapters.apply(model, everything());
        Map<String, Tensor> trainable = adapters.trainable();
        Map<String, Tensor> before = TinyModel.snapshot(model);

        train(model, adapters, 3);

        Map<String, Tensor> after = StateDict.of(model);
        assertEquals(before.keySet(), after.keySet());
        for (Map.Entry<String, Tensor> entry : after.entrySet()) {
            String name = entry.getKey();
            Tensor t = entry.getValue();
            if (trainable.containsKey(name)) {
                assertTrue(t.grad().defined() && t.grad().abs().max().item_double() > 0, name + " received no gradient");
                assertFalse(torch.equal(before.get(name), t), name + " did not train");
            } else {
                assertTrue(torch.equal(before.get(name), t), name + " is frozen but changed");
                assertFalse(t.requires_grad(), name + " must not require grad");
                assertFalse(t.grad().defined(), name + " is frozen but has a gradient");
            }
        }
    }

    @Test
    void stateDictNamesAreChildModulesOfWhatTheyAdapt() {
        MusicgenForConditionalGeneration model = TinyModel.create(1);
        BottleneckAdapters adapters = BottleneckAdapters.apply(model, everything());

        Map<String, Tensor> state = StateDict.of(model);
        Map<String, Tensor> trainable = adapters.trainable();

        assertEquals(adapterNames(model), new TreeSet<>(trainable.keySet()));
        assertEquals(4 * (DECODER_LAYERS * 3 + 1), trainable.size());
        trainable.forEach((name, t) -> {
            assertTrue(state.get(name).is_same(t), name);
            assertTrue(t.requires_grad(), name);
        });
        Tensor down = trainable.get(LAYER + "1.adapter_ffn.down.weight");
        assertEquals(List.of((long) M, D), List.of(down.size(0), down.size(1)));
        Tensor up = trainable.get(LAYER + "0.adapter_encoder_attn.up.weight");
        assertEquals(List.of(D, (long) M), List.of(up.size(0), up.size(1)));
        assertTrue(trainable.containsKey(LAYER + "0.adapter_self_attn.up.bias"));
        Tensor textDown = trainable.get("enc_to_dec_proj.adapter.down.weight");
        assertEquals(List.of((long) M, T5_D), List.of(textDown.size(0), textDown.size(1)));
        assertEquals(D, trainable.get("enc_to_dec_proj.adapter.up.bias").size(0));
    }

    @Test
    void trainableCountIsTwoProjectionsWithBiasPerAdapter() {
        long perDecoderAdapter = D * M + M + M * D + D;
        long text = T5_D * M + M + M * D + D;

        BottleneckAdapters houlsby = BottleneckAdapters.apply(TinyModel.create(1), new AdaptersSection(M, null, null, null, null, null));
        BottleneckAdapters all = BottleneckAdapters.apply(TinyModel.create(1), everything());

        assertEquals(DECODER_LAYERS * 2 * perDecoderAdapter, houlsby.trainableParameters());
        assertEquals(DECODER_LAYERS * 3 * perDecoderAdapter + text, all.trainableParameters());
        assertEquals(all.trainableParameters(), all.trainable().values().stream().mapToLong(Tensor::numel).sum());
    }

    @Test
    void positionsAndLayersSelectExactlyThoseAdapters() {
        MusicgenForConditionalGeneration houlsby = TinyModel.create(7);
        BottleneckAdapters.apply(houlsby, AdaptersSection.defaults());
        assertEquals(Set.of(LAYER + "0.adapter_self_attn", LAYER + "0.adapter_ffn", LAYER + "1.adapter_self_attn",
                LAYER + "1.adapter_ffn"), modules(adapterNames(houlsby)));

        MusicgenForConditionalGeneration cross = TinyModel.create(7);
        BottleneckAdapters adapters = BottleneckAdapters.apply(cross, config(List.of(AdaptersSection.CROSS_ATTENTION), List.of(1), false));
        assertEquals(Set.of(LAYER + "1.adapter_encoder_attn"), adapters.adapters().keySet());
        assertEquals(Set.of(LAYER + "1.adapter_encoder_attn"), modules(adapterNames(cross)));

        MusicgenForConditionalGeneration text = TinyModel.create(7);
        BottleneckAdapters.apply(text, config(List.of(), null, true));
        assertEquals(Set.of("enc_to_dec_proj.adapter"), modules(adapterNames(text)));
    }

    /** State-dict names → their module paths (the names without {@code .down.weight} and the like). */
    private static Set<String> modules(Set<String> names) {
        return names.stream().map(name -> name.replaceAll("\\.(down|up)\\.(weight|bias)$", ""))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theTextAdapterChangesTheConditioningOnlyAfterTraining() {
        MusicgenForConditionalGeneration model = TinyModel.create(4);
        Conditioning base = condition(model);
        Map<String, Tensor> before = TinyModel.snapshot(model);
        BottleneckAdapters adapters = BottleneckAdapters.apply(model, config(List.of(), null, true));

        assertTrue(torch.equal(base.states(), condition(model).states()), "a zero up projection is a no-op");

        train(model, adapters, 3);
        Tensor trained = condition(model).states();
        assertTrue(TinyModel.maxDiff(base.states(), trained) > 1e-4, "training the text adapter moves the conditioning");
        // Padded positions stay zero and the projection's own weights stay frozen.
        assertTrue(torch.equal(trained.select(0, 1).narrow(0, 3, 2), torch.zeros(2, D)));
        assertTrue(torch.equal(before.get("enc_to_dec_proj.weight"), model.enc_to_dec_proj.weight));
    }

    private static Conditioning condition(MusicgenForConditionalGeneration model) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return model.condition(TinyModel.textIds(), TinyModel.textMask());
        }
    }

    @Test
    void anAdapterComputesHPlusUpOfActOfDownOfH() {
        for (String activation : List.of(AdaptersSection.GELU, AdaptersSection.RELU)) {
            BottleneckAdapters adapters = BottleneckAdapters.apply(TinyModel.create(5),
                    new AdaptersSection(M, List.of(AdaptersSection.FEED_FORWARD), List.of(0), activation, false, 0.1));
            BottleneckAdapter adapter = adapters.adapters().get(LAYER + "0.adapter_ffn");
            try (NoGradGuard noGrad = new NoGradGuard()) {
                torch.normal_(adapter.up.weight, 0.0, 0.1);
                torch.normal_(adapter.up.bias, 0.0, 0.1);
                Tensor h = torch.randn(2, 3, D);
                Tensor inner = h.matmul(adapter.down.weight.t()).add(adapter.down.bias);
                inner = activation.equals(AdaptersSection.RELU) ? inner.clamp_min(new Scalar(0.0)) : torch.gelu(inner);
                Tensor expected = h.add(inner.matmul(adapter.up.weight.t()).add(adapter.up.bias));
                assertTrue(TinyModel.maxDiff(expected, adapter.forward(h)) <= 1e-6, activation);
            }
        }
    }

    @Test
    void branchHooksTransformEachBranchBeforeTheResidualAdd() {
        MusicgenForConditionalGeneration model = TinyModel.create(6);
        MusicgenDecoderLayer layer = model.decoder.model.decoder.layers.get(0);
        Conditioning conditioning = condition(model);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor x = torch.randn(2, 10, D);
            Tensor plain = layer.forward(x, conditioning.states(), conditioning.attentionMask());

            for (Branch branch : Branch.values()) {
                layer.setBranchHook(branch, t -> t.mul(new Scalar(0.0)));
            }
            assertTrue(torch.equal(x, layer.forward(x, conditioning.states(), conditioning.attentionMask())),
                    "with every branch zeroed the layer is the identity");

            layer.setBranchHook(Branch.SELF_ATTENTION, null);
            Tensor selfOnly = layer.forward(x, conditioning.states(), conditioning.attentionMask());
            assertFalse(torch.equal(x, selfOnly));
            for (Branch branch : Branch.values()) {
                layer.setBranchHook(branch, null);
            }
            assertTrue(torch.equal(plain, layer.forward(x, conditioning.states(), conditioning.attentionMask())),
                    "removing the hooks restores the layer");
        }
    }

    @Test
    void removeGivesBackTheBaseModel() {
        MusicgenForConditionalGeneration model = TinyModel.create(9);
        Tensor ids = TinyModel.ids(15);
        Tensor base = TinyModel.logits(model, ids);
        Set<String> baseNames = StateDict.of(model).keySet();
        BottleneckAdapters adapters = BottleneckAdapters.apply(model, everything());
        train(model, adapters, 2);
        assertTrue(TinyModel.maxDiff(base, TinyModel.logits(model, ids)) > 1e-4, "trained adapters change the logits");

        adapters.remove();
        adapters.remove(); // idempotent

        assertEquals(baseNames, StateDict.of(model).keySet());
        assertTrue(torch.equal(base, TinyModel.logits(model, ids)));
        // The model can be adapted again.
        assertEquals(DECODER_LAYERS * 3 + 1, BottleneckAdapters.apply(model, everything()).adapters().size());
    }

    @Test
    void applyingTwiceIsRefused() {
        MusicgenForConditionalGeneration model = TinyModel.create(10);
        BottleneckAdapters.apply(model, AdaptersSection.defaults());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BottleneckAdapters.apply(model, config(List.of(AdaptersSection.CROSS_ATTENTION), null, false)));
        assertTrue(e.getMessage().contains("already has bottleneck adapters"), e.getMessage());
    }

    @Test
    void aTextAdapterOverLoraOnTheProjectionIsRefused() {
        MusicgenForConditionalGeneration model = TinyModel.create(10);
        Lora.apply(model, new LoraSection(4, 8.0, 0.0, "enc_to_dec_proj", null, false, LoraSection.KAIMING));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BottleneckAdapters.apply(model, config(List.of(), null, true)));
        assertTrue(e.getMessage().contains("enc_to_dec_proj.lora_A.weight"), e.getMessage());
    }

    @Test
    void layersBeyondTheDecoderFailNamingTheKey() {
        MusicgenForConditionalGeneration model = TinyModel.create(7);

        ConfigException e = assertThrows(ConfigException.class,
                () -> BottleneckAdapters.apply(model, config(ALL_POSITIONS, List.of(0, 2), false)));

        assertTrue(e.getMessage().contains("adapt.adapters.layers") && e.getMessage().contains("2 layers")
                && e.getMessage().contains("found 2"), e.getMessage());
        assertTrue(model.decoder.lm_heads.get(0).weight.requires_grad(), "nothing was frozen by the failed call");
    }

    @Test
    void anUnknownPositionFailsNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config(List.of("feed_forward", "output"), null, false));

        assertTrue(e.getMessage().contains("adapt.adapters.positions") && e.getMessage().contains("'output'"), e.getMessage());
    }

    @Test
    void adaptersSurviveGarbageCollectionWithoutAJavaReferenceToThem() {
        MusicgenForConditionalGeneration model = TinyModel.create(11);
        Tensor ids = TinyModel.ids(16);
        BottleneckAdapters adapters = BottleneckAdapters.apply(model, everything());
        train(model, adapters, 1);
        Tensor adapted = TinyModel.logits(model, ids);
        adapters = null;
        GcPressure.collect();

        model.train(true); // calls into every Java-made module, the adapters and their projections included
        model.train(false);
        model.to(torch.ScalarType.Double, false);
        model.to(torch.ScalarType.Float, false);

        assertTrue(TinyModel.maxDiff(adapted, TinyModel.logits(model, ids)) <= 1e-6);
    }

    @Test
    void applyInsideAPointerScopeIsRefused() {
        MusicgenForConditionalGeneration model = TinyModel.create(12);
        try (PointerScope scope = new PointerScope()) {
            assertThrows(IllegalStateException.class, () -> BottleneckAdapters.apply(model, AdaptersSection.defaults()));
        }
    }

    @Test
    void adaptersOfABf16ModelAreFloat32AndStartAsANoOp() {
        MusicgenForConditionalGeneration model = TinyModel.create(13);
        model.to(torch.ScalarType.BFloat16, false);
        Tensor ids = TinyModel.ids(17);
        Tensor before = TinyModel.logits(model, ids);

        BottleneckAdapters adapters = BottleneckAdapters.apply(model, everything());

        assertTrue(torch.equal(before, TinyModel.logits(model, ids)), "zero up projections are a no-op in bf16 too");
        for (Tensor t : adapters.trainable().values()) {
            assertEquals(torch.ScalarType.Float, t.scalar_type().intern(), "adapters train in fp32");
        }
        Tensor logits = TinyModel.forward(model, ids);
        assertEquals(torch.ScalarType.BFloat16, logits.scalar_type().intern());
        logits.to(torch.ScalarType.Float).mean().backward();
        assertTrue(adapters.trainable().entrySet().stream().filter(e -> e.getKey().contains(".up."))
                .allMatch(e -> e.getValue().grad().defined()), "gradients reach the fp32 adapters");
    }
}
