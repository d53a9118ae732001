package dev.retune.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One well-formed data row of metadata.csv. {@code line} is the 1-based line where the row starts (a quoted field
 * with newlines makes rows span several lines). Values are stripped of surrounding whitespace; {@code metadata} holds
 * every column other than the audio and text ones, keyed by lower-case column name, in header order.
 */
public record MetadataRow(int line, String audio, String description, Map<String, String> metadata) {

    public MetadataRow {
        // A copy keeps the header order (Map.copyOf would not) and stops later changes by the caller.
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
