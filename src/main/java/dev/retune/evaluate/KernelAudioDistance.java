package dev.retune.evaluate;

import java.util.Arrays;
import java.util.HashSet;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * KAD (Chung et al. 2025): the unbiased estimate of the squared maximum mean discrepancy between two sets of frame
 * embeddings X (m frames, the evaluated set) and Y (n frames, the reference set), with the Gaussian kernel
 * k(x, y) = exp(−‖x − y‖² / (2σ²)):
 * <pre>
 *   KAD = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (n(n−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / (mn)
 * </pre>
 * σ is the median Euclidean distance between two distinct frames of the reference set (kadtk's rule, from the
 * reference so the score keeps its meaning when the evaluated set changes): over the first {@value #BANDWIDTH_FRAMES}
 * frames of its sample, the lower middle value when the count of pairs is even (as {@code torch.median}). Reported as
 * is, not scaled (kadtk prints 100 × this). Being unbiased, it is negative when the sets are closer than their own
 * sampling noise: two identical sets give a small negative number, not 0.
 *
 * <p>The cost is O((m + n)² D), so a set with more than {@code maxFrames} frames is represented by {@code maxFrames}
 * of them drawn without replacement (seeded). The kernel sums are kept per pair of clips, so resampled clips (a
 * bootstrap) and single clips are scored from them without touching the frames again.
 */
final class KernelAudioDistance {

    static final int BANDWIDTH_FRAMES = 2000;
    private static final int ROW_BLOCK = 1024;

    /** Frames drawn from a set: [frames, D] float64 values, and the clip each came from. */
    record Sample(double[] values, int[] clipOf, int clips, int dimension) {
        int frames() {
            return clipOf.length;
        }

        /** Frames drawn from each clip. */
        long[] perClip() {
            long[] counts = new long[clips];
            for (int clip : clipOf) {
                counts[clip]++;
            }
            return counts;
        }
    }

    private final double bandwidth;
    private final long[] framesA;
    private final long[] framesB;
    private final double[][] sumsAA;
    private final double[][] sumsBB;
    private final double[][] sumsAB;
    private final double referenceWithin;

    /** The kernel sums between samples {@code a} (evaluated) and {@code b} (reference), with b's bandwidth. */
    KernelAudioDistance(Sample a, Sample b) {
        this.bandwidth = medianDistance(b);
        double gamma = 1 / (2 * bandwidth * bandwidth);
        this.framesA = a.perClip();
        this.framesB = b.perClip();
        this.sumsAA = clipSums(a, a, gamma, true);
        this.sumsBB = clipSums(b, b, gamma, true);
        this.sumsAB = clipSums(a, b, gamma, false);
        this.referenceWithin = within(sumsBB, framesB, ones(framesB.length));
    }

    /** σ, the kernel's bandwidth. */
    double bandwidth() {
        return bandwidth;
    }

    /** KAD of the whole samples. */
    double distance() {
        return distance(ones(framesA.length), ones(framesB.length));
    }

    /**
     * KAD of clips drawn {@code weightsA[c]} and {@code weightsB[c]} times. In such a resample a frame never pairs
     * with its own copy (that pair would add k = 1 that no real pair of frames gives); it pairs with every other
     * frame, copies of its clip's other frames included.
     */
    double distance(int[] weightsA, int[] weightsB) {
        return within(sumsAA, framesA, weightsA) + within(sumsBB, framesB, weightsB)
                - 2 * across(weightsA, weightsB) / (frames(framesA, weightsA) * frames(framesB, weightsB));
    }

    /** KAD of clip {@code clip} of the evaluated set alone against the whole reference set; NaN below 2 sampled frames. */
    double clipDistance(int clip) {
        long m = framesA[clip];
        if (m < 2) {
            return Double.NaN;
        }
        double across = 0;
        long n = 0;
        for (int j = 0; j < framesB.length; j++) {
            across += sumsAB[clip][j];
            n += framesB[j];
        }
        return sumsAA[clip][clip] / (m * (m - 1.0)) + referenceWithin - 2 * across / ((double) m * n);
    }

    private static int[] ones(int clips) {
        int[] ones = new int[clips];
        Arrays.fill(ones, 1);
        return ones;
    }

    /** Σ k over ordered pairs of distinct frames of a resample, over the count of such pairs; NaN when there are none. */
    private static double within(double[][] sums, long[] frames, int[] weights) {
        double total = 0;
        double selfCopies = 0;
        for (int c = 0; c < weights.length; c++) {
            if (weights[c] == 0) {
                continue;
            }
            for (int e = 0; e < weights.length; e++) {
                total += (double) weights[c] * weights[e] * sums[c][e];
            }
            selfCopies += (double) weights[c] * (weights[c] - 1) * frames[c];
        }
        double n = frames(frames, weights);
        double pairs = n * (n - 1) - selfCopies;
        return pairs > 0 ? total / pairs : Double.NaN;
    }

    private double across(int[] weightsA, int[] weightsB) {
        double total = 0;
        for (int c = 0; c < weightsA.length; c++) {
            if (weightsA[c] == 0) {
                continue;
            }
            for (int e = 0; e < weightsB.length; e++) {
                total += (double) weightsA[c] * weightsB[e] * sumsAB[c][e];
            }
        }
        return total;
    }

    private static double frames(long[] frames, int[] weights) {
        double n = 0;
        for (int c = 0; c < weights.length; c++) {
            n += (double) weights[c] * frames[c];
        }
        return n;
    }

    /** {@code maxFrames} of the set's frames drawn without replacement by {@code seed} (all of them when fewer), in order. */
    static Sample sample(EmbeddingSet set, int maxFrames, long seed) {
        long total = set.frames();
        int count = (int) Math.min(total, maxFrames);
        long[] chosen = choose(total, count, seed);
        long[] offsets = set.offsets();
        int d = set.dimension();
        double[] values = new double[count * d];
        int[] clipOf = new int[count];
        for (int i = 0; i < count; i++) {
            int clip = EmbeddingSet.clipOf(offsets, chosen[i]);
            int row = (int) (chosen[i] - offsets[clip]);
            float[] source = set.clips().get(clip).values();
            for (int k = 0; k < d; k++) {
                values[i * d + k] = source[row * d + k];
            }
            clipOf[i] = clip;
        }
        return new Sample(values, clipOf, set.clips().size(), d);
    }

    /** {@code count} distinct numbers of [0, total), ascending: Floyd's sampling, by {@code seed}. */
    private static long[] choose(long total, int count, long seed) {
        if (count == total) {
            long[] all = new long[count];
            Arrays.setAll(all, i -> i);
            return all;
        }
        SplittableRandom random = new SplittableRandom(seed);
        HashSet<Long> picked = new HashSet<>();
        for (long j = total - count; j < total; j++) {
            long t = random.nextLong(j + 1);
            picked.add(picked.contains(t) ? j : t);
        }
        return picked.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The median distance between two distinct frames among the sample's first {@value #BANDWIDTH_FRAMES}. */
    static double medianDistance(Sample sample) {
        int n = Math.min(sample.frames(), BANDWIDTH_FRAMES);
        if (n < 2) {
            throw new IllegalArgumentException("a kernel bandwidth needs 2 reference frames, found " + n);
        }
        int d = sample.dimension();
        double[] values = sample.values();
        double[] distances = new double[n * (n - 1) / 2];
        int p = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double squared = 0;
                for (int k = 0; k < d; k++) {
                    double diff = values[i * d + k] - values[j * d + k];
                    squared += diff * diff;
                }
                distances[p++] = Math.sqrt(squared);
            }
        }
        Arrays.sort(distances);
        return distances[(distances.length - 1) / 2];
    }

    /**
     * Σ k(x, y) over the frames of each pair of clips [clips of x][clips of y], a block of rows at a time (memory
     * ROW_BLOCK × frames of y); with {@code same}, x and y are one sample and a frame's pair with itself is left out.
     */
    private static double[][] clipSums(Sample x, Sample y, double gamma, boolean same) {
        int d = x.dimension();
        try (PointerScope scope = new PointerScope()) {
            Tensor xs = HostTensors.of(x.values(), x.frames(), d);
            Tensor ys = HostTensors.of(y.values(), y.frames(), d);
            Tensor xNorms = xs.mul(xs).sum(1); // [m]
            Tensor yNorms = ys.mul(ys).sum(1); // [n]
            Tensor rowClips = torch.tensor(Arrays.stream(x.clipOf()).asLongStream().toArray());
            Tensor columnClips = torch.tensor(Arrays.stream(y.clipOf()).asLongStream().toArray());
            TensorOptions float64 = new TensorOptions(torch.ScalarType.Double);
            Tensor sums = torch.zeros(new long[] {x.clips(), y.clips()}, float64);
            for (int r0 = 0; r0 < x.frames(); r0 += ROW_BLOCK) {
                try (PointerScope block = new PointerScope()) {
                    int rows = Math.min(ROW_BLOCK, x.frames() - r0);
                    Tensor squared = xNorms.narrow(0, r0, rows).unsqueeze(1).add(yNorms.unsqueeze(0))
                            .sub(xs.narrow(0, r0, rows).mm(ys.t()).mul(new Scalar(2.0))); // [rows, n] ‖x − y‖²
                    Tensor kernel = squared.clamp_min(new Scalar(0.0)).mul(new Scalar(-gamma)).exp();
                    if (same) {
                        kernel.diagonal(r0, 0, 1).fill_(new Scalar(0.0));
                    }
                    Tensor byColumnClip = torch.zeros(new long[] {rows, y.clips()}, float64).index_add_(1, columnClips, kernel);
                    sums.index_add_(0, rowClips.narrow(0, r0, rows), byColumnClip);
                }
            }
            double[] flat = HostTensors.values(sums);
            double[][] result = new double[x.clips()][];
            for (int c = 0; c < x.clips(); c++) {
                result[c] = Arrays.copyOfRange(flat, c * y.clips(), (c + 1) * y.clips());
            }
            return result;
        }
    }
}
