package dev.retune.data;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One usable row of a dataset: {@code file} is the audio path as written in metadata.csv (for messages), {@code path}
 * the absolute, normalised file it names; {@code line} is where the row starts in the CSV.
 */
public record Track(int line, String file, Path path, String description, Map<String, String> metadata, Split split) {

    public Track {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
