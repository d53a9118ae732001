package dev.retune.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Six clips of datasets/demo (4 train, 2 valid; ogg, opus and m4a) with their metadata rows: enough for end-to-end
 * training tests, small enough that encoding them stays quick.
 */
public final class DemoSubset {

    public static final List<String> FILES = List.of("chip_arpeggio.ogg", "dreamy_arpeggio.ogg", "funk_bass.ogg",
            "dnb_drums.opus", "saw_stabs.m4a", "cinematic_theme.ogg");

    private DemoSubset() {}

    /** Copies the subset into {@code target} and returns it. */
    public static Path copyTo(Path target) throws IOException {
        Path demo = Path.of("datasets/demo").toAbsolutePath();
        Files.createDirectories(target);
        List<String> lines = Files.readAllLines(demo.resolve("metadata.csv"));
        List<String> kept = new ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) {
            String file = line.substring(0, line.indexOf(','));
            if (FILES.contains(file)) {
                kept.add(line);
                Files.copy(demo.resolve(file), target.resolve(file));
            }
        }
        if (kept.size() != FILES.size() + 1) {
            throw new IllegalStateException("datasets/demo/metadata.csv lacks rows for some of " + FILES);
        }
        Files.write(target.resolve("metadata.csv"), kept);
        return target;
    }
}
