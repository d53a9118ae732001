package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.Log;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class StatedMusicTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1} BPM, {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            120 bpm                                             | 120.0 | -
            groove at 90 BPM                                    | 90.0  | -
            90BPM drums                                         | 90.0  | -
            a slow 96 beats per minute ballad                   | 96.0  | -
            house, 124-bpm, four on the floor                   | 124.0 | -
            techno with a tempo 128                             | 128.0 | -
            tempo of 100, BPM: 100                              | 100.0 | -
            BPM=87.5                                            | 87.5  | -
            tempo 128 bpm                                       | 128.0 | -
            1200 bpm                                            | -     | -
            12 bpm                                              | -     | -
            120-130 bpm                                         | -     | -
            tempo 120 to 130                                    | -     | -
            120 bpm then 140 bpm                                | -     | -
            120 bpm 64 bars                                     | 120.0 | -
            1,200 bpm                                           | -     | -
            120 seconds of ambient                              | -     | -
            a tempo 4/4 groove at 92 bpm                        | 92.0  | -
            warm analog pad in A minor, slow attack, 70 bpm     | 70.0  | A minor
            warm analog pad in a minor, slow attack             | -     | A minor
            C# major                                            | -     | C# major
            Bb min arpeggio                                     | -     | Bb minor
            F sharp minor                                       | -     | F# minor
            F-sharp minor                                       | -     | F# minor
            Gb minor                                            | -     | F# minor
            D♭ major chords                                     | -     | C# major
            A♯ minor                                            | -     | Bb minor
            key: Eb                                             | -     | Eb
            in the key of d                                     | -     | D
            scale: G minor                                      | -     | G minor
            bass line in F#m                                    | -     | F# minor
            Am chords                                           | -     | A minor
            Cb major                                            | -     | B major
            E# minor                                            | -     | F minor
            retro synthwave lead over a wide pad, E minor, 110 bpm | 110.0 | E minor
            pad, A minor, 90 bpm                                | 90.0  | A minor
            a minor change to the mix                           | -     | -
            A minor change to the mix                           | -     | -
            A major upgrade                                     | -     | -
            a sharp attack                                      | -     | -
            B                                                   | -     | -
            plan B for the B side                               | -     | -
            I am here                                           | -     | -
            cmaj ambient                                        | -     | C major
            from C major to A minor                             | -     | -
            C major, C major again                              | -     | C major
            Ebony and ivory                                     | -     | -
            minor chords                                        | -     | -
            """)
    void textStatesTempoAndKey(String text, Double bpm, String key) {
        StatedMusic stated = StatedMusic.fromText(text);
        assertEquals(bpm, stated.bpm(), "tempo in: " + text);
        assertEquals(key, stated.key(), "key in: " + text);
    }

    @Test
    void demoColumnsState() {
        assertEquals(new StatedMusic(70.0, "A minor"), StatedMusic.fromColumns(Map.of("genre", "ambient", "bpm", "70", "key", "A minor"), "row"));
        assertEquals(new StatedMusic(150.0, null), StatedMusic.fromColumns(Map.of("bpm", "150", "key", ""), "row"));
        assertEquals(StatedMusic.NOTHING, StatedMusic.fromColumns(Map.of("genre", "techno"), "row"));
    }

    @Test
    void otherColumnConventionsState() {
        // Spotify's pitch class and mode numbers; a tonic with a separate mode; a scale column holding the whole key.
        assertEquals(new StatedMusic(null, "Eb minor"), StatedMusic.fromColumns(Map.of("key", "3", "mode", "0"), "row"));
        assertEquals(new StatedMusic(null, "C# major"), StatedMusic.fromColumns(Map.of("key", "1", "mode", "1"), "row"));
        assertEquals(StatedMusic.NOTHING, StatedMusic.fromColumns(Map.of("key", "-1", "mode", "1"), "row"));
        assertEquals(new StatedMusic(96.0, "F# minor"), StatedMusic.fromColumns(Map.of("tempo", "96 BPM", "key", "F#", "scale", "minor"), "row"));
        assertEquals(new StatedMusic(null, "D minor"), StatedMusic.fromColumns(Map.of("scale", "D minor"), "row"));
        assertEquals(new StatedMusic(null, "G"), StatedMusic.fromColumns(Map.of("key", "G"), "row"));
    }

    @Test
    void unreadableCellsAreWarnedAboutAndStateNothing() {
        List<String> warnings = new ArrayList<>();
        Map<String, String> row = new LinkedHashMap<>();
        row.put("bpm", "fast");
        row.put("key", "H minor");
        StatedMusic stated;
        try (Log.Route route = Log.routeTo(warnings::add)) {
            stated = StatedMusic.fromColumns(row, "data/metadata.csv line 4");
        }
        assertEquals(StatedMusic.NOTHING, stated);
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("data/metadata.csv line 4") && warnings.get(0).contains("'bpm' holds 'fast'"), warnings.get(0));
        assertTrue(warnings.get(1).contains("'key' holds 'H minor'"), warnings.get(1));
    }

    @Test
    void columnsComeFirstAndTextFillsIn() {
        StatedMusic columns = StatedMusic.fromColumns(Map.of("bpm", "124"), "row");
        StatedMusic text = StatedMusic.fromText("house groove in F minor, 120 bpm");
        assertEquals(new StatedMusic(124.0, "F minor"), columns.orElse(text));
    }
}
