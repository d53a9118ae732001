package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.TestAudio;
import dev.retune.train.StopRequestedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sets of clips through the analyser: spreads over the clips that define a metric, progress, stop, the report. */
class AudioEvaluationTest {

    @TempDir
    Path dir;

    @Test
    void aSpreadCountsOnlyTheDefinedValuesAndInterpolatesItsPercentiles() {
        AudioEvaluation.Spread spread = AudioEvaluation.spread(new double[] {3, Double.NaN, 1, 2});

        assertEquals(new AudioEvaluation.Spread(3, 2.0, 2.0, 1.2, 2.8), spread);
        assertNull(AudioEvaluation.spread(new double[] {Double.NaN}).mean());
    }

    @Test
    void setsAreMeasuredClipByClipAndAStopLeavesNoHalfReport() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("tones"));
        for (int i = 0; i < 3; i++) {
            TestAudio.write(folder, "tone" + i + ".wav", TestAudio.sine(220 * (i + 1), 32_000, 1.0, 1));
        }
        AudioEvaluation.ClipSet tones = AudioEvaluation.ClipSet.of("tones", folder);
        List<Double> progress = new ArrayList<>();

        List<AudioEvaluation.SetSummary> summaries = AudioEvaluation.run(List.of(tones), dir.resolve("report"),
                (done, total) -> progress.add(done / total), new AtomicBoolean());

        assertEquals(List.of(1 / 3.0, 2 / 3.0, 1.0), progress);
        AudioEvaluation.SetSummary summary = summaries.get(0);
        assertEquals(3, summary.clips());
        assertEquals(3.0, summary.seconds(), 1e-9);
        assertEquals(440.0, summary.metrics().get("spectral_centroid_hz").median(), 10, "the middle tone's centroid");
        assertNull(summary.agreement(), "plain files state nothing");
        assertEquals(4, Files.readAllLines(dir.resolve("report/clips.csv")).size());
        assertTrue(Files.exists(dir.resolve("report/lufs.png")));
        assertFalse(Files.exists(dir.resolve("report/tempo_bpm.png")), "steady tones have no tempo: no empty plot");

        AtomicBoolean stop = new AtomicBoolean();
        assertThrows(StopRequestedException.class, () -> AudioEvaluation.run(List.of(tones), dir.resolve("stopped"),
                (done, total) -> stop.set(done >= 2), stop));
        assertFalse(Files.exists(dir.resolve("stopped/clips.csv")), "a stopped evaluation writes no report");
        assertTrue(Files.isDirectory(dir.resolve("stopped")));
    }
}
