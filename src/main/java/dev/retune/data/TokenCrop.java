package dev.retune.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Cuts fixed-length training windows out of a whole file's cached codes: the token-space twin of
 * {@link SegmentSampler}. The start is random, but at least {@code minSegmentRatio} of the window is real when the
 * file is long enough (audiocraft's rule); frames past the file's end hold {@code padToken}.
 *
 * <p>Choices are pure functions of (seed, epoch, index) through {@code Seeds.mix}, drawn in SegmentSampler's order
 * from one generator: the first draw picks the track ({@link #pickTrack}), the second the start
 * ({@link #startFrame}), so the two are independent and a resumed run or another worker gets the same windows.
 */
public final class TokenCrop {

    /** A window {@code [K, frames]} in row-major order; frames from {@code realFrames} on are padding. */
    public record Crop(short[] codes, int codebooks, int frames, int realFrames, int startFrame) {

        public Crop {
            Objects.requireNonNull(codes, "codes");
            if ((long) codebooks * frames != codes.length || realFrames < 0 || realFrames > frames) {
                throw new IllegalArgumentException("expected " + codebooks + " x " + frames + " codes and 0 <= "
                        + "realFrames <= frames, found " + codes.length + " codes, realFrames " + realFrames);
            }
        }

        /** The code of codebook {@code k} at window frame {@code t}. */
        public short get(int k, int t) {
            Objects.checkIndex(k, codebooks);
            Objects.checkIndex(t, frames);
            return codes[k * frames + t];
        }
    }

    private TokenCrop() {}

    /** Window (epoch, index) of a whole file's codes: a random start by the min_segment_ratio rule. */
    public static Crop crop(TokenCache.Codes codes, int segmentFrames, double minSegmentRatio, int padToken,
                            long seed, int epoch, long index) {
        int start = startFrame(codes.frames(), segmentFrames, minSegmentRatio, seed, epoch, index);
        return cropAt(codes, start, segmentFrames, padToken);
    }

    /** The window at the start of the file (validation: no randomness). */
    public static Crop first(TokenCache.Codes codes, int segmentFrames, int padToken) {
        return cropAt(codes, 0, segmentFrames, padToken);
    }

    /**
     * The start frame of window (epoch, index) in a file of {@code fileFrames} frames, uniform over
     * [0, {@link #maxStartFrame}]: the generator's second draw.
     */
    public static int startFrame(int fileFrames, int segmentFrames, double minSegmentRatio, long seed, int epoch,
                                 long index) {
        int maxStart = maxStartFrame(fileFrames, segmentFrames, minSegmentRatio);
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, epoch, index));
        random.nextDouble(); // the first draw picks the track
        return (int) (random.nextDouble() * (maxStart + 1L));
    }

    /**
     * The largest start that leaves at least {@code ceil(minSegmentRatio * segmentFrames)} real frames (and always at
     * least one) in a file of {@code fileFrames} frames; 0 when the file is shorter than that.
     */
    public static int maxStartFrame(int fileFrames, int segmentFrames, double minSegmentRatio) {
        checkWindow(segmentFrames, minSegmentRatio);
        // The epsilon keeps e.g. 0.8 x 1500 from rounding up to 1201.
        int minRealFrames = Math.max(1, (int) Math.ceil(segmentFrames * minSegmentRatio - 1e-9));
        return Math.max(0, fileFrames - minRealFrames);
    }

    /** The window {@code [K, segmentFrames]} starting at {@code startFrame}, padToken past the file's end. */
    public static Crop cropAt(TokenCache.Codes codes, int startFrame, int segmentFrames, int padToken) {
        checkWindow(segmentFrames, 0);
        if (padToken < Short.MIN_VALUE || padToken > Short.MAX_VALUE) {
            throw new IllegalArgumentException("expected a padToken that fits int16, found " + padToken);
        }
        if (startFrame < 0 || startFrame > codes.frames()) {
            throw new IllegalArgumentException("expected a start frame within [0, " + codes.frames() + "], found "
                    + startFrame);
        }
        int k = codes.codebooks();
        int real = Math.min(segmentFrames, codes.frames() - startFrame);
        short[] window = new short[k * segmentFrames]; // [K, segmentFrames]
        for (int row = 0; row < k; row++) {
            int to = row * segmentFrames;
            System.arraycopy(codes.codes(), row * codes.frames() + startFrame, window, to, real);
            Arrays.fill(window, to + real, to + segmentFrames, (short) padToken);
        }
        return new Crop(window, k, segmentFrames, real, startFrame);
    }

    /**
     * Which track window (epoch, index) comes from, with probability proportional to its frame count (like
     * SegmentSampler's duration weighting): the generator's first draw. Tracks of zero frames are never picked.
     */
    public static int pickTrack(int[] frameCounts, long seed, int epoch, long index) {
        long total = 0;
        for (int frames : frameCounts) {
            if (frames < 0) {
                throw new IllegalArgumentException("expected frame counts >= 0, found " + frames);
            }
            total += frames;
        }
        if (total == 0) {
            throw new IllegalArgumentException("no frames to sample from: every track is empty");
        }
        long pick = (long) (new SplittableRandom(Seeds.mix(seed, epoch, index)).nextDouble() * total);
        long cumulative = 0;
        for (int i = 0; i < frameCounts.length; i++) {
            cumulative += frameCounts[i];
            if (pick < cumulative) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable: pick " + pick + " below total " + total);
    }

    private static void checkWindow(int segmentFrames, double minSegmentRatio) {
        if (segmentFrames <= 0) {
            throw new IllegalArgumentException("expected segmentFrames > 0, found " + segmentFrames);
        }
        if (!(minSegmentRatio >= 0 && minSegmentRatio <= 1)) {
            throw new IllegalArgumentException("min_segment_ratio must be within [0, 1], found " + minSegmentRatio);
        }
    }
}
