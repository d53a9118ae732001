package dev.retune.adapt;

import static dev.retune.adapt.TinyModel.D;
import static dev.retune.adapt.TinyModel.DECODER_LAYERS;
import static dev.retune.adapt.TinyModel.DECODER_TARGETS;
import static dev.retune.adapt.TinyModel.F;
import static dev.retune.adapt.TinyModel.K;
import static dev.retune.adapt.TinyModel.T5_D;
import static dev.retune.adapt.TinyModel.T5_F;
import static dev.retune.adapt.TinyModel.T5_LAYERS;
import static dev.retune.adapt.TinyModel.V;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import dev.retune.model.CodebookLoss;
import dev.retune.model.GcPressure;
import dev.retune.model.Linear;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** LoRA on the tiny preset, CPU, fp32. */
class LoraTest {

    private static LoraSection config(String targets) {
        return new LoraSection(4, 8.0, 0.0, targets, null, false, LoraSection.KAIMING);
    }

    @Test
    void findsEveryLinearOfTheModelWithItsPath() {
        MusicgenForConditionalGeneration model = TinyModel.create(1);

        Map<String, Linear> linears = LinearLocator.linears(model);

        // Decoder: 10 per layer; K heads; the text projection; T5: 6 per block.
        assertEquals(DECODER_LAYERS * 10 + K + 1 + T5_LAYERS * 6, linears.size(), linears.keySet().toString());
        assertTrue(linears.get("decoder.model.decoder.layers.1.encoder_attn.v_proj") == model.decoder.model.decoder.layers.get(1).encoder_attn.v_proj);
        assertTrue(linears.get("text_encoder.encoder.block.0.layer.0.SelfAttention.q") == model.text_encoder.encoder.block.get(0).attention.SelfAttention.q);
        assertTrue(linears.get("text_encoder.encoder.block.1.layer.1.DenseReluDense.wo") == model.text_encoder.encoder.block.get(1).feedForward.DenseReluDense.wo);
        assertTrue(linears.get("enc_to_dec_proj") == model.enc_to_dec_proj);
        assertTrue(linears.get("decoder.lm_heads.3") == model.decoder.lm_heads.get(3));
        // Each path is the state-dict name of the Linear's weight.
        Map<String, Tensor> state = StateDict.of(model);
        linears.forEach((path, linear) -> assertTrue(state.get(path + ".weight").is_same(linear.weight), path));
    }

    @Test
    void zeroBLeavesLogitsBitIdentical() {
        MusicgenForConditionalGeneration model = TinyModel.create(1);
        Tensor ids = TinyModel.ids(11);
        Tensor before = TinyModel.logits(model, ids);

        Lora lora = Lora.apply(model, new LoraSection(4, 8.0, 0.1, ".", null, false, LoraSection.KAIMING));
        Tensor after = TinyModel.logits(model, ids);

        assertEquals(37, lora.layers().size(), "every Linear, text encoder and heads included");
        assertTrue(torch.equal(before, after), "B = 0 must leave the logits bit-identical");
        for (LoraLayer layer : lora.layers()) {
            assertTrue(torch.equal(layer.b(), torch.zeros_like(layer.b())), layer.path() + ": B must start at zero");
            assertFalse(torch.equal(layer.a(), torch.zeros_like(layer.a())), layer.path() + ": A must be initialised");
        }
    }

    @Test
    void stateDictNamesAreThePeftNamesWithoutPrefix() {
        MusicgenForConditionalGeneration model = TinyModel.create(1);
        Lora lora = Lora.apply(model, config(DECODER_TARGETS));

        Map<String, Tensor> state = StateDict.of(model);
        Map<String, Tensor> trainable = lora.trainable();

        assertEquals(40, trainable.size());
        assertTrue(trainable.containsKey("decoder.model.decoder.layers.0.self_attn.q_proj.lora_A.weight"));
        assertTrue(trainable.containsKey("decoder.model.decoder.layers.1.fc2.lora_B.weight"));
        trainable.forEach((name, t) -> {
            assertTrue(state.containsKey(name), name + " must be in the model's state dict");
            assertTrue(state.get(name).is_same(t), name);
            assertTrue(t.requires_grad(), name);
        });
        assertEquals(List.of(4L, F), List.of(trainable.get("decoder.model.decoder.layers.0.fc2.lora_A.weight").size(0),
                trainable.get("decoder.model.decoder.layers.0.fc2.lora_A.weight").size(1)));
        assertEquals(List.of(F, 4L), List.of(trainable.get("decoder.model.decoder.layers.0.fc1.lora_B.weight").size(0),
                trainable.get("decoder.model.decoder.layers.0.fc1.lora_B.weight").size(1)));
    }

