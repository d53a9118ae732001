package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void guidedLogitsAreSplitIntoConditionalAndNullHalves() {
        // Batch of 1 stacked as [cond; null]; uncond + (cond − uncond) · 3 = [3, −2, 0] → greedy token 0.
        Tensor cond = torch.tensor(new float[] {1, 2, 0}).reshape(1, 1, 3);
        Tensor uncond = torch.tensor(new float[] {0, 4, 0}).reshape(1, 1, 3);
        Tensor stacked = torch.cat(new TensorVector(cond, uncond), 0);
        assertEquals(0, new Sampler(Sampling.greedy(3.0)).sample(stacked, 1, 0).item_long());
        assertEquals(1, new Sampler(Sampling.greedy(1.0)).sample(cond, 1, 0).item_long());
    }

    @Test
    void theSeedAndStepFixTheTokens() {
        torch.manual_seed(2);
        Tensor logits = torch.randn(2, 4, 64);
        Sampler sampler = new Sampler(Sampling.of(1.0, 0, 0, 1.0));
        Tensor a = sampler.sample(logits, 3, 10);
        assertTrue(torch.equal(a, sampler.sample(logits, 3, 10)));
        assertArrayEquals(new long[] {2, 4}, a.sizes().vec().get());
    }

    @Test
    void optionsAreValidated() {
        assertThrows(InvalidRequestException.class, () -> Sampling.of(-1, 0, 0, 1));
        assertThrows(InvalidRequestException.class, () -> Sampling.of(1, -1, 0, 1));
        assertThrows(InvalidRequestException.class, () -> Sampling.of(1, 0, 1.5, 1));
        assertThrows(InvalidRequestException.class, () -> Sampling.of(1, 0, 0, 0));
    }
}
