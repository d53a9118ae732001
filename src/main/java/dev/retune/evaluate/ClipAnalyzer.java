package dev.retune.evaluate;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.AudioStream;
import dev.retune.data.Loudness;
import java.nio.file.Path;

/**
 * Reference-free technical measures of audio files ({@link ClipMetrics}), each file read once, block by block, at its
 * own sample rate (mono stays mono, anything wider is mixed to stereo): memory does not grow with a file's length.
 *
 * <p>Every block goes to FFmpeg's EBU R128 meter ({@link Loudness}) and to the 50 ms block statistics
 * ({@link LevelStatistics}); its mono mix is cut into two frame streams: ~40 ms frames (the power of two at or above
 * 0.04 s of samples, 2048 at 32 to 48 kHz) every quarter frame for spectral shape and onsets, and frames four times as
 * long every frame length for the chroma the key is read from. Frames below -60 dBFS RMS are left out of spectral
 * shape and chroma.
 */
public final class ClipAnalyzer {

    private static final int BLOCK_FRAMES = 8192;
    private static final double FRAME_SECONDS = 0.04;
    private static final int CHROMA_FRAME_FACTOR = 4;
    private static final double SILENT_FRAME_POWER = Math.pow(10, LevelStatistics.SILENCE_DBFS / 10);

    private ClipAnalyzer() {}

    /**
     * Measures one file.
     *
     * @throws dev.retune.data.AudioException naming the file when it cannot be opened or decoded
     */
    public static ClipMetrics analyze(Path file) {
        AudioFormat format = AudioDecoder.sourceFormat(file);
        try (AudioStream stream = AudioDecoder.stream(file, format);
             Loudness loudness = new Loudness(file, format)) {
            Measures measures = new Measures(format.sampleRate());
            for (Audio block = stream.next(BLOCK_FRAMES); block.frames() > 0; block = stream.next(BLOCK_FRAMES)) {
                loudness.add(block.samples(), block.frames());
                measures.add(block);
            }
            long frames = stream.position();
            Loudness.Result r128 = frames == 0 ? null : loudness.finish();
            return measures.result(file, (double) frames / format.sampleRate(), format, r128);
        }
    }

    /** The length of the spectral frames at {@code sampleRate}: the power of two at or above 40 ms of samples. */
    static int frameLength(int sampleRate) {
        int samples = (int) Math.ceil(FRAME_SECONDS * sampleRate);
        return Integer.highestOneBit(samples - 1) << 1;
    }

    /** The accumulators of one file and the frame streams that feed them. */
    private static final class Measures {

        private final LevelStatistics levels;
        private final Spectrum spectrum;
        private final Spectrum chromaSpectrum;
        private final double[] power;
        private final double[] chromaPower;
        private final SpectralFeatures spectral;
        private final TempoEstimator tempo;
        private final KeyEstimator key;
        private final Framer frames;
        private final Framer chromaFrames;

        Measures(int sampleRate) {
            int length = frameLength(sampleRate);
            int chromaLength = CHROMA_FRAME_FACTOR * length;
            levels = new LevelStatistics(sampleRate);
            spectrum = new Spectrum(length);
            chromaSpectrum = new Spectrum(chromaLength);
            power = new double[spectrum.bins()];
            chromaPower = new double[chromaSpectrum.bins()];
            spectral = new SpectralFeatures((double) sampleRate / length);
            tempo = new TempoEstimator((double) sampleRate / (length / 4), spectrum.bins());
            key = new KeyEstimator((double) sampleRate / chromaLength, chromaSpectrum.bins());
            frames = new Framer(length, length / 4, this::spectralFrame);
            chromaFrames = new Framer(chromaLength, length, this::chromaFrame);
        }

        void add(Audio block) {
            float[] mono = block.toMono().samples()[0];
            levels.add(block.samples(), mono, block.frames());
            frames.add(mono, block.frames());
            chromaFrames.add(mono, block.frames());
        }

        private void spectralFrame(double[] frame) {
            spectrum.power(frame, power);
            tempo.add(power, power.length);
            if (meanSquare(frame) >= SILENT_FRAME_POWER) {
                spectral.add(power, power.length);
            }
        }

        private void chromaFrame(double[] frame) {
            if (meanSquare(frame) >= SILENT_FRAME_POWER) {
                chromaSpectrum.power(frame, chromaPower);
                key.add(chromaPower, chromaPower.length);
            }
        }

        ClipMetrics result(Path file, double seconds, AudioFormat format, Loudness.Result r128) {
            Double lufs = r128 == null || r128.integratedLufs() <= -70 ? null : r128.integratedLufs();
            Double truePeak = r128 == null || !Double.isFinite(r128.truePeakDbtp()) ? null : r128.truePeakDbtp();
            KeyEstimator.Key found = key.key();
            return new ClipMetrics(file.toString(), seconds, format.sampleRate(), format.channels(), lufs, truePeak,
                    levels.clippingRatio(), levels.silenceRatio(), spectral.flatness(), spectral.centroidHz(),
                    spectral.rolloffHz(), spectral.entropy(), levels.energyEntropy(), levels.snrDb(), tempo.bpm(),
                    found == null ? null : found.name(), found == null ? null : found.strength());
        }

        private static double meanSquare(double[] frame) {
            double sum = 0;
            for (double x : frame) {
                sum += x * x;
            }
            return sum / frame.length;
        }
    }
}
