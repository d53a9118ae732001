package dev.retune.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A scanned dataset folder: the tracks that passed every check and the problems of the rows that did not.
 * {@code rowsRead} counts the data rows of metadata.csv, usable or not; a malformed row (or the unreadable rest
 * after an unclosed quote) counts as one.
 */
public record DatasetIndex(Path dir, Path csv, List<Track> tracks, List<Problem> problems, int rowsRead) {

    public DatasetIndex {
        tracks = List.copyOf(tracks);
        problems = List.copyOf(problems);
    }

    public List<Track> train() {
        return ofSplit(Split.TRAIN);
    }

    public List<Track> valid() {
        return ofSplit(Split.VALID);
    }

    private List<Track> ofSplit(Split split) {
        return tracks.stream().filter(t -> t.split() == split).toList();
    }
}
