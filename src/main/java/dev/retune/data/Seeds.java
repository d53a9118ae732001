package dev.retune.data;

/**
 * Seeds for per-example random choices. Every choice in this package is drawn from a generator seeded by
 * (seed, epoch, index) alone, so an example comes out the same whatever order, thread or worker loads it, and a
 * resumed run sees what an uninterrupted one would have.
 */
final class Seeds {

    private Seeds() {}

    /** One well-spread seed per (seed, epoch, index); the finaliser is MurmurHash3's fmix64. */
    static long mix(long seed, long epoch, long index) {
        long h = fmix64(seed + 0x9E3779B97F4A7C15L);
        h = fmix64(h + epoch);
        return fmix64(h + index);
    }

    private static long fmix64(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
