package dev.retune.kernels;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based generator, so
 * the random number of (seed, step, row) is a pure function of those three — the same on the CPU and in the sampling
 * kernel, whatever the thread order. {@code native/include/retune_common.cuh} computes the same function.
 */
public final class Philox {

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {}

    /** The four 32-bit outputs for a 128-bit counter and a 64-bit key. */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** The sampler's uniform in [0, 1) for one row at one step: 24 random bits of the block's first word, exact in fp32. */
    public static float uniform(long seed, long step, int row) {
        int x0 = block(row, (int) step, (int) (step >>> 32), 0, (int) seed, (int) (seed >>> 32))[0];
        return (x0 >>> 8) * 0x1p-24f;
    }
}
