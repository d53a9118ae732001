package dev.retune.evaluate;

import dev.retune.Log;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tempo and key a prompt or a dataset row states, if any, read conservatively: a statement that could mean
 * something else is not one.
 *
 * <p>In text, a tempo is a number followed by a unit ("120 bpm", "90BPM", "96 beats per minute") or after a tempo word
 * ("tempo 128", "BPM: 140", "tempo of 100"), between {@link #MIN_BPM} and {@link #MAX_BPM}; a range ("120-130 bpm") is
 * none. A key is a letter A–G, an accidental (#, ♯, b, ♭, sharp, flat) and a mode (major, maj, minor, min, or "m"
 * right after a capital letter: "F#m"): "in A minor", "C# major", "Bb min", "F sharp minor". The mode may be left out
 * only after a key word ("key: Eb", "key of D", "scale: G"), and a lower-case "a" is a key only after a key word or
 * "in" ("in a minor"), so "a minor change" and "a sharp attack" are none. A capital "A" without an accidental must
 * end its clause ("pad, A minor, 90 bpm") unless written "Am", which keeps "A major upgrade" out. When the text
 * states two different tempos or keys, it states none.
 *
 * @param bpm the stated tempo, or null
 * @param key the stated key spelt as {@link KeyEstimator} spells keys ("A minor", "Eb major", or "Eb" without a mode),
 *            or null
 */
public record StatedMusic(Double bpm, String key) {

    static final double MIN_BPM = 30;
    static final double MAX_BPM = 300;

    /** Columns a dataset states a tempo in (lower case, as {@code Track.metadata} keys them). */
    static final String[] TEMPO_COLUMNS = {"bpm", "tempo", "tempo_bpm"};
    /** Columns holding a key: a full key ("A minor", "Am"), a tonic ("A"), or a pitch class 0..11 (-1: none). */
    static final String[] KEY_COLUMNS = {"key", "tonality"};
    /** Columns holding the mode of a key column's tonic (major/minor, maj/min, 1/0), or a full key when alone. */
    static final String[] MODE_COLUMNS = {"mode", "scale"};

    private static final String NUMBER = "(?<![\\d.,])(\\d{1,5}(?:\\.\\d+)?)(?!\\d|\\.\\d)";
    private static final Pattern BPM_AFTER_NUMBER = Pattern.compile(NUMBER
            + "\\s*-?\\s*(?i:bpm|b\\.p\\.m\\.?|beats\\s+per\\s+minute|beats/min)(?![\\p{L}])");
    /** "tempo 128", "tempo of 100", "BPM: 140"; "bpm 64" is not one ("120 bpm 64 bars"). */
    private static final Pattern BPM_AFTER_WORD = Pattern.compile(
            "(?i:\\btempo\\b\\s*(?:[:=~]|(?:of|is|at|around|about)\\b)?|\\bbpm\\b\\s*[:=])\\s*~?\\s*" + NUMBER);
    /** A number that ends a range ("120-130", "120 to 130") is part of it. */
    private static final Pattern RANGE_BEFORE = Pattern.compile("\\d\\s*(?:-|–|to)\\s*$");
    private static final Pattern RANGE_AFTER = Pattern.compile("^\\s*(?:-|–|to)\\s*\\d");

    private static final Pattern KEY = Pattern.compile("(?<![\\p{L}\\p{N}#♯♭])([A-Ga-g])"
            + "(#|♯|b|♭|\\s*-?\\s*(?i:sharp|flat)(?![\\p{L}]))?"
            + "(?:\\s*-?\\s*(?i:(major|maj|minor|min))(?![\\p{L}])|(m)(?![\\p{L}]))?"
            + "(?![\\p{L}\\p{N}#♯♭])");
    private static final Pattern KEY_WORD_BEFORE = Pattern.compile("(?i)\\b(?:key|scale|tonality)\\s*(?:[:=]\\s*|of\\s+|is\\s+|\\s)$");
    private static final Pattern IN_BEFORE = Pattern.compile("(?i)\\bin\\s+$");
    private static final Pattern CLAUSE_END = Pattern.compile("(?i)^\\s*(?:$|[,;.:!?)/|\\]]|key\\b|scale\\b|tonality\\b)");
    private static final Pattern CELL_BPM = Pattern.compile("(?i)^(\\d{1,5}(?:\\.\\d+)?)\\s*(?:bpm)?$");
    private static final Pattern CELL_PITCH_CLASS = Pattern.compile("^-?\\d{1,2}$");

    public static final StatedMusic NOTHING = new StatedMusic(null, null);

    /** Whether this states a tempo or a key. */
    public boolean statesSomething() {
        return bpm != null || key != null;
    }

    /** What {@code text} (a prompt, a description) states. */
    public static StatedMusic fromText(String text) {
        MusicalKey key = keyIn(text, false);
        return new StatedMusic(bpmIn(text), key == null ? null : key.name());
    }

    /**
     * What a dataset row's columns state ({@link #TEMPO_COLUMNS}, {@link #KEY_COLUMNS}, {@link #MODE_COLUMNS}); a
     * cell that cannot be read as its column's value is warned about, naming {@code where}, and states nothing.
     *
     * @param metadata column name in lower case → cell
     * @param where    the row, for warnings (e.g. "data/metadata.csv line 4")
     */
    public static StatedMusic fromColumns(Map<String, String> metadata, String where) {
        Double bpm = null;
        String tempoColumn = firstFilled(metadata, TEMPO_COLUMNS);
        if (tempoColumn != null) {
            bpm = cellBpm(metadata.get(tempoColumn).strip());
            if (bpm == null) {
                Log.warn(where + ": column '" + tempoColumn + "' holds '" + metadata.get(tempoColumn)
                        + "', not a tempo in BPM between " + (int) MIN_BPM + " and " + (int) MAX_BPM + "; its tempo is not compared");
            }
        }
        MusicalKey key = columnKey(metadata, where);
        return new StatedMusic(bpm, key == null ? null : key.name());
    }

    /** This statement with what it leaves out taken from {@code fallback}. */
    public StatedMusic orElse(StatedMusic fallback) {
        return new StatedMusic(bpm != null ? bpm : fallback.bpm, key != null ? key : fallback.key);
    }

    /** A key as {@link KeyEstimator} or a key cell writes it, or null when {@code name} is not one key. */
    static MusicalKey parseKey(String name) {
        return keyIn(name.strip(), true);
    }

    private static Double bpmIn(String text) {
        Set<Double> found = new LinkedHashSet<>();
        for (Pattern pattern : new Pattern[] {BPM_AFTER_NUMBER, BPM_AFTER_WORD}) {
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                double value = Double.parseDouble(m.group(1));
                boolean inRange = RANGE_BEFORE.matcher(text.substring(0, m.start(1))).find()
                        || RANGE_AFTER.matcher(text.substring(m.end(1))).find();
                if (!inRange && value >= MIN_BPM && value <= MAX_BPM) {
                    found.add(value);
                }
            }
        }
        return found.size() == 1 ? found.iterator().next() : null;
    }

    /**
     * The one key {@code text} states, or null for none or several different ones.
     *
     * @param whole the text is a key and nothing else (a cell, an estimate): read it as if after a key word
     */
    private static MusicalKey keyIn(String text, boolean whole) {
        Set<MusicalKey> found = new LinkedHashSet<>();
        Matcher m = KEY.matcher(text);
        while (m.find()) {
            if (whole && (m.start() != 0 || m.end() != text.length())) {
                return null;
            }
            MusicalKey key = accepted(m, text, whole);
            if (key != null) {
                found.add(key);
            }
        }
        return found.size() == 1 ? found.iterator().next() : null;
    }

    /** The key a match of {@link #KEY} names, or null when the context says it is not a key. */
    private static MusicalKey accepted(Matcher m, String text, boolean whole) {
        char letter = m.group(1).charAt(0);
        String accidental = m.group(2) == null ? "" : m.group(2).strip().toLowerCase(Locale.ROOT);
        String mode = m.group(3) != null ? m.group(3).toLowerCase(Locale.ROOT) : m.group(4);
        String before = text.substring(0, m.start());
        boolean afterKeyWord = whole || KEY_WORD_BEFORE.matcher(before).find();
        if (mode == null && !afterKeyWord) {
            return null; // "B" alone, "a sharp attack"
        }
        if ("m".equals(mode) && Character.isLowerCase(letter)) {
            return null; // "am", "em": words, not Am or Em
        }
        if (accidental.isEmpty() && !afterKeyWord && !"m".equals(mode)) {
            if (letter == 'a' && !IN_BEFORE.matcher(before).find()) {
                return null; // "a minor change"
            }
            if (letter == 'A' && !IN_BEFORE.matcher(before).find() && !CLAUSE_END.matcher(text.substring(m.end())).find()) {
                return null; // "A major upgrade"
            }
        }
        int semitones = accidental.isEmpty() ? 0 : accidental.equals("#") || accidental.equals("♯") || accidental.endsWith("sharp") ? 1 : -1;
        Boolean major = mode == null ? null : mode.startsWith("maj");
        return MusicalKey.of(letter, semitones, major);
    }

    private static MusicalKey columnKey(Map<String, String> metadata, String where) {
        String keyColumn = firstFilled(metadata, KEY_COLUMNS);
        String modeColumn = firstFilled(metadata, MODE_COLUMNS);
        if (keyColumn == null) {
            // A lone scale or mode column may hold the whole key ("A minor"); a bare "minor" states no key.
            return modeColumn == null || cellMode(metadata.get(modeColumn)) != null ? null
                    : readCell(modeColumn, metadata.get(modeColumn), where);
        }
        MusicalKey key = readCell(keyColumn, metadata.get(keyColumn), where);
        if (key == null || key.major() != null || modeColumn == null) {
            return key;
        }
        Boolean major = cellMode(metadata.get(modeColumn));
        if (major == null) {
            Log.warn(where + ": column '" + modeColumn + "' holds '" + metadata.get(modeColumn)
                    + "', not major or minor; the key is compared by its tonic only");
        }
        return new MusicalKey(key.tonic(), major);
    }

    /** A key cell: a key or tonic, or a pitch class number (Spotify's convention, -1 for none). */
    private static MusicalKey readCell(String column, String cell, String where) {
        String value = cell.strip();
        if (CELL_PITCH_CLASS.matcher(value).matches()) {
            int pitchClass = Integer.parseInt(value);
            if (pitchClass == -1) {
                return null;
            }
            if (pitchClass >= 0 && pitchClass <= 11) {
                return new MusicalKey(pitchClass, null);
            }
        }
        MusicalKey key = parseKey(value);
        if (key == null) {
            Log.warn(where + ": column '" + column + "' holds '" + cell + "', not a key such as 'A minor', 'F#m' or 'Eb';"
                    + " its key is not compared");
        }
        return key;
    }

    /** major/maj/1 → true, minor/min/0 → false, anything else null. */
    private static Boolean cellMode(String cell) {
        return switch (cell.strip().toLowerCase(Locale.ROOT)) {
            case "major", "maj", "1" -> true;
            case "minor", "min", "0" -> false;
            default -> null;
        };
    }

    private static Double cellBpm(String cell) {
        Matcher m = CELL_BPM.matcher(cell);
        if (!m.matches()) {
            return null;
        }
        double value = Double.parseDouble(m.group(1));
        return value >= MIN_BPM && value <= MAX_BPM ? value : null;
    }

    /** The first of {@code columns} present with a non-blank cell, or null. */
    private static String firstFilled(Map<String, String> metadata, String[] columns) {
        for (String column : columns) {
            String cell = metadata.get(column);
            if (cell != null && !cell.isBlank()) {
                return column;
            }
        }
        return null;
    }
}
