package dev.retune.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code retune data check} found: the usable tracks with their decoded lengths, every problem (sorted by CSV
 * line), and summary statistics computed from the usable tracks. Rows and problems are counted apart: every row read
 * is usable or skipped, and a skipped row has one problem or more.
 */
public record CheckReport(DatasetIndex index, List<CheckedTrack> usable, List<Problem> problems, double minSeconds) {

    /** A track that decoded cleanly, with what decoding it found. */
    public record CheckedTrack(Track track, AudioInfo info) {
        public double seconds() {
            return info.decodedSeconds();
        }
    }

    /** min / median / max of a list of values (zeros when empty). */
    public record Spread(double min, double median, double max) {
        static Spread of(List<Double> values) {
            if (values.isEmpty()) {
                return new Spread(0, 0, 0);
            }
            List<Double> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            return new Spread(sorted.get(0), median, sorted.get(n - 1));
        }
    }

    public CheckReport {
        usable = List.copyOf(usable);
        problems = problems.stream()
                .sorted((a, b) -> a.line() != b.line() ? Integer.compare(a.line(), b.line()) : a.kind().compareTo(b.kind()))
                .toList();
    }

    /** Data rows of metadata.csv, usable or not. */
    public int rows() {
        return index.rowsRead();
    }

    /** Rows left out of training, whatever their number of problems. */
    public int skipped() {
        return rows() - usable.size();
    }

    public double totalSeconds() {
        return usable.stream().mapToDouble(CheckedTrack::seconds).sum();
    }

    public double seconds(Split split) {
        return usable.stream().filter(t -> t.track().split() == split).mapToDouble(CheckedTrack::seconds).sum();
    }

    public long count(Split split) {
        return usable.stream().filter(t -> t.track().split() == split).count();
    }

    public Spread durations() {
        return Spread.of(usable.stream().map(CheckedTrack::seconds).toList());
    }

    /** Caption lengths in characters. */
    public Spread captionChars() {
        return Spread.of(usable.stream().map(t -> (double) t.track().description().length()).toList());
    }

    public Map<Integer, Long> sampleRates() {
        return histogram(usable.stream().map(t -> t.info().sampleRate()).toList());
    }

    public Map<Integer, Long> channelCounts() {
        return histogram(usable.stream().map(t -> t.info().channels()).toList());
    }

    public Map<String, Long> codecs() {
        return histogram(usable.stream().map(t -> t.info().codec()).toList());
    }

    public Map<String, Long> problemCounts() {
        return histogram(problems.stream().map(p -> p.kind().id()).toList());
    }

    private static <K extends Comparable<K>> Map<K, Long> histogram(List<K> keys) {
        Map<K, Long> counts = new TreeMap<>();
        keys.forEach(k -> counts.merge(k, 1L, Long::sum));
        return counts;
    }
}
