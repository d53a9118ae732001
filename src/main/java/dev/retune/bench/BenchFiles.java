package dev.retune.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** What the benchmarks that write long files share: their labels, and removing what they wrote. */
final class BenchFiles {

    private BenchFiles() {}

    /** A length in minutes as a table shows it: "10", or "0.5". */
    static String minutes(double minutes) {
        return minutes == Math.rint(minutes) ? String.format(Locale.ROOT, "%.0f", minutes) : Double.toString(minutes);
    }

    /** Removes {@code root} and everything under it. */
    static void delete(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root + ": " + e.getMessage(), e);
        }
    }
}
