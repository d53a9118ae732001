package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
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

        GeneratorResult result = Generator.generate(model, textIds, textMask, prompt, 8, SamplerOptions.DEFAULTS, 3, true, ProgressListener.NONE);

        assertEquals(20, result.codes().size(2));
        assertTrue(torch.equal(prompt, result.codes().narrow(2, 0, 12)), "the prompt frames come back unchanged");
        assertTrue(result.codes().lt(new Scalar(256)).all().item_bool(), "no special token in the continuation");
    }

    @Test
    void theContinuationDependsOnThePrompt() {
        Tensor promptA = torch.randint(0, 256, new long[] {2, 4, 12});
        Tensor promptB = torch.randint(0, 256, new long[] {2, 4, 12});
        SamplerOptions greedy = SamplerOptions.greedy(3.0);

        Tensor a = Generator.generate(model, textIds, textMask, promptA, 8, greedy, 0, true, ProgressListener.NONE).codes();
        Tensor b = Generator.generate(model, textIds, textMask, promptB, 8, greedy, 0, true, ProgressListener.NONE).codes();

        assertFalse(torch.equal(a.narrow(2, 12, 8), b.narrow(2, 12, 8)));
    }

    @Test
    void windowsReachBeyondTheContext() {
        int context = model.config().decoder().maxPositionEmbeddings() - model.config().decoder().numCodebooks();
        int frames = context + 150;

        GeneratorResult result = Generator.generateWindowed(model, textIds, textMask, null, frames, SamplerOptions.DEFAULTS, 5,
                ProgressListener.NONE);

        assertEquals(frames, result.codes().size(2));
        assertTrue(result.codes().lt(new Scalar(256)).all().item_bool());
        assertTrue(result.codes().ge(new Scalar(0)).all().item_bool());
    }
}
