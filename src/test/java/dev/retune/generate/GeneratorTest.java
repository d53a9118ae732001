package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.model.KvCache;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation with the tiny preset on CPU. */
class GeneratorTest {

    private static final int FRAMES = 20;
    private static MusicgenForConditionalGeneration model;
    private static Tensor textIds;
    private static Tensor textMask;

    @BeforeAll
    static void tinyModel() {
        torch.manual_seed(11);
        model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", 120));
        model.train(false);
        textIds = torch.tensor(new long[] {5, 6, 7, 1, 8, 9, 1, 0}).reshape(2, 4);
        textMask = torch.tensor(new long[] {1, 1, 1, 1, 1, 1, 1, 0}).reshape(2, 4);
    }

    private static Tensor generate(SamplerOptions options, long seed, boolean useCache) {
        return Generator.generate(model, textIds, textMask, FRAMES, options, seed, useCache, ProgressListener.NONE).codes();
    }

    @Test
    void greedyWithTheCacheEqualsGreedyWithout() {
        for (double scale : new double[] {1.0, 3.0}) {
            Tensor cached = generate(Sampling.greedy(scale), 0, true);
            Tensor full = generate(Sampling.greedy(scale), 0, false);
            assertTrue(torch.equal(cached, full), "guidance " + scale + ": cached and full greedy differ");
        }
    }

    @Test
    void cachedSeveralStepsMatchTheFullForward() {
        try (NoGradGuard noGrad = new NoGradGuard(); KvCache cache = new KvCache(2, 12)) {
            Conditioning text = model.condition(textIds, textMask);
            Tensor ids = torch.randint(0, 256, new long[] {2, 4, 9});
            Tensor full = model.logits(ids, text); // [B, K, 9, V]
            Tensor first = model.decoder.forward(ids.narrow(2, 0, 6), 0, text.states(), text.attentionMask(), cache);
            Tensor rest = model.decoder.forward(ids.narrow(2, 6, 3), 6, text.states(), text.attentionMask(), cache);
            assertEquals(9, cache.length());
            assertTrue(torch.allclose(full.narrow(2, 0, 6), first, 1e-5, 1e-5, false));
            assertTrue(torch.allclose(full.narrow(2, 6, 3), rest, 1e-5, 1e-5, false));
        }
    }

    @Test
    void codesHaveTheRequestedShapeAndNoSpecialToken() {
        GeneratorResult result = Generator.generate(model, textIds, textMask, FRAMES, Sampling.DEFAULTS, 5, true,
                ProgressListener.NONE);
        Tensor codes = result.codes();
        assertEquals(List.of(2L, 4L, (long) FRAMES), List.of(codes.size(0), codes.size(1), codes.size(2)));
        assertTrue(codes.scalar_type().intern() == ScalarType.Long);
        assertTrue(codes.max().item_long() < 256);
        assertTrue(codes.min().item_long() >= 0);
        assertEquals(FRAMES + 3, result.steps());
    }

    @Test
    void theSeedDecidesTheCodes() {
        SamplerOptions options = Sampling.DEFAULTS;
        assertTrue(torch.equal(generate(options, 42, true), generate(options, 42, true)));
        assertFalse(torch.equal(generate(options, 42, true), generate(options, 43, true)));
    }

    @Test
    void topKOneIsGreedy() {
        assertTrue(torch.equal(generate(Sampling.of(1.0, 1, 0, 3.0), 9, true), generate(Sampling.greedy(3.0), 0, true)));
    }

    @Test
    void guidanceScaleOneIsConditionalOnlySampling() {
        SamplerOptions options = Sampling.of(1.0, 250, 0, 1.0);
        Tensor generated = generate(options, 17, false);
        assertTrue(torch.equal(generated, conditionalOnly(options, 17)));
    }

    @Test
    void progressIsReportedEveryStep() {
        List<Double> seen = new ArrayList<>();
        Generator.generate(model, textIds, textMask, 3, Sampling.greedy(1.0), 0, true, (step, steps) -> seen.add(step));
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), seen);
    }

    /** The definition, written out: full forward over the whole delayed sequence, conditional logits only. */
    private static Tensor conditionalOnly(SamplerOptions options, long seed) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Conditioning text = model.condition(textIds, textMask);
            Sampler sampler = new Sampler(options);
            int steps = FRAMES + 3;
            Tensor delayed = torch.full(new long[] {2, 4, steps + 1}, new Scalar(256)).to(ScalarType.Long);
            for (int s = 0; s < steps; s++) {
                Tensor logits = model.logits(delayed.narrow(2, 0, s + 1), text).select(2, s); // [B, K, V]
                Tensor tokens = sampler.sample(logits, seed, s);
                for (int k = 0; k < 4; k++) {
                    if (s < k || s >= FRAMES + k) {
                        tokens.select(1, k).fill_(new Scalar(256));
                    }
                }
                delayed.select(2, s + 1).copy_(tokens);
            }
            Tensor codes = torch.zeros(2, 4, FRAMES).to(ScalarType.Long);
            for (int k = 0; k < 4; k++) {
                codes.select(1, k).copy_(delayed.select(1, k).narrow(1, 1 + k, FRAMES));
            }
            return codes;
        }
    }
}
