package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.retune.data.Audio;
import dev.retune.data.AudioEncoder;
import dev.retune.data.Dataset;
import dev.retune.data.DatasetIndex;
import dev.retune.data.DatasetOptions;
import dev.retune.data.Track;
import dev.retune.train.StopRequestedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataAgreementTest {

    private static final int RATE = 48_000;

    @TempDir
    Path dir;

    @Test
    void tempoAgreesWithin4PercentAndLenientlyUpToAnOctave() {
        assertTempo(120, 124.8, true, true);
        assertTempo(120, 115.2, true, true);
        assertTempo(120, 125.0, false, false); // 4.2% off
        assertTempo(120, 240.0, false, true);
        assertTempo(120, 61.0, false, true); // 1.7% off the half
        assertTempo(120, 180.0, false, false); // a dotted feel is not an octave
        assertTempo(70, 144.0, false, true);
    }

    @Test
    void keyAgreesExactlyOrAsRelativeOrFifth() {
        assertKey("A minor", "A minor", true, true);
        assertKey("A minor", "C major", false, true); // relative
        assertKey("A minor", "E minor", false, true); // a fifth up
        assertKey("A minor", "D minor", false, true); // a fifth down
        assertKey("A minor", "A major", false, false); // parallel
        assertKey("A minor", "E major", false, false); // the dominant's own mode differs
        assertKey("C major", "A minor", false, true);
        assertKey("Eb", "Eb minor", true, true); // no mode stated: the tonic decides
        assertKey("Eb", "C minor", false, true); // relative of Eb major
        assertKey("Eb", "F# major", false, true); // relative of Eb minor
        assertKey("Eb", "Bb major", false, true);
        assertKey("Eb", "D major", false, false);
    }

    @Test
    void sharesCountClipsStatingAndOnlyMeasureThose() {
        List<MetadataAgreement.Clip> clips = List.of(
                MetadataAgreement.Clip.fromPrompt(Path.of("a.wav"), "house, 124 bpm, F minor"),
                MetadataAgreement.Clip.fromPrompt(Path.of("b.wav"), "drone pad in D minor"),
                MetadataAgreement.Clip.fromPrompt(Path.of("c.wav"), "fast drums, 170 bpm"),
                MetadataAgreement.Clip.fromPrompt(Path.of("d.wav"), "something calm"));
        Map<Path, ClipMetrics> measures = Map.of(
                Path.of("a.wav"), metrics(125.0, "Ab major"),
                Path.of("b.wav"), metrics(null, null),
                Path.of("c.wav"), metrics(85.5, "C major"));
        List<Path> measured = new ArrayList<>();
        List<Double> progress = new ArrayList<>();
        MetadataAgreementResult result = MetadataAgreement.score(clips, file -> {
            measured.add(file);
            return measures.get(file);
        }, (done, total) -> progress.add(done), new AtomicBoolean());
        assertEquals(List.of(Path.of("a.wav"), Path.of("b.wav"), Path.of("c.wav")), measured);
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0), progress);
        assertEquals(4, result.clipsGiven());
        assertEquals(new MetadataAgreementResult.Agreement(2, 2, 1, 2, 0.5, 1.0), result.tempo());
        // b states D minor but has no estimate: it counts as not agreeing.
        assertEquals(new MetadataAgreementResult.Agreement(2, 1, 0, 1, 0.0, 0.5), result.key());
        assertEquals(3, result.clips().size());
        MetadataAgreementResult.Clip b = result.clips().get(1);
        assertEquals("D minor", b.statedKey());
        assertNull(b.estimatedKey());
        assertNull(b.keyAgreesExact());
        assertNull(b.statedBpm());
        assertNull(b.tempoAgreesExact());
    }

    @Test
    void stopEndsBetweenClips() {
        List<MetadataAgreement.Clip> clips = List.of(
                MetadataAgreement.Clip.fromPrompt(Path.of("a.wav"), "120 bpm"),
                MetadataAgreement.Clip.fromPrompt(Path.of("b.wav"), "90 bpm"));
        AtomicBoolean stop = new AtomicBoolean();
        List<Path> measured = new ArrayList<>();
        assertThrows(StopRequestedException.class, () -> MetadataAgreement.score(clips, file -> {
            measured.add(file);
            return metrics(120.0, null);
        }, (done, total) -> stop.set(done >= 1), stop));
        assertEquals(List.of(Path.of("a.wav")), measured);
    }

    @Test
    void synthesizedClipsAgreeAsConstructed() throws IOException {
        // Tempos: prompts (one through a generation sidecar); keys: a dataset's columns. Estimates of these signals
        // are the known answers of ClipAnalyzerTest: the clicks read their tempo, the progressions their key.
        Path sidecarClip = write("click120.wav", clicks(120));
        Files.writeString(dir.resolve("click120.wav.json"), "{\"prompt\": \"metronome at 120 BPM\", \"seed\": 1}");
        List<MetadataAgreement.Clip> clips = new ArrayList<>(List.of(
                MetadataAgreement.Clip.fromSidecar(sidecarClip),
                MetadataAgreement.Clip.fromPrompt(write("click90.wav", clicks(90)), "clicks, tempo 90"),
                MetadataAgreement.Clip.fromPrompt(write("click72.wav", clicks(72)), "clicks at 144 bpm"), // an octave off
                MetadataAgreement.Clip.fromPrompt(write("click90b.wav", clicks(90)), "clicks at 120 bpm"))); // wrong
        Path dataset = Files.createDirectory(dir.resolve("dataset"));
        writeTo(dataset, "c.wav", progression(0, true));
        writeTo(dataset, "am.wav", progression(9, false));
        writeTo(dataset, "g.wav", progression(7, true));
        Files.writeString(dataset.resolve(Dataset.METADATA_FILE), """
                file_name,description,key
                c.wav,chords,C major
                am.wav,chords,C major
                g.wav,chords,F# minor
                c.wav,quiet chords,
                """);
        DatasetIndex index = Dataset.scan(dataset, new DatasetOptions(0, false));
        for (Track track : index.tracks()) {
            clips.add(MetadataAgreement.Clip.fromTrack(track, index.csv()));
        }

        MetadataAgreementResult result = MetadataAgreement.score(clips, (done, total) -> { }, new AtomicBoolean());

        assertEquals(8, result.clipsGiven());
        assertEquals(new MetadataAgreementResult.Agreement(4, 4, 2, 3, 0.5, 0.75), result.tempo());
        assertEquals(new MetadataAgreementResult.Agreement(3, 3, 1, 2, 1 / 3.0, 2 / 3.0), result.key());
        Map<String, MetadataAgreementResult.Clip> byFile = new HashMap<>();
        result.clips().forEach(c -> byFile.put(Path.of(c.file()).getFileName() + (c.statedKey() == null ? "" : " " + c.statedKey()), c));
        assertEquals("sidecar", byFile.get("click120.wav").statedIn());
        assertEquals(144.0, byFile.get("click72.wav").statedBpm());
        assertEquals(72, byFile.get("click72.wav").estimatedBpm(), 2);
        assertEquals("A minor", byFile.get("am.wav C major").estimatedKey());
        assertEquals(index.csv() + " line 3", byFile.get("am.wav C major").statedIn());
        assertEquals("G major", byFile.get("g.wav F# minor").estimatedKey());
    }

    private static void assertTempo(double stated, double estimated, boolean exact, boolean lenient) {
        MetadataAgreementResult.Clip c = MetadataAgreement.compare(
                new MetadataAgreement.Clip(Path.of("x.wav"), "prompt", new StatedMusic(stated, null)), metrics(estimated, null));
        assertEquals(exact, c.tempoAgreesExact(), stated + " against " + estimated);
        assertEquals(lenient, c.tempoAgreesLenient(), stated + " against " + estimated);
    }

    private static void assertKey(String stated, String estimated, boolean exact, boolean lenient) {
        MetadataAgreementResult.Clip c = MetadataAgreement.compare(
                new MetadataAgreement.Clip(Path.of("x.wav"), "prompt", new StatedMusic(null, stated)), metrics(null, estimated));
        assertEquals(exact, c.keyAgreesExact(), stated + " against " + estimated);
        assertEquals(lenient, c.keyAgreesLenient(), stated + " against " + estimated);
    }

    private static ClipMetrics metrics(Double bpm, String key) {
        return new ClipMetrics("x.wav", 10, RATE, 1, -14.0, -1.0, 0.0, 0.0, 0.1, 1000.0, 3000.0, 0.5, 3.0, 20.0, bpm, key,
                key == null ? null : 0.8);
    }

    /** 5 ms clicks (a decaying 2 kHz burst) at {@code bpm} on digital silence, 20 s, as ClipAnalyzerTest makes them. */
    private static Audio clicks(double bpm) {
        double period = 60 / bpm * RATE;
        int clickLength = RATE / 200;
        return mono(20, i -> {
            double sinceClick = i - Math.floor(i / period) * period;
            return sinceClick < clickLength
                    ? 0.5 * Math.exp(-sinceClick / (clickLength / 4.0)) * Math.sin(2 * Math.PI * 2000 * sinceClick / RATE) : 0;
        });
    }

    /** I–IV–V–I (major) or i–iv–V–i (minor) on {@code tonic}, 1 s per chord, four times over, as ClipAnalyzerTest makes them. */
    private static Audio progression(int tonic, boolean major) {
        int third = major ? 4 : 3;
        int[][] chords = {{0, third, 7}, {5, 5 + third, 12}, {7, 11, 14}, {0, third, 7}};
        return mono(16, i -> {
            int[] chord = chords[i / RATE % 4];
            double t = (double) (i % RATE) / RATE;
            double sample = tone(48 + tonic + chord[0], t);
            for (int interval : chord) {
                sample += tone(60 + tonic + interval, t);
            }
            return 0.1 * Math.min(1, t / 0.01) * Math.exp(-1.5 * t) * sample;
        });
    }

    private static double tone(int midi, double t) {
        double hz = 440 * Math.pow(2, (midi - 69) / 12.0);
        double sum = 0;
        for (int h = 1; h <= 4; h++) {
            sum += Math.pow(0.6, h - 1) * Math.sin(2 * Math.PI * h * hz * t);
        }
        return sum;
    }

    private static Audio mono(double seconds, IntToDoubleFunction signal) {
        float[] x = new float[(int) Math.round(seconds * RATE)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) signal.applyAsDouble(i);
        }
        return new Audio(new float[][] {x}, RATE);
    }

    private Path write(String name, Audio audio) {
        return writeTo(dir, name, audio);
    }

    private static Path writeTo(Path folder, String name, Audio audio) {
        Path file = folder.resolve(name);
        AudioEncoder.encode(audio, file);
        return file;
    }
}
