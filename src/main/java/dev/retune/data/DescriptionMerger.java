package dev.retune.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Audiocraft-style text augmentation: sometimes the metadata (genre, bpm, ...) is written into the description, as in
 * "calm piano. genre: jazz. bpm: 90", and sometimes it replaces the description, so the model learns to follow both
 * free text and tag-like prompts.
 *
 * <p>Choices are a pure function of (seed, epoch, index): see {@link Seeds}.
 */
public final class DescriptionMerger {

    /**
     * @param mergeProbability chance that the metadata is used at all for an example
     * @param replaceProbability once merging, chance that the metadata text replaces the description instead of
     *     following it
     * @param dropFieldProbability chance that each field is left out, independently, when merging
     * @param fields metadata columns to use, in the order they are written; lower case, like the metadata keys
     */
    public record Options(double mergeProbability, double replaceProbability, double dropFieldProbability, List<String> fields) {

        public static final Options OFF = new Options(0, 0, 0, List.of());

        public Options {
            checkProbability("data.text.merge_p", mergeProbability);
            checkProbability("data.text.replace_p", replaceProbability);
            checkProbability("data.text.drop_field_p", dropFieldProbability);
            // MetadataCsv lower-cases column names, so "Genre" in a config must still find the genre column.
            fields = fields.stream().map(f -> f.strip().toLowerCase(Locale.ROOT)).toList();
            if (fields.contains("")) {
                throw new IllegalArgumentException("data.text.fields must not contain an empty name, found " + fields);
            }
        }

        private static void checkProbability(String key, double p) {
            // Written so that NaN fails too.
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(key + " must be in [0, 1], found " + p);
            }
        }
    }

    /** Leaves every description as it is; validation uses it so that scores are comparable between runs. */
    public static final DescriptionMerger OFF = new DescriptionMerger(Options.OFF, 0);

    private final Options options;
    private final long seed;

    public DescriptionMerger(Options options, long seed) {
        this.options = options;
        this.seed = seed;
    }

    public String text(Track track, long epoch, long index) {
        return text(track.description(), track.metadata(), epoch, index);
    }

    /** The text the model is trained on for example {@code index} in {@code epoch}. */
    public String text(String description, Map<String, String> metadata, long epoch, long index) {
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, epoch, index));
        if (random.nextDouble() >= options.mergeProbability()) {
            return description;
        }
        String metadataText = metadataText(metadata, random);
        if (metadataText.isEmpty()) {
            return description;
        }
        if (random.nextDouble() < options.replaceProbability() || description.isBlank()) {
            return metadataText;
        }
        String base = description.strip();
        // "Calm piano." joins as "Calm piano. genre: jazz", not "Calm piano.. genre: jazz".
        boolean closed = base.endsWith(".") || base.endsWith("!") || base.endsWith("?");
        return base + (closed ? " " : ". ") + metadataText;
    }

    /** "genre: jazz. bpm: 90": the configured fields that have a value, each kept unless dropped at random. */
    private String metadataText(Map<String, String> metadata, SplittableRandom random) {
        List<String> parts = new ArrayList<>();
        for (String field : options.fields()) {
            String value = metadata.getOrDefault(field, "").strip();
            if (!value.isEmpty() && random.nextDouble() >= options.dropFieldProbability()) {
                parts.add(field + ": " + value);
            }
        }
        return String.join(". ", parts);
    }
}
