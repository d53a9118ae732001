package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentSamplerTest {

    private static final AudioFormat FORMAT = AudioFormat.MUSICGEN_MONO;

    @TempDir
    Path dir;

    @Test
    void sameSeedEpochAndIndexGiveTheSameSegment() {
        SegmentSampler sampler = sampler(List.of(source("a.flac", 12.0), source("b.flac", 7.0)), 4.0, 0.5, 42);
        SegmentSampler again = sampler(List.of(source("a.flac", 12.0), source("b.flac", 7.0)), 4.0, 0.5, 42);

        for (int index = 0; index < 20; index++) {
            assertEquals(sampler.place(3, index), again.place(3, index));
        }
        SegmentSampler.Segment first = sampler.read(1, 5);
        SegmentSampler.Segment second = again.read(1, 5);
        assertArrayEquals(first.audio().samples()[0], second.audio().samples()[0]);
        assertEquals(first.offsetSeconds(), second.offsetSeconds());
    }

    @Test
    void otherEpochsAndSeedsGiveOtherSegments() {
        List<SegmentSampler.Source> sources = List.of(source("a.flac", 30.0));
        SegmentSampler sampler = sampler(sources, 4.0, 0.5, 42);
        SegmentSampler otherSeed = sampler(sources, 4.0, 0.5, 43);

        assertNotEquals(sampler.place(0, 0).offsetSeconds(), sampler.place(1, 0).offsetSeconds());
        assertNotEquals(sampler.place(0, 0).offsetSeconds(), sampler.place(0, 1).offsetSeconds());
        assertNotEquals(sampler.place(0, 0).offsetSeconds(), otherSeed.place(0, 0).offsetSeconds());
    }

    @Test
    void atLeastMinSegmentRatioOfEverySegmentIsRealAudio() {
        double segment = 4.0;
        double ratio = 0.75;
        SegmentSampler sampler = sampler(List.of(source("a.flac", 5.0), source("b.flac", 9.0)), segment, ratio, 7);

        double largestOffsetOfA = 0;
        for (int index = 0; index < 2000; index++) {
            SegmentSampler.Placement p = sampler.place(0, index);
            double real = Math.min(segment, p.source().seconds() - p.offsetSeconds());
            assertTrue(real >= ratio * segment - 1e-9, "index " + index + ": only " + real + " s real");
            if (p.source().seconds() == 5.0) {
                largestOffsetOfA = Math.max(largestOffsetOfA, p.offsetSeconds());
            }
        }
        // Offsets cover the allowed range [0, 5 - 3] rather than clustering at 0.
        assertEquals(2.0, largestOffsetOfA, 0.05);
    }

    @Test
    void tracksArePickedInProportionToTheirDuration() {
        SegmentSampler sampler = sampler(List.of(source("short.flac", 3.0), source("long.flac", 9.0)), 2.0, 0.5, 1);

        int shortPicks = 0;
        for (int index = 0; index < 4000; index++) {
            if (sampler.place(0, index).source().seconds() == 3.0) {
                shortPicks++;
            }
        }
        assertEquals(0.25, shortPicks / 4000.0, 0.025);
    }

    @Test
    void shortTrackIsZeroPaddedAndReportsItsRealLength() {
        SegmentSampler sampler = sampler(List.of(source("short.flac", 2.0)), 4.0, 0.5, 3);

        SegmentSampler.Segment segment = sampler.read(0, 0);

        assertEquals(128_000, segment.audio().frames());
        assertEquals(0.0, segment.offsetSeconds());
        assertEquals(64_000, segment.realFrames(), 2);
        assertTrue(TestAudio.rms(segment.audio().samples()[0], 1_000, 60_000) > 0.1);
        assertEquals(0.0, TestAudio.rms(segment.audio().samples()[0], segment.realFrames(), 128_000));
    }

    @Test
    void segmentHoldsTheAudioAtItsOffset() {
        SegmentSampler.Source source = source("long.flac", 20.0);
        SegmentSampler sampler = sampler(List.of(source), 3.0, 1.0, 9);
        Audio full = AudioDecoder.decode(source.track().path(), FORMAT);

        SegmentSampler.Segment segment = sampler.read(2, 11);

        int from = (int) Math.round(segment.offsetSeconds() * FORMAT.sampleRate());
        assertEquals(96_000, segment.realFrames());
        assertTrue(TestAudio.maxAbsDifference(segment.audio().samples()[0], 0, full.samples()[0], from, 96_000) < 1e-5);
    }

    private SegmentSampler sampler(List<SegmentSampler.Source> sources, double segment, double ratio, long seed) {
        return new SegmentSampler(sources, FORMAT, segment, ratio, seed, true);
    }

    /** A real file of the given length (music-like content, so offsets are distinguishable). */
    private SegmentSampler.Source source(String name, double seconds) {
        Path file = dir.resolve(name);
        if (!file.toFile().exists()) {
            TestAudio.write(dir, name, AudioDecoderTest.chords(32_000, seconds));
        }
        Track track = new Track(2, name, file, "test " + name, Map.of(), Split.TRAIN);
        return new SegmentSampler.Source(track, seconds);
    }
}
