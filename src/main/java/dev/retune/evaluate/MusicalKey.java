package dev.retune.evaluate;

/**
 * A key as a pitch class and a mode, spelt as {@link KeyEstimator} writes keys (C C# D Eb E F F# G Ab A Bb B), so that
 * "F sharp minor", "Gb minor" and "F#m" are one key. A key stated without its mode ("key: Eb") has no mode and
 * agrees with either.
 *
 * @param tonic pitch class of the tonic, 0 = C .. 11 = B
 * @param major true for major, false for minor, null when the mode was not stated
 */
record MusicalKey(int tonic, Boolean major) {

    private static final int FIFTH = 7;
    /** The relative minor's tonic lies a minor third (9 semitones up) from its major's. */
    private static final int RELATIVE_MINOR = 9;

    MusicalKey {
        if (tonic < 0 || tonic > 11) {
            throw new IllegalArgumentException("expected a pitch class 0..11, found " + tonic);
        }
    }

    /**
     * @param letter     A to G, either case
     * @param accidental semitones added: 1 for a sharp, -1 for a flat, 0 for none
     */
    static MusicalKey of(char letter, int accidental, Boolean major) {
        int natural = switch (Character.toUpperCase(letter)) {
            case 'C' -> 0;
            case 'D' -> 2;
            case 'E' -> 4;
            case 'F' -> 5;
            case 'G' -> 7;
            case 'A' -> 9;
            case 'B' -> 11;
            default -> throw new IllegalArgumentException("not a note letter: " + letter);
        };
        return new MusicalKey(Math.floorMod(natural + accidental, 12), major);
    }

    /** "A minor", "Eb major", or the tonic alone ("Eb") when the mode was not stated. */
    String name() {
        return KeyEstimator.PITCH_CLASSES[tonic] + (major == null ? "" : major ? " major" : " minor");
    }

    /** Same tonic and, when this key states one, same mode. */
    boolean agreesExactly(MusicalKey estimated) {
        return estimated.tonic == tonic && (major == null || major.equals(estimated.major));
    }

    /**
     * Agrees exactly, or is a neighbour the estimator confuses a key with on short or sparse clips: the relative key
     * (the same notes: C major and A minor) or the key a fifth above or below in the same mode (one accidental apart:
     * C major and G or F major). A key without a mode stands for both of its modes' neighbours.
     */
    boolean agreesLeniently(MusicalKey estimated) {
        if (agreesExactly(estimated)) {
            return true;
        }
        for (boolean mode : new boolean[] {true, false}) {
            if (major != null && major != mode) {
                continue;
            }
            int relative = Math.floorMod(tonic + (mode ? RELATIVE_MINOR : -RELATIVE_MINOR), 12);
            boolean isRelative = estimated.major != mode && estimated.tonic == relative;
            int interval = Math.floorMod(estimated.tonic - tonic, 12);
            boolean isFifth = estimated.major == mode && (interval == FIFTH || interval == 12 - FIFTH);
            if (isRelative || isFifth) {
                return true;
            }
        }
        return false;
    }
}
