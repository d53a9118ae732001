package dev.retune.generate;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Draws one token per (batch row, codebook) from logits [B, K, V].
 *
 * <p>Sampling happens in Java: the logits are copied to the CPU as float32 and each row is filtered (temperature,
 * then top-k, then top-p, as transformers orders them) and sampled with the caller's {@link SplittableRandom}, one
 * draw per row in (b, k) order. The same seed therefore gives the same tokens on any device and thread count, which a
 * device-side multinomial does not promise. Rows are at most B·K of V ≤ 2048 values, so this costs nothing next to the
 * decoder.
 */
public final class Sampler {

    private final SamplerOptions options;

    public Sampler(SamplerOptions options) {
        this.options = options;
    }

    /** Classifier-free guidance: uncond + (cond − uncond) · scale. */
    public static Tensor guide(Tensor cond, Tensor uncond, double scale) {
        return uncond.add(cond.sub(uncond).mul(new Scalar(scale)));
    }

    /**
     * @param logits [B, K, V]
     * @return tokens [B, K] (Long, on the logits' device)
     */
    public Tensor sample(Tensor logits, SplittableRandom random) {
        if (logits.dim() != 3) {
            throw new IllegalArgumentException("logits: expected [B, K, V], found " + logits.dim() + " dimensions");
        }
        int rows = (int) (logits.size(0) * logits.size(1));
        int vocab = (int) logits.size(2);
        Tensor host = logits.detach().cpu().to(ScalarType.Float).contiguous();
        float[] values = new float[rows * vocab];
        host.data_ptr_float().get(values);
        long[] tokens = new long[rows];
        float[] row = new float[vocab];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * vocab, row, 0, vocab);
            tokens[r] = sampleRow(row, random);
        }
        return torch.tensor(tokens).reshape(logits.size(0), logits.size(1)).to(logits.device(), ScalarType.Long);
    }

    /** One token from one row of logits [V]. */
    public int sampleRow(float[] logits, SplittableRandom random) {
        if (options.temperature() == 0 || options.topK() == 1) {
            return argmax(logits);
        }
        double[] probs = filteredProbabilities(logits);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cumulative += probs[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last; // rounding left u ≥ the total: the last kept token
    }

    /**
     * The distribution a row is sampled from: softmax(logits / temperature), cut to the top-k tokens, then to the
     * smallest most-likely set whose probability reaches top-p, renormalised. Needs temperature &gt; 0.
     */
    public double[] filteredProbabilities(float[] logits) {
        int vocab = logits.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a])); // most likely first, stable on ties
        int keep = options.topK() > 0 ? Math.min(options.topK(), vocab) : vocab;
        double max = logits[order[0]];
        double[] probs = new double[vocab];
        double total = 0;
        for (int j = 0; j < keep; j++) {
            int i = order[j];
            probs[i] = Math.exp((logits[i] - max) / options.temperature());
            total += probs[i];
        }
        if (options.topP() > 0 && options.topP() < 1) {
            double cumulative = 0;
            int kept = 0;
            while (kept < keep && cumulative < options.topP() * total) {
                cumulative += probs[order[kept]];
                kept++;
            }
            for (int j = kept; j < keep; j++) {
                probs[order[j]] = 0;
            }
            total = cumulative;
        }
        for (int i = 0; i < vocab; i++) {
            probs[i] /= total;
        }
        return probs;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