    @Test
    void trainableCountIsRankTimesInPlusOutOverMatchedLayers() {
        int r = 4;
        Lora decoder = Lora.apply(TinyModel.create(1), config(DECODER_TARGETS));
        // Per decoder layer: 8 attention projections D → D, fc1 D → F, fc2 F → D.
        assertEquals(DECODER_LAYERS * r * (8 * (D + D) + 2 * (D + F)), decoder.trainableParameters());

        Lora all = Lora.apply(TinyModel.create(1), config("."));
        long t5 = T5_LAYERS * r * (4 * (T5_D + T5_D) + 2 * (T5_D + T5_F));
        long heads = K * r * (D + V);
        long projection = r * (T5_D + D);
        assertEquals(decoder.trainableParameters() + t5 + heads + projection, all.trainableParameters());
        assertEquals(all.trainableParameters(), all.trainable().values().stream().mapToLong(Tensor::numel).sum());
    }

    @Test
    void mergedForwardEqualsUnmergedAndUnmergeRestoresTheBaseWeights() {
        MusicgenForConditionalGeneration model = TinyModel.create(2);
        Map<String, Tensor> base = TinyModel.snapshot(model);
        Tensor ids = TinyModel.ids(12);
        Lora lora = Lora.apply(model, config("."));
        TinyModel.randomize(lora, 5, 0.1);
        Tensor unmerged = TinyModel.logits(model, ids);
        assertTrue(TinyModel.maxDiff(unmerged, TinyModel.logits(TinyModel.create(2), ids)) > 1e-3, "random B must change the logits");

        lora.merge();
        Map<String, Tensor> mergedWeights = TinyModel.snapshot(model);
        lora.merge(); // idempotent
        Tensor merged = TinyModel.logits(model, ids);

        assertTrue(TinyModel.maxDiff(unmerged, merged) <= 1e-5, "merged vs unmerged: " + TinyModel.maxDiff(unmerged, merged));
        assertTrue(lora.layers().stream().allMatch(LoraLayer::merged));
        StateDict.of(model).forEach((name, t) -> assertTrue(torch.equal(mergedWeights.get(name), t), name + " changed on a second merge"));
        for (LoraLayer layer : lora.layers()) {
            assertFalse(torch.equal(base.get(layer.path() + ".weight"), layer.base().weight), layer.path() + " not merged");
        }

        lora.unmerge();
        lora.unmerge(); // idempotent
        for (Map.Entry<String, Tensor> entry : base.entrySet()) {
            Tensor now = StateDict.of(model).get(entry.getKey());
            assertTrue(TinyModel.maxDiff(entry.getValue(), now) <= 1e-6, entry.getKey() + " not restored: " + TinyModel.maxDiff(entry.getValue(), now));
        }
        assertTrue(TinyModel.maxDiff(unmerged, TinyModel.logits(model, ids)) <= 1e-5);
    }

    @Test
    void onlyLoraTrains() {
        MusicgenForConditionalGeneration model = TinyModel.create(3);
        Lora lora = Lora.apply(model, new LoraSection(4, 8.0, 0.1, ".", null, false, LoraSection.KAIMING));
        Map<String, Tensor> trainable = lora.trainable();
        Map<String, Tensor> before = TinyModel.snapshot(model);
        TensorVector params = new TensorVector();
        trainable.values().forEach(params::push_back);
        AdamW optimizer = new AdamW(params, new AdamWOptions(1e-2));
        Tensor ids = TinyModel.ids(13);
        Tensor labels = TinyModel.ids(14);
        long special = model.config().decoder().specialToken();

        model.train(true);
        for (int step = 0; step < 3; step++) {
            try (PointerScope scope = new PointerScope()) {
                optimizer.zero_grad(true);
                Tensor loss = CodebookLoss.compute(TinyModel.forward(model, ids), labels, special).loss();
                loss.backward();
                optimizer.step();
            }
        }

        Map<String, Tensor> after = StateDict.of(model);
        assertEquals(before.keySet(), after.keySet());
        for (Map.Entry<String, Tensor> entry : after.entrySet()) {
            String name = entry.getKey();
            Tensor t = entry.getValue();
            if (trainable.containsKey(name)) {
                assertFalse(torch.equal(before.get(name), t), name + " did not train");
                assertTrue(t.grad().defined(), name + " has no gradient");
            } else {
                assertTrue(torch.equal(before.get(name), t), name + " is frozen but changed");
                assertFalse(t.requires_grad(), name + " must not require grad");
                assertFalse(t.grad().defined(), name + " is frozen but has a gradient");
            }
        }
    }

