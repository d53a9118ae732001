package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.TextConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DescriptionMergerTest {

    private static final List<String> FIELDS = TextConfig.DEFAULT_FIELDS;

    private static final String DESCRIPTION = "calm piano";
    private static final String FULL = "calm piano. genre: jazz. moods: calm, dreamy. key: C major. bpm: 90";

    /** Written in another order than the default fields, with an empty field and columns the merger must ignore. */
    private static final Map<String, String> METADATA = ordered(
            "bpm", "90", "artist", "someone", "key", "C major", "keywords", "", "moods", "calm, dreamy", "genre", "jazz");

    private static Map<String, String> ordered(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static DescriptionMerger merger(double merge, double replace, double drop) {
        return new DescriptionMerger(new DescriptionMerger.Options(merge, replace, drop, FIELDS), 42);
    }

    private static long count(DescriptionMerger merger, String expected) {
        return IntStream.range(0, 2000).filter(i -> merger.text(DESCRIPTION, METADATA, 0, i).equals(expected)).count();
    }

    @Test
    void offAndZeroProbabilityLeaveTheDescriptionAlone() {
        for (int i = 0; i < 200; i++) {
            assertEquals(DESCRIPTION, DescriptionMerger.OFF.text(DESCRIPTION, METADATA, 3, i));
            assertEquals(DESCRIPTION, merger(0, 1, 0).text(DESCRIPTION, METADATA, 3, i));
        }
    }

    @Test
    void certainMergeAppendsEveryNonEmptyFieldInConfiguredOrder() {
        for (int i = 0; i < 200; i++) {
            assertEquals(FULL, merger(1, 0, 0).text(DESCRIPTION, METADATA, 0, i));
        }
    }

    @Test
    void descriptionEndingInAPeriodGetsNoSecondOne() {
        assertEquals(FULL, merger(1, 0, 0).text("calm piano.", METADATA, 0, 0));
    }

    @Test
    void customFieldOrderIsFollowed() {
        DescriptionMerger merger = new DescriptionMerger(new DescriptionMerger.Options(1, 0, 0, List.of("BPM", "genre")), 1);

        assertEquals("calm piano. bpm: 90. genre: jazz", merger.text(DESCRIPTION, METADATA, 0, 0));
    }

    @Test
    void certainReplaceUsesOnlyTheMetadataText() {
        assertEquals("genre: jazz. moods: calm, dreamy. key: C major. bpm: 90",
                merger(1, 1, 0).text(DESCRIPTION, METADATA, 0, 5));
    }

    @Test
    void withoutMetadataTextNothingIsReplaced() {
        assertEquals(DESCRIPTION, merger(1, 1, 0).text(DESCRIPTION, Map.of("artist", "someone", "genre", " "), 0, 0));
    }

    @Test
    void sameSeedEpochAndIndexGiveTheSameText() {
        DescriptionMerger first = merger(0.5, 0.3, 0.4);
        DescriptionMerger second = merger(0.5, 0.3, 0.4);
        List<String> epoch0 = IntStream.range(0, 300).mapToObj(i -> first.text(DESCRIPTION, METADATA, 0, i)).toList();

        assertEquals(epoch0, IntStream.range(0, 300).mapToObj(i -> second.text(DESCRIPTION, METADATA, 0, i)).toList());
        assertNotEquals(epoch0, IntStream.range(0, 300).mapToObj(i -> first.text(DESCRIPTION, METADATA, 1, i)).toList());
        assertTrue(epoch0.size() > epoch0.stream().distinct().count(), "texts repeat across indices");
        assertTrue(epoch0.stream().distinct().count() > 5, "texts vary across indices");
    }

    @Test
    void differentSeedsGiveDifferentTexts() {
        DescriptionMerger.Options options = new DescriptionMerger.Options(0.5, 0, 0, FIELDS);
        DescriptionMerger a = new DescriptionMerger(options, 1);
        DescriptionMerger b = new DescriptionMerger(options, 2);

        assertNotEquals(IntStream.range(0, 100).mapToObj(i -> a.text(DESCRIPTION, METADATA, 0, i)).toList(),
                IntStream.range(0, 100).mapToObj(i -> b.text(DESCRIPTION, METADATA, 0, i)).toList());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.3, 0.7})
    void measuredMergeRateMatchesTheProbability(double p) {
        long unchanged = count(merger(p, 0, 0), DESCRIPTION);

        assertEquals(p, 1 - unchanged / 2000.0, 0.05);
    }

    @Test
    void measuredReplaceAndDropRatesMatchTheirProbabilities() {
        assertEquals(0.4, count(merger(1, 0.4, 0), "genre: jazz. moods: calm, dreamy. key: C major. bpm: 90") / 2000.0, 0.05);

        // With one field dropped half the time, each merge either shows it or leaves the description as it is.
        DescriptionMerger dropping = new DescriptionMerger(new DescriptionMerger.Options(1, 0, 0.5, List.of("genre")), 9);
        long kept = IntStream.range(0, 2000)
                .filter(i -> dropping.text(DESCRIPTION, METADATA, 0, i).equals("calm piano. genre: jazz")).count();
        assertEquals(0.5, kept / 2000.0, 0.05);
    }

    @Test
    void trackOverloadUsesTheTracksTextAndMetadata() {
        Track track = new Track(2, "a.wav", Path.of("/d/a.wav"), DESCRIPTION, METADATA, Split.TRAIN);

        assertEquals(FULL, merger(1, 0, 0).text(track, 0, 0));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.01, Double.NaN})
    void probabilitiesOutsideZeroToOneAreRefusedNamingTheKey(double p) {
        List<String> fields = FIELDS;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DescriptionMerger.Options(p, 0, 0, fields))
                .getMessage().contains("data.text.merge_p"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DescriptionMerger.Options(0, p, 0, fields))
                .getMessage().contains("data.text.replace_p"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DescriptionMerger.Options(0, 0, p, fields))
                .getMessage().contains("data.text.drop_field_p"));
    }
}
