package dev.retune.evaluate;

import dev.retune.train.BatchLoss;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One row (clip) of a scored batch on its own: per codebook its summed cross-entropy over its valid target tokens
 * (the loss function's per-codebook mean times the count) and that count.
 *
 * @param sums   [K] Σ −ln p(token), nats
 * @param tokens [K] valid target tokens
 */
record RowLoss(double[] sums, long[] tokens) {

    static RowLoss of(BatchLoss batchLoss, BatchLoss.Forward forward, int row) {
        double[] means = doubles(batchLoss.row(forward, row).perCodebook());
        Tensor counts = forward.targets().valid().narrow(0, row, 1).sum(new long[] {0, 2}, false, new ScalarTypeOptional(ScalarType.Long))
                .cpu().contiguous();
        long[] tokens = new long[(int) counts.numel()];
        counts.data_ptr_long().get(tokens);
        double[] sums = new double[means.length];
        for (int k = 0; k < means.length; k++) {
            sums[k] = tokens[k] == 0 ? 0 : means[k] * tokens[k]; // a codebook without tokens has a NaN mean
        }
        return new RowLoss(sums, tokens);
    }

    double sum() {
        double total = 0;
        for (double s : sums) {
            total += s;
        }
        return total;
    }

    long count() {
        long total = 0;
        for (long t : tokens) {
            total += t;
        }
        return total;
    }

    /** A host copy of a small tensor as doubles. */
    static double[] doubles(Tensor values) {
        Tensor host = values.detach().to(ScalarType.Double).cpu().contiguous();
        double[] read = new double[(int) host.numel()];
        host.data_ptr_double().get(read);
        return read;
    }
}