    @Test
    void scaleIsAlphaOverRankOrOverSqrtRankWithRslora() {
        LoraSection plain = new LoraSection(16, 8.0, 0.0, "fc1", null, false, LoraSection.KAIMING);
        LoraSection rs = new LoraSection(16, 8.0, 0.0, "fc1", null, true, LoraSection.KAIMING);
        assertEquals(0.5, plain.scale(), 0.0);
        assertEquals(2.0, rs.scale(), 0.0);

        for (LoraSection config : List.of(plain, rs)) {
            MusicgenForConditionalGeneration model = TinyModel.create(4);
            Lora lora = Lora.apply(model, config);
            TinyModel.randomize(lora, 6, 0.1);
            LoraLayer layer = lora.layers().get(0);
            assertEquals(config.scale(), layer.scale(), 0.0);
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor x = torch.randn(3, D);
                Tensor expected = torch.linear(x, layer.base().weight, new TensorOptional())
                        .add(x.matmul(layer.a().t()).matmul(layer.b().t()).mul(new Scalar(config.scale())));
                Tensor actual = layer.base().forward(x);
                assertTrue(TinyModel.maxDiff(expected, actual) <= 1e-6, "y = x·Wᵀ + scale·x·Aᵀ·Bᵀ, rslora " + config.useRslora());
            }
        }
    }

    @Test
    void dropoutActsOnlyWhileTraining() {
        MusicgenForConditionalGeneration model = TinyModel.create(5);
        Lora lora = Lora.apply(model, new LoraSection(4, 8.0, 0.5, "layers\\.0\\.fc1", null, false, LoraSection.KAIMING));
        TinyModel.randomize(lora, 7, 0.1);
        Linear fc1 = lora.layers().get(0).base();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor x = torch.randn(4, D);
            model.train(false);
            assertTrue(torch.equal(fc1.forward(x), fc1.forward(x)), "no dropout in eval mode");
            model.train(true);
            assertFalse(torch.equal(fc1.forward(x), fc1.forward(x)), "dropout on the adapter input in training");
        }
    }

    @Test
    void initialisations() {
        Lora kaiming = Lora.apply(TinyModel.create(6), new LoraSection(4, 8.0, 0.0, "fc2", null, false, LoraSection.KAIMING));
        for (LoraLayer layer : kaiming.layers()) {
            double bound = 1 / Math.sqrt(layer.base().inFeatures());
            double max = layer.a().abs().max().item_double();
            assertTrue(max <= bound && max > 0.8 * bound, layer.path() + ": |A| max " + max + ", bound " + bound);
        }
        int r = 4;
        Lora gaussian = Lora.apply(TinyModel.create(6), new LoraSection(r, 8.0, 0.0, "fc2", null, false, LoraSection.GAUSSIAN));
        for (LoraLayer layer : gaussian.layers()) {
            double std = layer.a().std().item_double(); // 4 × 256 draws
            assertEquals(1.0 / r, std, 0.1 / r, layer.path() + ": A std");
            assertTrue(torch.equal(layer.b(), torch.zeros_like(layer.b())));
        }
    }

    @Test
    void layersRestrictToThoseDecoderLayers() {
        Lora lora = Lora.apply(TinyModel.create(7), new LoraSection(4, 8.0, 0.0, ".", List.of(1), false, LoraSection.KAIMING));

        Set<String> paths = new TreeSet<>();
        lora.layers().forEach(layer -> paths.add(layer.path()));
        assertEquals(10, paths.size(), paths.toString());
        assertTrue(paths.stream().allMatch(p -> p.startsWith("decoder.model.decoder.layers.1.")), paths.toString());

        ConfigException e = assertThrows(ConfigException.class, () -> Lora.apply(TinyModel.create(7),
                new LoraSection(4, 8.0, 0.0, ".", List.of(0, 2), false, LoraSection.KAIMING)));
        assertTrue(e.getMessage().contains("2 layers") && e.getMessage().contains("found 2"), e.getMessage());
    }

    @Test
    void aRegexMatchingNothingFailsListingPaths() {
        MusicgenForConditionalGeneration model = TinyModel.create(8);

        ConfigException e = assertThrows(ConfigException.class, () -> Lora.apply(model, config("q_proj_typo")));

        assertTrue(e.getMessage().contains("'q_proj_typo' matches no Linear"), e.getMessage());
        assertTrue(e.getMessage().contains("decoder.model.decoder.layers.0.self_attn.q_proj"), e.getMessage());
        assertTrue(e.getMessage().contains("text_encoder.encoder.block.0.layer.0.SelfAttention.q"), e.getMessage());
        assertFalse(e.getMessage().contains("layers.1."), "one example per kind of Linear: " + e.getMessage());
        // Nothing was frozen by the failed call.
        assertTrue(model.decoder.lm_heads.get(0).weight.requires_grad());
    }

    @Test
    void removeAfterUnmergeGivesBackTheBaseModel() {
        MusicgenForConditionalGeneration model = TinyModel.create(9);
        Tensor ids = TinyModel.ids(15);
        Tensor base = TinyModel.logits(model, ids);
        Set<String> baseNames = StateDict.of(model).keySet();
        Lora lora = Lora.apply(model, config(DECODER_TARGETS));
        TinyModel.randomize(lora, 8, 0.1);
        lora.merge();
        lora.unmerge();

        lora.remove();

        assertEquals(baseNames, StateDict.of(model).keySet());
        assertTrue(TinyModel.maxDiff(base, TinyModel.logits(model, ids)) <= 1e-5);
        assertThrows(IllegalStateException.class, lora::merge);
        // The model can be adapted again.
        assertEquals(20, Lora.apply(model, config(DECODER_TARGETS)).layers().size());
    }

    @Test
    void mergeThenRemoveKeepsTheAdaptedWeightsInAPlainModel() {
        MusicgenForConditionalGeneration model = TinyModel.create(9);
        Tensor ids = TinyModel.ids(15);
        Lora lora = Lora.apply(model, config(DECODER_TARGETS));
        TinyModel.randomize(lora, 8, 0.1);
        Tensor adapted = TinyModel.logits(model, ids);

        lora.merge();
        lora.remove();

        assertFalse(StateDict.of(model).keySet().stream().anyMatch(name -> name.contains("lora_")));
        assertTrue(TinyModel.maxDiff(adapted, TinyModel.logits(model, ids)) <= 1e-5);
    }

    @Test
    void applyingTwiceIsRefused() {
        MusicgenForConditionalGeneration model = TinyModel.create(10);
        Lora.apply(model, config(DECODER_TARGETS));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Lora.apply(model, config("fc1")));
        assertTrue(e.getMessage().contains("already has LoRA adapters"), e.getMessage());
    }

    @Test
    void adaptersSurviveGarbageCollectionWithoutAJavaReferenceToLora() {
        MusicgenForConditionalGeneration model = TinyModel.create(11);
        Tensor ids = TinyModel.ids(16);
        Lora lora = Lora.apply(model, config("."));
        TinyModel.randomize(lora, 9, 0.1);
        Tensor adapted = TinyModel.logits(model, ids);
        lora = null;
        GcPressure.collect();

        model.train(true); // calls into every Java-made module, lora_A / lora_B included
        model.train(false);
        model.to(torch.ScalarType.Double, false);
        model.to(torch.ScalarType.Float, false);

        assertTrue(TinyModel.maxDiff(adapted, TinyModel.logits(model, ids)) <= 1e-6);
    }

    @Test
    void applyInsideAPointerScopeIsRefused() {
        MusicgenForConditionalGeneration model = TinyModel.create(12);
        try (PointerScope scope = new PointerScope()) {
            assertThrows(IllegalStateException.class, () -> Lora.apply(model, config("fc1")));
        }
    }

    @Test
    void adaptersOfABf16ModelAreFloat32AndStartAsANoOp() {
        MusicgenForConditionalGeneration model = TinyModel.create(13);
        model.to(torch.ScalarType.BFloat16, false);
        Tensor ids = TinyModel.ids(17);
        Tensor before = TinyModel.logits(model, ids);

        Lora lora = Lora.apply(model, config(DECODER_TARGETS));

        assertTrue(torch.equal(before, TinyModel.logits(model, ids)), "B = 0 is a no-op in bf16 too");
        for (Tensor t : lora.trainable().values()) {
            assertEquals(torch.ScalarType.Float, t.scalar_type().intern(), "adapters train in fp32, as PEFT keeps them");
        }
        TinyModel.randomize(lora, 10, 0.1);
        Tensor logits = TinyModel.forward(model, ids);
        assertEquals(torch.ScalarType.BFloat16, logits.scalar_type().intern());
        logits.to(torch.ScalarType.Float).mean().backward();
        assertTrue(lora.trainable().values().stream().allMatch(t -> t.grad().defined()), "gradients reach the fp32 adapters");
        lora.merge();
        assertTrue(TinyModel.maxDiff(logits.detach(), TinyModel.logits(model, ids)) < 0.1, "merged into bf16 weights");
    }
}
