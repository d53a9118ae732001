package dev.retune.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * MusicGen's codebook delay pattern: codebook k is shifted right by k steps, so at step s the model predicts codebook 0
 * of frame s, codebook 1 of frame s−1, and so on. The special token ({@code vocab_size}, which is also pad and BOS)
 * fills the triangles at both ends.
 *
 * <pre>
 *   frames T = 3, K = 3 (s = special):   delayed (labels)      inputs (shifted right, BOS first)
 *                                        a0 a1 a2 s  s         s  a0 a1 a2 s
 *                                        s  b0 b1 b2 s         s  s  b0 b1 b2
 *                                        s  s  c0 c1 c2        s  s  s  c0 c1
 * </pre>
 */
public final class DelayPattern {

    private final int codebooks;
    private final long special;

    public DelayPattern(int codebooks, long special) {
        this.codebooks = codebooks;
        this.special = special;
    }

    public long special() {
        return special;
    }

    /** codes [B, K, T] → delayed [B, K, T + K − 1]: delayed[k][s] = codes[k][s − k], special outside. */
    public Tensor delay(Tensor codes) {
        checkCodes(codes);
        long frames = codes.size(2);
        Tensor delayed = torch.full(new long[] {codes.size(0), codebooks, frames + codebooks - 1}, new Scalar(special),
                Tensors.options(torch.ScalarType.Long, codes.device()));
        for (int k = 0; k < codebooks; k++) {
            delayed.select(1, k).narrow(1, k, frames).copy_(codes.select(1, k));
        }
        return delayed;
    }

    /** The decoder's inputs for delayed targets [B, K, S]: BOS (= special) then the targets shifted right by one. */
    public Tensor inputs(Tensor delayed) {
        Tensor inputs = torch.full_like(delayed, new Scalar(special));
        long steps = delayed.size(2);
        inputs.narrow(2, 1, steps - 1).copy_(delayed.narrow(2, 0, steps - 1));
        return inputs;
    }

    /** [K, T + K − 1] true where a delayed position holds a real frame (the positions the loss counts). */
    public Tensor validMask(long frames) {
        Tensor mask = torch.zeros(new long[] {codebooks, frames + codebooks - 1},
                new TensorOptions(torch.ScalarType.Bool));
        for (int k = 0; k < codebooks; k++) {
            mask.select(0, k).narrow(0, k, frames).fill_(new Scalar(1));
        }
        return mask;
    }

    /** delayed [B, K, S] → codes [B, K, S − K + 1]: undoes {@link #delay}. */
    public Tensor revert(Tensor delayed) {
        long frames = delayed.size(2) - codebooks + 1;
        if (frames < 1) {
            throw new IllegalArgumentException("delayed sequence of " + delayed.size(2) + " steps is shorter than K = " + codebooks);
        }
        Tensor codes = torch.zeros(new long[] {delayed.size(0), codebooks, frames},
                Tensors.options(delayed.scalar_type(), delayed.device()));
        for (int k = 0; k < codebooks; k++) {
            codes.select(1, k).copy_(delayed.select(1, k).narrow(1, k, frames));
        }
        return codes;
    }

    /** transformers' {@code build_delay_pattern_mask} result: the prompt part of the ids and the full pattern. */
    public record PatternMask(Tensor ids, Tensor pattern) {}

    /**
     * transformers' {@code build_delay_pattern_mask}, for generation and for parity checks: ids [B·K, n] (first column
     * BOS) are delayed into a pattern [B·K, maxLength] holding the special token in both triangles, the delayed ids
     * where they reach, and -1 at the positions still to be generated. {@code ids} of the result is the pattern cut
     * before the first -1 of codebook 0.
     */
    public PatternMask buildPatternMask(Tensor ids, long maxLength) {
        Shapes.requireDims("ids", ids, 2, "[B·K, n]");
        long batch = ids.size(0) / codebooks;
        long n = ids.size(1);
        Tensor grouped = ids.reshape(batch, codebooks, n); // [B, K, n]
        Tensor pattern = torch.full(new long[] {batch, codebooks, maxLength}, new Scalar(-1), Tensors.options(torch.ScalarType.Long, ids.device()));
        if (maxLength < 2L * codebooks - 1) {
            return new PatternMask(ids, pattern.reshape(batch * codebooks, maxLength));
        }
        for (int k = 0; k < codebooks; k++) {
            long reach = Math.min(n, maxLength - k);
            pattern.select(1, k).narrow(1, k, reach).copy_(grouped.select(1, k).narrow(1, 0, reach));
        }
        Tensor ones = torch.ones(new long[] {codebooks, maxLength}, new TensorOptions(torch.ScalarType.Bool));
        Tensor triangles = torch.tril(ones, 0).logical_or(torch.triu(ones, maxLength - codebooks + 1)); // [K, L]
        pattern = pattern.masked_fill(triangles.to(ids.device(), torch.ScalarType.Bool), new Scalar(special));
        long firstOpen = n;
        Tensor open = pattern.select(1, 0).eq(new Scalar(-1)).nonzero(); // [?, 2]
        if (open.size(0) > 0) {
            firstOpen = open.select(1, 1).min().item_long();
        }
        Tensor prompt = pattern.narrow(2, 0, firstOpen).reshape(batch * codebooks, firstOpen);
        return new PatternMask(prompt, pattern.reshape(batch * codebooks, maxLength));
    }

    /** transformers' {@code apply_delay_pattern_mask}: ids where the pattern is -1, the pattern's value elsewhere. */
    public static Tensor applyPatternMask(Tensor ids, Tensor pattern) {
        Tensor mask = pattern.narrow(1, 0, ids.size(1));
        return torch.where(mask.eq(new Scalar(-1)), ids, mask);
    }

    private void checkCodes(Tensor codes) {
        Shapes.requireDims("codes", codes, 3, "[B, K, T]");
        if (codes.size(1) != codebooks) {
            throw new IllegalArgumentException("codes: expected K = " + codebooks + " codebooks, found " + codes.size(1));
        }
    }
}
