package dev.retune.data.demo;

import dev.retune.data.Audio;
import dev.retune.data.AudioEncoder;
import dev.retune.data.DatasetException;
import dev.retune.data.demo.DemoSynth.Music;
import dev.retune.data.demo.DemoSynth.Style;
import dev.retune.data.demo.DemoSynth.Wave;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;
import tools.jackson.dataformat.csv.CsvWriteFeature;

/**
 * Writes the bundled demo dataset: 24 clips of synthetic music (pads, arpeggios, chords, drums, bass lines, melodies)
 * in six formats, at 32, 44.1 and 48 kHz, mono and stereo, plus a metadata.csv with one text prompt per clip. It is
 * small (under 3 MB) so it can live in the repository and drive the demo config and the tests.
 *
 * <p>Every run writes the same bytes: the music is a pure function of a fixed seed ({@link Random} is a specified
 * LCG, and {@link StrictMath} and a precomputed sine table give the same numbers on every JVM), and the encoder writes
 * bit-exact files.
 */
public final class DemoDataset {

    public static final String METADATA_FILE = "metadata.csv";

    private static final long SEED = 20_250_301L;
    private static final List<String> COLUMNS = List.of("file_name", "description", "genre", "bpm", "key", "split");
    /** Lossy settings that keep the folder small; the clips are simple enough not to need more. */
    private static final AudioEncoder.Options ENCODING = new AudioEncoder.Options(96, 3.0);

    private static final String TRAIN = "train";
    private static final String VALID = "valid";

    private static final List<Clip> CLIPS = List.of(
            new Clip("warm_pad", music(Style.PAD, Wave.SAW, "A minor", 70, 6), stereo("mp3", 44_100), "ambient", TRAIN,
                    "warm analog pad in A minor, slow attack, 70 bpm"),
            new Clip("lofi_arpeggio", music(Style.ARPEGGIO, Wave.PIANO, "C major", 84, 6), stereo("mp3", 44_100), "lo-fi", TRAIN,
                    "a \"lo-fi\" piano-like arpeggio, gentle and unhurried"),
            new Clip("house_groove", music(Style.GROOVE, Wave.SAW, "F minor", 124, 5), stereo("mp3", 48_000), "house", TRAIN,
                    "four-on-the-floor house groove with a punchy kick, offbeat hats and a saw bass, 124 bpm"),
            new Clip("breakbeat", music(Style.DRUMS, Wave.SINE, "", 150, 4), mono("ogg", 44_100), "drum and bass", TRAIN,
                    "fast drum loop: kick, snare and busy hi-hats, no melody"),
            new Clip("sine_chords", music(Style.CHORDS, Wave.SINE, "G major", 96, 3), mono("wav", 32_000), "ambient", TRAIN,
                    "soft sine-wave chords in G major, calm, 96 bpm"),
            new Clip("synthwave_lead", music(Style.LEAD, Wave.SAW, "E minor", 110, 7), stereo("m4a", 44_100), "synthwave", VALID,
                    "retro synthwave lead over a wide pad, E minor, 110 bpm"),
            new Clip("chip_arpeggio", music(Style.ARPEGGIO, Wave.TRIANGLE, "D major", 140, 5), mono("ogg", 48_000), "chiptune", TRAIN,
                    "chiptune-style triangle arpeggio, bright, \"8-bit\" feel, 140 bpm"),
            new Clip("dark_drone", music(Style.PAD, Wave.TRIANGLE, "D minor", 72, 8), stereo("opus", 48_000), "drone", TRAIN,
                    "dark, slowly evolving drone pad in D minor"),
            new Clip("pop_loop", music(Style.FULL, Wave.TRIANGLE, "C major", 120, 6), stereo("mp3", 44_100), "pop", TRAIN,
                    "upbeat pop loop with drums, bass, chords and a sparkling arpeggio, C major, 120 bpm"),
            new Clip("minimal_techno", music(Style.DRUMS, Wave.SINE, "", 128, 3), mono("wav", 44_100), "techno", TRAIN,
                    "minimal techno drums: kick, clap and closed hats, 128 bpm"),
            new Clip("funk_bass", music(Style.GROOVE, Wave.TRIANGLE, "E minor", 104, 5), mono("ogg", 44_100), "funk", TRAIN,
                    "funky bass line with tight drums, E minor, 104 bpm"),
            new Clip("saw_stabs", music(Style.CHORDS, Wave.SAW, "Bb major", 118, 4), stereo("m4a", 48_000), "electronic", VALID,
                    "bright saw chord stabs, Bb major, 118 bpm"),
            new Clip("sine_melody", music(Style.LEAD, Wave.SINE, "A major", 90, 4), mono("flac", 32_000), "ambient", TRAIN,
                    "gentle sine-wave melody over a soft pad, A major"),
            new Clip("festival_edm", music(Style.FULL, Wave.SAW, "F# minor", 128, 6), stereo("mp3", 48_000), "edm", TRAIN,
                    "festival EDM loop: \"supersaw\" chords, driving kick, rolling bass, 128 bpm"),
            new Clip("dreamy_arpeggio", music(Style.ARPEGGIO, Wave.SINE, "E major", 76, 7), mono("ogg", 44_100), "ambient", TRAIN,
                    "slow, dreamy sine arpeggio in E major, lots of space"),
            new Clip("piano_chords", music(Style.CHORDS, Wave.PIANO, "F major", 88, 5), mono("mp3", 32_000), "lo-fi", TRAIN,
                    "simple piano-like chords in F major, warm and plucky, 88 bpm"),
            new Clip("dnb_drums", music(Style.DRUMS, Wave.SINE, "", 160, 4), stereo("opus", 48_000), "drum and bass", TRAIN,
                    "drum and bass loop at 160 bpm, snappy snare, hats panned right"),
            new Clip("cinematic_theme", music(Style.LEAD, Wave.TRIANGLE, "C minor", 80, 7), mono("ogg", 48_000), "cinematic", VALID,
                    "cinematic triangle-lead theme in C minor, sparse, 80 bpm"),
            new Clip("boom_bap", music(Style.GROOVE, Wave.SINE, "G minor", 92, 6), mono("m4a", 44_100), "hip hop", TRAIN,
                    "laid-back hip-hop groove, deep sine bass, \"boom bap\" drums, 92 bpm"),
            new Clip("airy_pad", music(Style.PAD, Wave.SINE, "E major", 100, 4), mono("flac", 44_100), "new age", TRAIN,
                    "bright, airy sine pad in E major, soft fade in"),
            new Clip("chiptune_loop", music(Style.FULL, Wave.TRIANGLE, "A minor", 150, 5), mono("ogg", 44_100), "chiptune", TRAIN,
                    "energetic chiptune loop with triangle bass and noise drums, A minor, 150 bpm"),
            new Clip("trance_arpeggio", music(Style.ARPEGGIO, Wave.SAW, "G minor", 132, 4), stereo("mp3", 48_000), "trance", TRAIN,
                    "trance-style saw arpeggio in G minor, 16th notes, wide stereo"),
            new Clip("plucked_melody", music(Style.LEAD, Wave.PIANO, "D major", 112, 6), mono("opus", 48_000), "pop", TRAIN,
                    "catchy plucked melody in D major over a soft pad, 112 bpm"),
            new Clip("deep_house", music(Style.GROOVE, Wave.SAW, "A minor", 122, 4), stereo("flac", 44_100), "deep house", VALID,
                    "deep house groove in A minor, rolling bassline, 122 bpm"));

