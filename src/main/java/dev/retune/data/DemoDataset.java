package dev.retune.data;

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
    /** -3 dBFS: headroom for the overshoot lossy codecs add to peaks. */
    private static final double PEAK = StrictMath.pow(10, -3 / 20.0);
    private static final double FADE_IN_SECONDS = 0.01;
    private static final double FADE_OUT_SECONDS = 0.05;
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
                AudioEncoder.encode(synthesize(clip, new Random(SEED + i)), file, ENCODING);
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

    /** Renders the clip in stereo, folds it to mono if stored mono, then fades the ends and normalises the peak. */
    private static Audio synthesize(Clip clip, Random random) {
        Mix mix = Synth.render(clip.music(), clip.storage().sampleRate(), random);
        float[][] samples = clip.storage().channels() == 1 ? new float[][] {mix.mono()} : new float[][] {mix.left, mix.right};
        for (float[] channel : samples) {
            fade(channel, clip.storage().sampleRate());
        }
        normalise(samples);
        return new Audio(samples, clip.storage().sampleRate());
    }

    private static void fade(float[] x, int sampleRate) {
        int in = (int) (FADE_IN_SECONDS * sampleRate);
        int out = (int) (FADE_OUT_SECONDS * sampleRate);
        for (int i = 0; i < in; i++) {
            x[i] *= (float) i / in;
        }
        for (int i = 0; i < out; i++) {
            x[x.length - 1 - i] *= (float) i / out;
        }
    }

    private static void normalise(float[][] samples) {
        float peak = 0;
        for (float[] channel : samples) {
            for (float v : channel) {
                peak = Math.max(peak, Math.abs(v));
            }
        }
        float gain = peak > 0 ? (float) (PEAK / peak) : 1f;
        for (float[] channel : samples) {
            for (int i = 0; i < channel.length; i++) {
                channel[i] *= gain;
            }
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

    /** The musical content: {@code key} such as "F# minor", empty for drums only. */
    private record Music(Style style, Wave wave, String key, int bpm, double seconds) {}

    private record Storage(String format, int sampleRate, int channels) {}

    /** Which layers a clip has; see {@link Synth#render}. */
    private enum Style { PAD, ARPEGGIO, CHORDS, DRUMS, GROOVE, LEAD, FULL }

    private enum Wave { SINE, TRIANGLE, SAW, PIANO }

    /** A stereo buffer that notes and layers are added into. */
    private static final class Mix {

        final float[] left;
        final float[] right;
        final int rate;

        Mix(int frames, int rate) {
            this.left = new float[frames];
            this.right = new float[frames];
            this.rate = rate;
        }

        void add(int i, double value, double leftGain, double rightGain) {
            if (i < left.length) {
                left[i] += (float) (value * leftGain);
                right[i] += (float) (value * rightGain);
            }
        }

        void add(Mix layer, double gain) {
            for (int i = 0; i < left.length; i++) {
                left[i] += (float) (layer.left[i] * gain);
                right[i] += (float) (layer.right[i] * gain);
            }
        }

        /** One-pole low-pass: takes the fizz off naive saw waves and makes pads warm. */
        void lowpass(double hz) {
            float a = (float) (1 - StrictMath.exp(-2 * Math.PI * hz / rate));
            float l = 0;
            float r = 0;
            for (int i = 0; i < left.length; i++) {
                l += a * (left[i] - l);
                r += a * (right[i] - r);
                left[i] = l;
                right[i] = r;
            }
        }

        float[] mono() {
            float[] out = new float[left.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = 0.5f * (left[i] + right[i]);
            }
            return out;
        }
    }

    /** A key as MIDI notes: the tonic sits between A3 (57) and G#4 (68) so melodies stay in a comfortable range. */
    private record Key(int tonic, boolean minor) {

        private static final int[] MAJOR = {0, 2, 4, 5, 7, 9, 11};
        private static final int[] MINOR = {0, 2, 3, 5, 7, 8, 10};
        private static final List<String> NAMES = List.of("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B");

        /** "F# minor", "Bb major"; drum clips have no key and get C major, which they never use. */
        static Key parse(String text) {
            if (text.isEmpty()) {
                return new Key(60, false);
            }
            String[] parts = text.split(" ");
            String name = parts[0];
            int semitone = name.endsWith("b") ? NAMES.indexOf(name.substring(0, 1)) - 1 : NAMES.indexOf(name);
            return new Key(57 + Math.floorMod(semitone - 9, 12), parts[1].equals("minor"));
        }

        /** I-V-vi-IV in major, i-VI-III-VII in minor, as scale degrees; one chord per bar. */
        int[] progression() {
            return minor ? new int[] {0, 5, 2, 6} : new int[] {0, 4, 5, 3};
        }

        /** MIDI note of a scale degree (any integer; 7 is the tonic an octave up) shifted by whole octaves. */
        int note(int degree, int octave) {
            int[] scale = minor ? MINOR : MAJOR;
            return tonic + 12 * (octave + Math.floorDiv(degree, 7)) + scale[Math.floorMod(degree, 7)];
        }

        int[] triad(int degree, int octave) {
            return new int[] {note(degree, octave), note(degree + 2, octave), note(degree + 4, octave)};
        }

        static double hz(int midi) {
            return 440 * StrictMath.pow(2, (midi - 69) / 12.0);
        }
    }

    /** How a note sounds: waveform, linear attack, exponential decay time constant (0 = none), linear release. */
    private record Voice(Wave wave, double attack, double decay, double release) {}

    /** Renders a clip's layers (see {@link Style}) on a beat grid; all randomness comes from the clip's own seed. */
    private static final class Synth {

        private static final int TABLE_SIZE = 4096;
        private static final float[] SINE = sineTable();
        /** Seven cents: the beating between two detuned saws is what makes a pad sound wide. */
        private static final double DETUNE = StrictMath.pow(2, 7 / 1200.0);
        private static final double[] LEAD_BEATS = {0.5, 1, 1, 2};

        private final Music music;
        private final Key key;
        private final Random random;
        private final double beat;
        private final double bar;
        private final Mix mix;

        private Synth(Music music, int rate, Random random) {
            this.music = music;
            this.key = Key.parse(music.key());
            this.random = random;
            this.beat = 60.0 / music.bpm();
            this.bar = 4 * beat;
            this.mix = new Mix((int) (music.seconds() * rate), rate);
        }

        static Mix render(Music music, int rate, Random random) {
            Synth synth = new Synth(music, rate, random);
            Wave wave = music.wave();
            switch (music.style()) {
                case PAD -> synth.pad(wave, 1.0);
                case ARPEGGIO -> {
                    synth.arpeggio(wave, 1.0);
                    synth.pad(Wave.SINE, 0.4);
                }
                case CHORDS -> {
                    synth.chords(wave, 1.0);
                    synth.bass(Wave.SINE, 0.7);
                }
                case DRUMS -> synth.drums(1.0);
                case GROOVE -> {
                    synth.drums(0.8);
                    synth.bass(wave, 1.0);
                }
                case LEAD -> {
                    synth.lead(wave, 1.0);
                    synth.pad(Wave.SAW, 0.35);
                }
                case FULL -> {
                    synth.drums(0.7);
                    synth.bass(wave, 0.8);
                    synth.chords(wave, 0.45);
                    synth.arpeggio(Wave.SINE, 0.35);
                }
            }
            return synth.mix;
        }

        /** Sustained triads, each note as two detuned voices panned apart, with a slow attack. */
        private void pad(Wave wave, double gain) {
            Mix layer = layer();
            Voice voice = new Voice(wave, 0.8, 0, 0.6);
            for (int b = 0; b * bar < music.seconds(); b++) {
                for (int note : key.triad(key.progression()[b % 4], 0)) {
                    tone(layer, voice, b * bar, bar, Key.hz(note) * DETUNE, 0.3, -0.7);
                    tone(layer, voice, b * bar, bar, Key.hz(note) / DETUNE, 0.3, 0.7);
                }
            }
            layer.lowpass(1_500);
            mix.add(layer, gain);
        }

        /** The bar's triad an octave up, up and down in 8ths (below 100 bpm) or 16ths, alternating left and right. */
        private void arpeggio(Wave wave, double gain) {
            Mix layer = layer();
            Voice voice = new Voice(wave, 0.005, 0.2, 0.05);
            double step = beat / (music.bpm() < 100 ? 2 : 4);
            int[] order = {0, 1, 2, 1};
            for (int s = 0; s * step < music.seconds(); s++) {
                int[] triad = key.triad(key.progression()[(int) (s * step / bar) % 4], 1);
                int note = triad[order[s % 4]] + (s % 8 >= 4 ? 12 : 0);
                tone(layer, voice, s * step, 0.9 * step, Key.hz(note), 0.5, s % 2 == 0 ? -0.5 : 0.5);
            }
            if (wave == Wave.SAW) {
                layer.lowpass(3_000);
            }
            mix.add(layer, gain);
        }

        /** Short triad stabs on every beat at 110 bpm and up, else every half bar; notes spread across the field. */
        private void chords(Wave wave, double gain) {
            Mix layer = layer();
            Voice voice = new Voice(wave, 0.01, 0.5, 0.1);
            double every = music.bpm() >= 110 ? beat : 2 * beat;
            for (int c = 0; c * every < music.seconds(); c++) {
                int[] triad = key.triad(key.progression()[(int) (c * every / bar) % 4], 0);
                for (int k = 0; k < triad.length; k++) {
                    tone(layer, voice, c * every, 0.8 * every, Key.hz(triad[k]), 0.35, 0.4 * (k - 1));
                }
            }
            if (wave == Wave.SAW) {
                layer.lowpass(2_500);
            }
            mix.add(layer, gain);
        }

        /** A syncopated 8th-note line on the chord roots two octaves down, in the centre. */
        private void bass(Wave wave, double gain) {
            Mix layer = layer();
            Voice voice = new Voice(wave, 0.005, 0.25, 0.03);
            boolean[] pattern = {true, false, true, true, false, true, false, true};
            double step = beat / 2;
            for (int s = 0; s * step < music.seconds(); s++) {
                if (pattern[s % 8]) {
                    int note = key.note(key.progression()[(int) (s * step / bar) % 4], -2) + (s % 8 == 5 ? 12 : 0);
                    tone(layer, voice, s * step, 0.8 * step, Key.hz(note), 0.8, 0);
                }
            }
            layer.lowpass(900);
            mix.add(layer, gain);
        }

        /** A random walk over the scale with mixed note lengths and a few rests, slightly right of centre. */
        private void lead(Wave wave, double gain) {
            Mix layer = layer();
            Voice voice = new Voice(wave, 0.02, wave == Wave.PIANO ? 0.4 : 0, 0.12);
            int degree = 0;
            for (double t = 0; t < music.seconds(); ) {
                double length = LEAD_BEATS[random.nextInt(LEAD_BEATS.length)] * beat;
                if (random.nextInt(100) >= 15) {
                    tone(layer, voice, t, 0.9 * length, Key.hz(key.note(degree, 1)), 0.5, 0.2);
                }
                degree = Math.max(-3, Math.min(9, degree + random.nextInt(5) - 2));
                t += length;
            }
            if (wave == Wave.SAW) {
                layer.lowpass(3_000);
            }
            mix.add(layer, gain);
        }

        /**
         * A 16-step bar: four-on-the-floor kicks from 115 to 149 bpm, a broken pattern otherwise; snare or clap on 2
         * and 4, panned left; hats on the 8ths (every 16th above 140 bpm) with random velocity, panned right.
         */
        private void drums(double gain) {
            Mix layer = layer();
            boolean fourOnFloor = music.bpm() >= 115 && music.bpm() < 150;
            boolean busyHats = music.bpm() > 140;
            double step = beat / 4;
            for (int s = 0; s * step < music.seconds(); s++) {
                int position = s % 16;
                double t = s * step;
                if (fourOnFloor ? position % 4 == 0 : position == 0 || position == 10) {
                    kick(layer, t);
                }
                if (position == 4 || position == 12) {
                    snare(layer, t);
                }
                if (busyHats || position % 2 == 0) {
                    hat(layer, t, 0.15 + 0.15 * random.nextDouble());
                }
            }
            mix.add(layer, gain);
        }

        /** A sine sweeping down from about 145 Hz to 45 Hz under a fast exponential decay. */
        private void kick(Mix into, double start) {
            int from = (int) (start * into.rate);
            double decay = StrictMath.exp(-1 / (0.12 * into.rate));
            double sweep = StrictMath.exp(-1 / (0.03 * into.rate));
            double phase = 0;
            double level = 1;
            double bend = 1;
            for (int i = 0; i < 0.4 * into.rate; i++) {
                into.add(from + i, sine(phase) * level, 0.7, 0.7);
                phase = wrap(phase + (45 + 100 * bend) / into.rate);
                level *= decay;
                bend *= sweep;
            }
        }

        /** A noise burst over a short 180 Hz body, a little left of centre. */
        private void snare(Mix into, double start) {
            int from = (int) (start * into.rate);
            double decay = StrictMath.exp(-1 / (0.06 * into.rate));
            double phase = 0;
            double level = 0.6;
            for (int i = 0; i < 0.25 * into.rate; i++) {
                double noise = 2 * random.nextDouble() - 1;
                into.add(from + i, (0.7 * noise + 0.5 * sine(phase)) * level, 0.85, 0.5);
                phase = wrap(phase + 180.0 / into.rate);
                level *= decay;
            }
        }

        /** High-passed noise (the difference of successive samples) with a very fast decay. */
        private void hat(Mix into, double start, double velocity) {
            int from = (int) (start * into.rate);
            double decay = StrictMath.exp(-1 / (0.02 * into.rate));
            double previous = 0;
            double level = velocity;
            for (int i = 0; i < 0.08 * into.rate; i++) {
                double noise = 2 * random.nextDouble() - 1;
                into.add(from + i, (noise - previous) * level, 0.35, 0.95);
                previous = noise;
                level *= decay;
            }
        }

        /** Adds one note: linear attack, optional exponential decay, linear release once {@code length} is over. */
        private static void tone(Mix into, Voice voice, double start, double length, double hz, double gain, double pan) {
            int from = (int) (start * into.rate);
            int frames = (int) ((length + voice.release()) * into.rate);
            double decay = voice.decay() > 0 ? StrictMath.exp(-1 / (voice.decay() * into.rate)) : 1;
            // Constant-power pan: -1 is hard left, 1 hard right.
            double leftGain = StrictMath.cos((pan + 1) * Math.PI / 4);
            double rightGain = StrictMath.sin((pan + 1) * Math.PI / 4);
            double phase = 0;
            double level = gain;
            for (int i = 0; i < frames; i++) {
                double t = (double) i / into.rate;
                double release = t > length ? Math.max(0, 1 - (t - length) / voice.release()) : 1;
                double envelope = Math.min(1, t / voice.attack()) * release * level;
                into.add(from + i, wave(voice.wave(), phase) * envelope, leftGain, rightGain);
                phase = wrap(phase + hz / into.rate);
                level *= decay;
            }
        }

        /** One period of each waveform over phase [0, 1), in [-1, 1]; PIANO is a sine with two weaker harmonics. */
        private static double wave(Wave wave, double phase) {
            return switch (wave) {
                case SINE -> sine(phase);
                case TRIANGLE -> 1 - 4 * Math.abs(phase - 0.5);
                case SAW -> 2 * phase - 1;
                case PIANO -> 0.6 * sine(phase) + 0.3 * sine(wrap(2 * phase)) + 0.1 * sine(wrap(3 * phase));
            };
        }

        private static double sine(double phase) {
            double position = phase * TABLE_SIZE;
            int i = (int) position;
            return SINE[i] + (position - i) * (SINE[i + 1] - SINE[i]);
        }

        private static double wrap(double phase) {
            return phase - Math.floor(phase);
        }

        /** One sine period plus a guard sample for interpolation; StrictMath so every JVM fills it alike. */
        private static float[] sineTable() {
            float[] table = new float[TABLE_SIZE + 1];
            for (int i = 0; i <= TABLE_SIZE; i++) {
                table[i] = (float) StrictMath.sin(2 * Math.PI * i / TABLE_SIZE);
            }
            return table;
        }

        private Mix layer() {
            return new Mix(mix.left.length, mix.rate);
        }
    }
}
