package dev.retune.evaluate;

import java.util.Arrays;

/**
 * Sample and block level statistics of a clip, streamed: clipping, silence, energy entropy and a noise-floor SNR.
 * Blocks are consecutive, non-overlapping 50 ms spans (a tail shorter than a block is left out); a block's power is
 * the mean square of its samples over all channels.
 *
 * <ul>
 *   <li>clipping ratio: the share of samples, over all channels, with |x| &gt;= 0.999 of full scale;
 *   <li>silence ratio: the share of blocks whose power is below -60 dBFS (RMS re a full-scale square wave);
 *   <li>energy entropy: pyAudioAnalysis's definition on the mono mix of each non-silent block: its 10 equal
 *       sub-blocks' energies as shares e_j of the block's energy, H = -sum_j e_j log2(e_j + 1e-8), in bits (0 for
 *       one burst, log2 10 = 3.32 for a steady sound), averaged over non-silent blocks;
 *   <li>SNR: 10 log10(mean block power / noise power), the noise power being the 10th percentile of block powers
 *       (floored at -120 dBFS), read from a 0.01 dB histogram so memory does not grow with the clip.
 * </ul>
 */
final class LevelStatistics {

    static final double BLOCK_SECONDS = 0.05;
    static final double CLIP_LEVEL = 0.999;
    static final double SILENCE_DBFS = -60;
    static final double NOISE_PERCENTILE = 0.10;
    static final int SUB_BLOCKS = 10;
    private static final double ENTROPY_EPSILON = 1e-8;
    private static final double FLOOR_DB = -120;
    private static final double CEILING_DB = 10;
    private static final double HISTOGRAM_DB = 0.01;

    private final int blockLength;
    private final int subLength;
    private final double silencePower = Math.pow(10, SILENCE_DBFS / 10);
    private final long[] histogram = new long[(int) Math.round((CEILING_DB - FLOOR_DB) / HISTOGRAM_DB) + 1];
    private final double[] subEnergy = new double[SUB_BLOCKS];
    private long samples;
    private long clipped;
    private int position;
    private double blockSquares;
    private long blocks;
    private long silentBlocks;
    private double powerSum;
    private double entropySum;

    LevelStatistics(int sampleRate) {
        this.blockLength = Math.max(SUB_BLOCKS, (int) Math.round(BLOCK_SECONDS * sampleRate));
        this.subLength = blockLength / SUB_BLOCKS;
    }

    /** Adds frames [0, frames) of {@code block[c][n]} and their mono mix {@code mono[n]}. */
    void add(float[][] block, float[] mono, int frames) {
        for (int n = 0; n < frames; n++) {
            for (float[] channel : block) {
                float x = channel[n];
                blockSquares += (double) x * x;
                if (Math.abs(x) >= CLIP_LEVEL) {
                    clipped++;
                }
            }
            int sub = position / subLength;
            if (sub < SUB_BLOCKS) {
                subEnergy[sub] += (double) mono[n] * mono[n];
            }
            if (++position == blockLength) {
                endBlock(block.length);
            }
        }
        samples += (long) frames * block.length;
    }

    private void endBlock(int channels) {
        double power = blockSquares / ((double) blockLength * channels);
        blocks++;
        powerSum += power;
        double db = power > 0 ? 10 * Math.log10(power) : FLOOR_DB;
        int bin = (int) Math.round((Math.max(FLOOR_DB, Math.min(CEILING_DB, db)) - FLOOR_DB) / HISTOGRAM_DB);
        histogram[bin]++;
        if (power < silencePower) {
            silentBlocks++;
        } else {
            entropySum += blockEntropy();
        }
        blockSquares = 0;
        position = 0;
        Arrays.fill(subEnergy, 0);
    }

    private double blockEntropy() {
        double total = 0;
        for (double e : subEnergy) {
            total += e;
        }
        double h = 0;
        for (double e : subEnergy) {
            double share = e / (total + ENTROPY_EPSILON);
            h -= share * Math.log(share + ENTROPY_EPSILON) / Math.log(2);
        }
        return h;
    }

    /** Null when no sample came. */
    Double clippingRatio() {
        return samples == 0 ? null : (double) clipped / samples;
    }

    /** Null when the clip is shorter than one block. */
    Double silenceRatio() {
        return blocks == 0 ? null : (double) silentBlocks / blocks;
    }

    /** Null when every block is silent. */
    Double energyEntropy() {
        long sounding = blocks - silentBlocks;
        return sounding == 0 ? null : entropySum / sounding;
    }

    /** Null when no block has any power. */
    Double snrDb() {
        if (blocks == 0 || powerSum <= 0) {
            return null;
        }
        long rank = (long) Math.ceil(NOISE_PERCENTILE * blocks);
        long seen = 0;
        int bin = 0;
        while (seen + histogram[bin] < rank) {
            seen += histogram[bin++];
        }
        double noiseDb = FLOOR_DB + bin * HISTOGRAM_DB;
        return 10 * Math.log10(powerSum / blocks) - noiseDb;
    }
}
