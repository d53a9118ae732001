package dev.retune.experiment;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prompt set × measure heatmap is drawn from two prompt sets on, and not for one. */
class ExperimentHeatmapTest {

    @TempDir
    Path dir;

    @Test
    void threePromptSetsGiveAHeatmapAndOneGivesNone() throws Exception {
        List<ExperimentSample> samples = new ArrayList<>();
        String[] sets = {"joy", "sadness", "anger"};
        for (int set = 0; set < sets.length; set++) {
            for (int i = 0; i < 2; i++) {
                samples.add(new ExperimentSample(sets[set] + i, "tiny", "baseline", sets[set], 0, "p", i, 1, "a.wav", 1, "x",
                        Map.of("lufs", -20.0 + set + i, "tempo_bpm", 100.0 + 10 * set)));
            }
        }
        Files.createDirectories(dir.resolve("plots"));

        assertTrue(ExperimentHeatmap.write(dir, samples, List.of("lufs", "tempo_bpm")));
        assertTrue(ImageIO.read(dir.resolve(ExperimentHeatmap.FILE).toFile()).getWidth() > 0);
        Files.delete(dir.resolve(ExperimentHeatmap.FILE));
        assertFalse(ExperimentHeatmap.write(dir, samples.subList(0, 2), List.of("lufs", "tempo_bpm")));
        assertFalse(Files.exists(dir.resolve(ExperimentHeatmap.FILE)));
    }
}