    private DemoDataset() {}

    /** {@link #write(Path, boolean)} into an absent or empty folder. */
    public static List<Path> write(Path dir) {
        return write(dir, false);
    }

    /**
     * Writes every clip and then metadata.csv into {@code dir}, creating it. Refuses a folder that already holds
     * anything unless {@code force}, which replaces same-named files and leaves other files alone.
     *
     * @return the files written, metadata.csv last
     * @throws DatasetException when {@code dir} is a file, or a non-empty folder and {@code force} is false
     */
    public static List<Path> write(Path dir, boolean force) {
        checkTarget(dir, force);
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < CLIPS.size(); i++) {
                Clip clip = CLIPS.get(i);
                Path file = dir.resolve(clip.fileName());
                Audio audio = DemoSynth.synthesize(clip.music(), clip.storage().sampleRate(), clip.storage().channels(), new Random(SEED + i));
                AudioEncoder.encode(audio, file, ENCODING);
                written.add(file);
            }
            // The CSV goes last: a folder with metadata.csv in it is a complete dataset.
            Path csv = dir.resolve(METADATA_FILE);
            Files.writeString(csv, metadataCsv(), StandardCharsets.UTF_8);
            written.add(csv);
        } catch (IOException e) {
            throw new DatasetException("cannot write the demo dataset to " + dir + ": " + e, e);
        }
        return written;
    }

    /** metadata.csv as written by {@link #write}: header plus one row per clip, quoted where a value needs it. */
    private static String metadataCsv() {
        CsvSchema.Builder schema = CsvSchema.builder();
        COLUMNS.forEach(schema::addColumn);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Clip clip : CLIPS) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("file_name", clip.fileName());
            row.put("description", clip.description());
            row.put("genre", clip.genre());
            row.put("bpm", clip.music().bpm());
            row.put("key", clip.music().key());
            row.put("split", clip.split());
            rows.add(row);
        }
        return new CsvMapper().writer(schema.build().withHeader())
                .with(CsvWriteFeature.STRICT_CHECK_FOR_QUOTING)
                .writeValueAsString(rows);
    }

    private static void checkTarget(Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new DatasetException(dir + " exists and is not a folder; choose another folder for the demo dataset");
        }
        if (!force && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw new DatasetException(dir + " is not empty; refusing to write the demo dataset into it "
                    + "(choose an empty folder, or use --force to replace same-named files)");
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e, e);
        }
    }

    private static Music music(Style style, Wave wave, String key, int bpm, double seconds) {
        return new Music(style, wave, key, bpm, seconds);
    }

    private static Storage mono(String format, int sampleRate) {
        return new Storage(format, sampleRate, 1);
    }

    private static Storage stereo(String format, int sampleRate) {
        return new Storage(format, sampleRate, 2);
    }

    /** One clip: what it sounds like, how it is stored, and how metadata.csv describes it. */
    private record Clip(String name, Music music, Storage storage, String genre, String split, String description) {

        String fileName() {
            return name + "." + storage.format();
        }
    }

    private record Storage(String format, int sampleRate, int channels) {}

}
