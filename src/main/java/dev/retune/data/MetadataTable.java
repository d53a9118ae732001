package dev.retune.data;

import java.nio.file.Path;
import java.util.List;

/**
 * metadata.csv as read: the header names (stripped of surrounding spaces), which columns were taken for audio and
 * text, the well-formed rows, and one {@link Problem} per row that could not be read (those rows are not in
 * {@code rows}).
 */
public record MetadataTable(
        Path csv, List<String> header, String audioColumn, String textColumn, List<MetadataRow> rows, List<Problem> problems) {

    public MetadataTable {
        header = List.copyOf(header);
        rows = List.copyOf(rows);
        problems = List.copyOf(problems);
    }
}
