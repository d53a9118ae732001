package dev.retune.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * MusicGen's training loss: for each codebook, the mean cross-entropy over the positions whose label is a real frame
 * (neither the special token nor -100); the loss is the mean of those K means (audiocraft and transformers agree).
 */
public final class CodebookLoss {

    /** Label value that marks a position to ignore, as in PyTorch. */
    public static final long IGNORE = -100;

    /** The scalar loss and the per-codebook terms it averages, [K]. */
    public record Result(Tensor loss, Tensor perCodebook) {}

    /**
     * Labels split for the fused loss: {@code tokens} [B, K, S] with ignored positions set to 0 (a valid index),
     * {@code valid} [B, K, S] bool.
     */
    public record Targets(Tensor tokens, Tensor valid) {}

    private CodebookLoss() {}

    /** The positions that count (neither the special token nor -100) and their target tokens. */
    public static Targets targets(Tensor labels, long special) {
        Tensor valid = labels.ne(new Scalar(special)).logical_and(labels.ne(new Scalar(IGNORE)));
        return new Targets(labels.masked_fill(valid.logical_not(), new Scalar(0)).contiguous(), valid.contiguous());
    }

    /**
     * @param logits  [B, K, S, V]
     * @param labels  [B, K, S] delayed targets; the special token and -100 are ignored
     * @param special the special (pad) token id
     */
    public static Result compute(Tensor logits, Tensor labels, long special) {
        Shapes.requireDims("logits", logits, 4, "[B, K, S, V]");
        Shapes.requireDims("labels", labels, 3, "[B, K, S]");
        Tensor targets = labels.masked_fill(labels.eq(new Scalar(special)), new Scalar(IGNORE));
        long codebooks = logits.size(1);
        long vocab = logits.size(3);
        TensorVector terms = new TensorVector();
        for (long k = 0; k < codebooks; k++) {
            Tensor codebookLogits = logits.select(1, k).reshape(-1, vocab); // [B·S, V]
            Tensor codebookTargets = targets.select(1, k).reshape(-1); // [B·S]
            terms.push_back(torch.cross_entropy_loss(codebookLogits.to(torch.ScalarType.Float), codebookTargets,
                    new TensorOptional(), 1 /* mean */, IGNORE, 0.0));
        }
        Tensor perCodebook = torch.stack(terms); // [K]
        return new Result(perCodebook.mean(), perCodebook);
    }
}
