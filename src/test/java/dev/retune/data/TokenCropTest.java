package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenCropTest {

    private static final short PAD = 2048;

    @Test
    void sameSeedEpochAndIndexGiveTheSameCrop() {
        TokenCache.Codes codes = ramp(4, 1_000);

        for (int index = 0; index < 20; index++) {
            TokenCrop.Crop first = TokenCrop.crop(codes, 150, 0.5, PAD, 42, 3, index);
            TokenCrop.Crop again = TokenCrop.crop(ramp(4, 1_000), 150, 0.5, PAD, 42, 3, index);
            assertEquals(first.startFrame(), again.startFrame());
            assertArrayEquals(first.codes(), again.codes());
        }
        int start = TokenCrop.startFrame(1_000, 150, 0.5, 42, 0, 0);
        assertNotEquals(start, TokenCrop.startFrame(1_000, 150, 0.5, 42, 1, 0), "another epoch");
        assertNotEquals(start, TokenCrop.startFrame(1_000, 150, 0.5, 42, 0, 1), "another index");
        assertNotEquals(start, TokenCrop.startFrame(1_000, 150, 0.5, 43, 0, 0), "another seed");
    }

    @Test
    void cropHoldsTheCodesAtItsStart() {
        TokenCache.Codes codes = ramp(4, 1_000);
        TokenCrop.Crop crop = TokenCrop.crop(codes, 150, 1.0, PAD, 7, 2, 11);

        assertEquals(4, crop.codebooks());
        assertEquals(150, crop.frames());
        assertEquals(150, crop.realFrames());
        assertTrue(crop.startFrame() > 0, "a random start, not the file's beginning");
        for (int k = 0; k < 4; k++) {
            for (int t = 0; t < 150; t++) {
                assertEquals(codes.get(k, crop.startFrame() + t), crop.get(k, t));
            }
        }
        TokenCrop.Crop first = TokenCrop.first(codes, 150, PAD);
        assertEquals(0, first.startFrame());
        assertEquals(codes.get(2, 0), first.get(2, 0));
    }

    @Test
    void atLeastMinSegmentRatioOfEveryCropIsReal() {
        int segment = 200;
        double ratio = 0.75;
        TokenCache.Codes codes = ramp(2, 250); // long enough for 150 real frames, shorter than 250 + 200

        for (int index = 0; index < 2_000; index++) {
            TokenCrop.Crop c = TokenCrop.crop(codes, segment, ratio, PAD, 5, 0, index);
            assertTrue(c.realFrames() >= ratio * segment, "index " + index + ": only " + c.realFrames() + " real");
            assertEquals(Math.min(segment, 250 - c.startFrame()), c.realFrames());
        }
    }

    @Test
    void startsCoverTheAllowedRange() {
        assertEquals(100, TokenCrop.maxStartFrame(250, 200, 0.75));
        assertEquals(0, TokenCrop.maxStartFrame(100, 200, 0.75));
        assertEquals(0, TokenCrop.maxStartFrame(0, 200, 0.75));
        assertEquals(249, TokenCrop.maxStartFrame(250, 200, 0.0), "at least one frame stays real");
        assertEquals(1_200, TokenCrop.maxStartFrame(2_400, 1_500, 0.8), "no rounding past 0.8 x 1500");

        boolean[] seen = new boolean[101];
        for (int index = 0; index < 2_000; index++) {
            int start = TokenCrop.startFrame(250, 200, 0.75, 9, 1, index);
            assertTrue(start >= 0 && start <= 100, "start " + start);
            seen[start] = true;
        }
        assertTrue(seen[0] && seen[100], "both ends of [0, 100] are reached");
        int distinct = 0;
        for (boolean s : seen) {
            distinct += s ? 1 : 0;
        }
        assertTrue(distinct > 95, distinct + " distinct starts of 101");
    }

    @Test
    void shortFileIsPaddedWithThePadToken() {
        TokenCache.Codes codes = ramp(4, 60);

        for (int index = 0; index < 50; index++) {
            TokenCrop.Crop c = TokenCrop.crop(codes, 150, 0.5, PAD, 3, 0, index);
            assertEquals(0, c.startFrame());
            assertEquals(60, c.realFrames());
            assertEquals(4 * 150, c.codes().length);
            for (int k = 0; k < 4; k++) {
                for (int t = 0; t < 150; t++) {
                    assertEquals(t < 60 ? codes.get(k, t) : PAD, c.get(k, t), "k " + k + ", t " + t);
                }
            }
        }
        TokenCrop.Crop empty = TokenCrop.crop(new TokenCache.Codes(new short[0], 4, 0), 150, 0.5, PAD, 3, 0, 0);
        assertEquals(0, empty.realFrames());
        assertEquals(PAD, empty.get(3, 149));
    }

    @Test
    void tracksArePickedInProportionToTheirFrames() {
        int[] frames = {150, 0, 450};
        int[] picks = new int[3];
        for (int index = 0; index < 4_000; index++) {
            picks[TokenCrop.pickTrack(frames, 1, 0, index)]++;
        }
        assertEquals(0, picks[1], "an empty track is never picked");
        assertEquals(0.25, picks[0] / 4_000.0, 0.025);
        assertEquals(TokenCrop.pickTrack(frames, 1, 2, 3), TokenCrop.pickTrack(frames, 1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> TokenCrop.pickTrack(new int[] {0, 0}, 1, 0, 0));
    }

    @Test
    void trackAndStartAreIndependentDraws() {
        // Both come from (seed, epoch, index); were they the same draw, the later track would always start late.
        int[] frames = {1_000, 1_000};
        long lateStartsOfTrack1 = 0;
        long picksOfTrack1 = 0;
        for (int index = 0; index < 4_000; index++) {
            if (TokenCrop.pickTrack(frames, 8, 0, index) == 1) {
                picksOfTrack1++;
                lateStartsOfTrack1 += TokenCrop.startFrame(1_000, 100, 1.0, 8, 0, index) > 450 ? 1 : 0;
            }
        }
        assertEquals(0.5, lateStartsOfTrack1 / (double) picksOfTrack1, 0.05);
    }

    @Test
    void rejectsBadArguments() {
        TokenCache.Codes codes = ramp(1, 5);
        assertThrows(IllegalArgumentException.class, () -> TokenCrop.crop(codes, 0, 0.5, PAD, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> TokenCrop.crop(codes, 10, 1.5, PAD, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> TokenCrop.first(codes, 10, 40_000));
        assertThrows(IllegalArgumentException.class, () -> TokenCrop.cropAt(codes, 6, 10, PAD));
    }

    /** Codes whose value encodes (k, t), so a misplaced frame shows. */
    private static TokenCache.Codes ramp(int codebooks, int frames) {
        short[] codes = new short[codebooks * frames];
        for (int k = 0; k < codebooks; k++) {
            for (int t = 0; t < frames; t++) {
                codes[k * frames + t] = (short) ((k * 7_919 + t) % 2048);
            }
        }
        return new TokenCache.Codes(codes, codebooks, frames);
    }
}
