package dev.retune.config;

import java.util.List;

/**
 * Section {@code data.text}: audiocraft-style merging of metadata columns into the description ("genre: x. bpm: y").
 * Off by default; applied to training rows only.
 *
 * @param mergeP   probability that metadata is joined to the description
 * @param replaceP probability that metadata replaces the description instead
 * @param dropFieldP probability that each metadata field is left out of the merged text
 * @param fields   metadata columns merged, in this order
 */
public record TextConfig(Double mergeP, Double replaceP, Double dropFieldP, List<String> fields) {

    public static final List<String> DEFAULT_FIELDS = List.of("genre", "moods", "keywords", "key", "bpm", "instrument");

    public TextConfig {
        mergeP = mergeP == null ? 0.0 : mergeP;
        replaceP = replaceP == null ? 0.0 : replaceP;
        dropFieldP = dropFieldP == null ? 0.0 : dropFieldP;
        fields = fields == null ? DEFAULT_FIELDS : Check.items("data.text.fields", fields, "a column name");

        Check.range("data.text.merge_p", mergeP, 0.0, 1.0);
        Check.range("data.text.replace_p", replaceP, 0.0, 1.0);
        Check.range("data.text.drop_field_p", dropFieldP, 0.0, 1.0);
    }

    public static TextConfig defaults() {
        return new TextConfig(null, null, null, null);
    }
}
