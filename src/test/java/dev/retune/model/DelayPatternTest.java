package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DelayPatternTest {

    private static final long S = 9; // special token
    private final DelayPattern pattern = new DelayPattern(3, S);

    /** codes [1, 3, 3]: codebook k holds 10k + t. */
    private static Tensor codes() {
        return torch.tensor(new long[] {0, 1, 2, 10, 11, 12, 20, 21, 22}).reshape(1, 3, 3);
    }

    @Test
    void delayShiftsCodebookKByKSteps() {
        Tensor delayed = pattern.delay(codes());

        assertArrayEquals(new long[] {
            0, 1, 2, S, S,
            S, 10, 11, 12, S,
            S, S, 20, 21, 22}, longs(delayed));
    }

    @Test
    void inputsAreTheTargetsShiftedRightAfterBos() {
        Tensor inputs = pattern.inputs(pattern.delay(codes()));

        assertArrayEquals(new long[] {
            S, 0, 1, 2, S,
            S, S, 10, 11, 12,
            S, S, S, 20, 21}, longs(inputs));
    }

    @Test
    void revertUndoesDelay() {
        Tensor random = torch.randint(0, 8, new long[] {2, 3, 7});

        assertArrayEquals(longs(random), longs(pattern.revert(pattern.delay(random))));
    }

    @Test
    void validMaskMarksExactlyTheRealFrames() {
        Tensor delayed = pattern.delay(codes());
        Tensor valid = pattern.validMask(3);

        assertArrayEquals(longs(delayed.squeeze(0).ne(new Scalar(S)).to(torch.ScalarType.Long)),
                longs(valid.to(torch.ScalarType.Long)));
        assertEquals(9, valid.sum().item_long());
    }

    @Test
    void trainingLayoutEqualsTransformersPatternWithBosDropped() {
        // transformers builds the training targets as build_delay_pattern_mask([BOS | codes], max_length = T + K)
        // with the first column dropped; ours must be the same tensor.
        Tensor withBos = torch.cat(new TensorVector(torch.full(new long[] {1, 3, 1}, new Scalar(S),
                new TensorOptions(torch.ScalarType.Long)), codes()), 2).reshape(3, 4);

        DelayPattern.PatternMask hf = pattern.buildPatternMask(withBos, 3 + 3);

        assertTrue(hf.pattern().ne(new Scalar(-1)).all().item_bool(), "no position left to generate");
        assertArrayEquals(longs(pattern.delay(codes())), longs(hf.pattern().narrow(1, 1, 5)));
    }

    private static long[] longs(Tensor t) {
        Tensor c = t.contiguous().to(torch.ScalarType.Long);
        long[] out = new long[(int) c.numel()];
        c.data_ptr_long().get(out);
        return out;
    }
}
