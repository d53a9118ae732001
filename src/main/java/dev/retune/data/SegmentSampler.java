package dev.retune.data;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cuts fixed-length training segments out of tracks, the way audiocraft's AudioDataset does: pick a track (weighted by
 * duration by default), pick a random start such that at least {@code minSegmentRatio} of the segment is real audio
 * (when the track is long enough), decode just that span, zero-pad to the segment length and report the real length.
 *
 * <p>Every choice is a pure function of (seed, epoch, index) (see {@link Seeds}), so a resumed run and a second
 * worker see the same segments.
 */
public final class SegmentSampler {

    /** A track and its decoded duration (from {@link DataChecker} or a duration cache). */
    public record Source(Track track, double seconds) {}

    /** Where segment (epoch, index) comes from. */
    public record Placement(Source source, double offsetSeconds) {}

    /** A segment of exactly the configured length; frames from {@code realFrames} on are zero padding. */
    public record Segment(Track track, Audio audio, int realFrames, double offsetSeconds) {}

    private final List<Source> sources;
    private final double[] cumulativeWeight;
    private final AudioFormat format;
    private final double segmentSeconds;
    private final double minSegmentRatio;
    private final long seed;

    public SegmentSampler(List<Source> sources, AudioFormat format, double segmentSeconds, double minSegmentRatio,
                          long seed, boolean weightByDuration) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no tracks to sample segments from");
        }
        if (!(segmentSeconds > 0) || !(minSegmentRatio >= 0 && minSegmentRatio <= 1)) {
            throw new IllegalArgumentException("segment_seconds must be > 0 and min_segment_ratio within [0, 1]");
        }
        this.sources = List.copyOf(sources);
        this.format = format;
        this.segmentSeconds = segmentSeconds;
        this.minSegmentRatio = minSegmentRatio;
        this.seed = seed;
        this.cumulativeWeight = new double[sources.size()];
        double total = 0;
        for (int i = 0; i < sources.size(); i++) {
            total += weightByDuration ? Math.max(sources.get(i).seconds(), 0) : 1;
            cumulativeWeight[i] = total;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("all tracks have zero duration");
        }
    }

    public int segmentFrames() {
        return (int) Math.round(segmentSeconds * format.sampleRate());
    }

    /** Which track and offset segment (epoch, index) uses; no decoding. */
    public Placement place(int epoch, long index) {
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, epoch, index));
        double pick = random.nextDouble() * cumulativeWeight[cumulativeWeight.length - 1];
        int i = Arrays.binarySearch(cumulativeWeight, pick);
        i = i >= 0 ? Math.min(i + 1, sources.size() - 1) : -i - 1;
        Source source = sources.get(i);
        double maxOffset = Math.max(0, source.seconds() - segmentSeconds * minSegmentRatio);
        return new Placement(source, random.nextDouble() * maxOffset);
    }

    /** Decodes segment (epoch, index), zero-padded to {@link #segmentFrames()}. */
    public Segment read(int epoch, long index) {
        Placement placement = place(epoch, index);
        Track track = placement.source().track();
        Audio audio = AudioDecoder.read(track.path(), format, placement.offsetSeconds(), segmentSeconds);
        int real = Math.min(audio.frames(), segmentFrames());
        return new Segment(track, audio.slice(0, segmentFrames()), real, placement.offsetSeconds());
    }
}
