package dev.retune.config;

import java.util.Collection;

/** "Did you mean" for config keys and enumerated values: the candidate with the smallest edit distance. */
final class Suggest {

    private Suggest() {}

    /** The candidate closest to {@code typed}, or null when none is close enough to be a plausible typo. */
    static String closest(String typed, Collection<?> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Object candidate : candidates) {
            int d = editDistance(typed, String.valueOf(candidate));
            if (d < bestDistance) {
                best = String.valueOf(candidate);
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, typed.length() / 2) ? best : null;
    }

    /** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
