package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Continuing a code prompt, and generating past the model's context in windows. */
class PromptedGenerationTest {

    private static MusicgenForConditionalGeneration model;
    private static Tensor textIds;
    private static Tensor textMask;

    @BeforeAll
    static void tinyModel() {
        torch.manual_seed(21);
        model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", 120));
        model.train(false);
        textIds = torch.tensor(new long[] {5, 6, 7, 1, 9, 10, 1, 0}).reshape(2, 4);
        textMask = torch.tensor(new long[] {1, 1, 1, 1, 1, 1, 1, 0}).reshape(2, 4);
    }

    @Test
    void aPromptIsKeptVerbatimAndContinued() {
        Tensor prompt = torch.randint(0, 256, new long[] {2, 4, 12});

        GeneratorResult result = Generator.generate(model, textIds, textMask, prompt, 8, Sampling.DEFAULTS, 3, true, ProgressListener.NONE);

        assertEquals(20, result.codes().size(2));
        assertTrue(torch.equal(prompt, result.codes().narrow(2, 0, 12)), "the prompt frames come back unchanged");
        assertTrue(result.codes().lt(new Scalar(256)).all().item_bool(), "no special token in the continuation");
    }

    @Test
    void theContinuationDependsOnThePrompt() {
        Tensor promptA = torch.randint(0, 256, new long[] {2, 4, 12});
        Tensor promptB = torch.randint(0, 256, new long[] {2, 4, 12});
        SamplerOptions greedy = Sampling.greedy(3.0);

        Tensor a = Generator.generate(model, textIds, textMask, promptA, 8, greedy, 0, true, ProgressListener.NONE).codes();
        Tensor b = Generator.generate(model, textIds, textMask, promptB, 8, greedy, 0, true, ProgressListener.NONE).codes();

        assertFalse(torch.equal(a.narrow(2, 12, 8), b.narrow(2, 12, 8)));
    }

    @Test
    void windowsReachBeyondTheContextAndAreHandedOnAsTheyCome() {
        int window = Generator.window(model.config().decoder()); // 508 frames for tiny
        int keep = window * 2 / 5;
        int frames = window + 3 * (window - keep) + 10;
        List<Long> sizes = new ArrayList<>();
        List<Long> live = new ArrayList<>();

        Generator.generateWindowed(model, textIds, textMask, null, frames, Sampling.DEFAULTS, 5, ProgressListener.NONE, codes -> {
            sizes.add(codes.size(2));
            assertTrue(codes.lt(new Scalar(256)).all().item_bool());
            assertTrue(codes.ge(new Scalar(0)).all().item_bool());
            live.add(Pointer.totalCount());
        });

        assertEquals(List.of((long) window, (long) window - keep, (long) window - keep, (long) window - keep, 10L), sizes);
        // Only the next window's context outlives a window: the count of live native objects when a window is handed
        // on must not grow after the first two (the garbage collector can only lower it). When every window's codes
        // were kept and joined, it grew by the window's tensors each time.
        for (int w = 2; w < live.size(); w++) {
            assertTrue(live.get(w) <= live.get(1), "live JavaCPP objects as each window is handed on: " + live);
        }
    }

    @Test
    void aLongPromptIsContinuedFromItsLastFortyPercentOfAWindow() {
        int window = Generator.window(model.config().decoder());
        Tensor prompt = torch.randint(0, 256, new long[] {2, 4, window});

        Tensor codes = generateAll(model, textIds, textMask, prompt, 30, 3);

        assertEquals(window * 2 / 5 + 30, codes.size(2));
        assertTrue(torch.equal(prompt.narrow(2, window - window * 2 / 5, window * 2 / 5), codes.narrow(2, 0, window * 2 / 5)));
    }

    /** Every frame {@link Generator#generateWindowed} hands on, joined: [B, K, prompt frames used + frames]. */
    static Tensor generateAll(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask, Tensor prompt, int frames, long seed) {
        List<Tensor> parts = new ArrayList<>();
        Generator.generateWindowed(model, textIds, textMask, prompt, frames, Sampling.DEFAULTS, seed, ProgressListener.NONE, codes -> {
            Tensor copy = codes.clone();
            copy.retainReference(); // the generator frees what it hands on
            parts.add(copy);
        });
        return torch.cat(new TensorVector(parts.toArray(Tensor[]::new)), 2);
    }
}
