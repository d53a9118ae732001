package dev.retune.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * MusicGen's fixed position table: P[p] = concat(cos(p·f), sin(p·f)) with f_i = exp(−i·ln(10000)/(D/2 − 1)).
 * Computed, never loaded: checkpoints that store it (as {@code embed_positions.weights}) hold the same values.
 */
public final class SinusoidalPositions {

    private SinusoidalPositions() {}

    /** The first {@code positions} rows, [positions, dim], float32. */
    public static Tensor table(long positions, long dim) {
        long half = dim / 2;
        double step = Math.log(10_000) / (half - 1);
        Tensor frequencies = torch.exp(torch.arange(new Scalar(half)).to(torch.ScalarType.Float).mul(new Scalar(-step))); // [D/2]
        Tensor angles = torch.arange(new Scalar(positions)).to(torch.ScalarType.Float).unsqueeze(1).mul(frequencies.unsqueeze(0)); // [P, D/2]
        return torch.cat(new TensorVector(torch.cos(angles), torch.sin(angles)), 1); // [P, D]
    }
}
