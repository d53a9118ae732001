package dev.retune.data.demo;

import dev.retune.data.Audio;
import java.util.List;
import java.util.Random;

/**
 * The demo dataset's synthesizer: renders a {@link Music} description (style, waveform, key, tempo, length) as stereo
 * notes on a beat grid, then fades the ends and normalises the peak. Deterministic for a given {@link Random}.
 */
final class DemoSynth {

    /** -3 dBFS: headroom for the overshoot lossy codecs add to peaks. */
    private static final double PEAK = StrictMath.pow(10, -3 / 20.0);
    private static final double FADE_IN_SECONDS = 0.01;
    private static final double FADE_OUT_SECONDS = 0.05;

    private DemoSynth() {}

    /** Renders the clip in stereo, folds it to mono if stored mono, then fades the ends and normalises the peak. */
    static Audio synthesize(Music music, int sampleRate, int channels, Random random) {
        Mix mix = Synth.render(music, sampleRate, random);
        float[][] samples = channels == 1 ? new float[][] {mix.mono()} : new float[][] {mix.left, mix.right};
        for (float[] channel : samples) {
            fade(channel, sampleRate);
        }
        normalise(samples);
        return new Audio(samples, sampleRate);
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

    /** The musical content: {@code key} such as "F# minor", empty for drums only. */
    record Music(Style style, Wave wave, String key, int bpm, double seconds) {}


    /** Which layers a clip has; see {@link Synth#render}. */
    enum Style { PAD, ARPEGGIO, CHORDS, DRUMS, GROOVE, LEAD, FULL }

    enum Wave { SINE, TRIANGLE, SAW, PIANO }

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
