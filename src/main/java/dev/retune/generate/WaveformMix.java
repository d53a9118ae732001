package dev.retune.generate;

import dev.retune.ProgressListener;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioEncoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.AudioStream;
import dev.retune.data.Loudness;
import dev.retune.data.WriteException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The hybrid generator, {@code --mix SOURCE:FACTOR}: the request generated twice, by its own source ("main") and by
 * SOURCE ("other"), with the same prompts and seed, into lossless WAV files in a hidden folder beside the output; then,
 * per prompt, the other generation is loudness-matched to the main one and the two are mixed:
 *
 * <pre>
 * gain = 10^((LUFS_main − LUFS_other) / 20), lowered to full scale / peak_other where it would lift the other's sample
 *        peak above full scale (1.0); 1 when either is silent (below the −70 LUFS gate)
 * out  = (1 − factor) · main + factor · gain · other
 * </pre>
 *
 * Loudness is {@code evaluate}'s integrated loudness (FFmpeg's EBU R128 meter, {@link Loudness}). Against clipping:
 * the gain never raises the other generation's peak above full scale, and a mix with a factor in [0, 1] is a convex
 * combination, whose peak is at most the larger of the two inputs' peaks, so mixing never clips a sample that neither
 * input clipped, and no limiter or normalisation changes the result. Factor 0 is the main generation's audio exactly,
 * factor 1 the other's times the gain. Each file's sidecar names both sources, the factor, both loudnesses and the gain;
 * the hidden folder is removed afterwards. The clips are read and mixed block by block.
 */
final class WaveformMix {

    private static final double FULL_SCALE = 1.0;
    private static final int BLOCK_FRAMES = 8192;

    private WaveformMix() {}

    /** Runs {@code request} (with its mix) whose {@code count} prompts and output were checked. */
    static Generation.Summary run(GenerationRequest request, long count, Consumer<GeneratedAudio> written, ProgressListener progress,
                                  AtomicBoolean stop) {
        Path out = request.output().pathOf(0).toAbsolutePath().getParent();
        Path work;
        try {
            work = Files.createTempDirectory(out, ".retune-mix-");
        } catch (IOException e) {
            throw new WriteException(out + ": cannot create the mix's working folder: " + e.getMessage(), e);
        }
        try {
            List<GeneratedAudio> main = new ArrayList<>();
            List<GeneratedAudio> other = new ArrayList<>();
            Generation.Summary first = Generation.run(request.alone(request.model(), GenerationRequest.Output.folder(work.resolve("main"), "wav")),
                    main::add, (done, all) -> progress.update(done / 2, count), stop);
            Generation.Summary second = Generation.run(request.alone(request.mix().source(), GenerationRequest.Output.folder(work.resolve("other"), "wav")),
                    other::add, (done, all) -> progress.update(count / 2.0 + done / 2, count), stop);
            int mixed = Math.min(main.size(), other.size());
            for (int i = 0; i < mixed; i++) {
                written.accept(mixOne(request, main.get(i), other.get(i), request.output().pathOf(i)));
            }
            progress.update(mixed, count);
            return new Generation.Summary(mixed, first.frames(), first.seconds() + second.seconds());
        } finally {
            delete(work);
        }
    }

    /**
     * Mixes one prompt's two generations into {@code file} and writes its sidecar. Each file is read block by block
     * (its peak, its loudness, then the mix), so memory does not grow with the length of the clips.
     */
    private static GeneratedAudio mixOne(GenerationRequest request, GeneratedAudio main, GeneratedAudio other, Path file) {
        Sidecar described = main.sidecar();
        AudioFormat format = AudioDecoder.sourceFormat(main.file());
        Double mainLufs = lufs(main.file());
        Double otherLufs = lufs(other.file());
        double gain = gain(mainLufs, otherLufs, peak(other.file(), format));
        double factor = request.mix().weight();
        long frames;
        try (AudioStream a = AudioDecoder.stream(main.file(), format);
             AudioStream b = AudioDecoder.stream(other.file(), format);
             AudioEncoder.Writer writer = AudioEncoder.open(file, format.channels(), format.sampleRate(), AudioEncoder.Options.DEFAULT)) {
            for (Audio blockA = a.next(BLOCK_FRAMES); blockA.frames() > 0; blockA = a.next(BLOCK_FRAMES)) {
                Audio blockB = b.next(blockA.frames());
                writer.write(mix(blockA.samples(), blockB.samples(), factor, gain));
            }
            writer.finish();
            frames = writer.frames();
        }
        Sidecar.Mix mix = new Sidecar.Mix(request.mix().describe(), factor, mainLufs, otherLufs, 20 * Math.log10(gain));
        Sidecar sidecar = Sidecar.of(file, described.prompt(), described.settings().mixed(mix), format.sampleRate(), frames);
        sidecar.writeNextTo(file);
        return new GeneratedAudio(main.index(), file, sidecar);
    }

    /** Integrated loudness as evaluate reports it: null for no audio or when every block was gated out (-70 LUFS). */
    private static Double lufs(Path file) {
        Loudness.Result r128 = Loudness.measure(file);
        return r128 == null || r128.integratedLufs() <= -70 ? null : r128.integratedLufs();
    }

    /** The loudness-matching gain on the other generation, lowered so its peak stays at or below full scale. */
    static double gain(Double mainLufs, Double otherLufs, double otherPeak) {
        double gain = mainLufs == null || otherLufs == null ? 1 : Math.pow(10, (mainLufs - otherLufs) / 20);
        if (otherPeak * gain > FULL_SCALE && gain > 1) {
            gain = Math.max(1, FULL_SCALE / otherPeak);
        }
        return gain;
    }

    /** (1 − factor) · a + factor · gain · b, sample by sample; {@code a} and {@code b} of the same shape [channels][n]. */
    static float[][] mix(float[][] a, float[][] b, double factor, double gain) {
        float[][] out = new float[a.length][];
        float keep = (float) (1 - factor);
        float add = (float) (factor * gain);
        for (int c = 0; c < a.length; c++) {
            if (a[c].length != b[c].length) {
                throw new IllegalArgumentException("channel " + c + ": " + a[c].length + " and " + b[c].length + " samples");
            }
            out[c] = new float[a[c].length];
            for (int i = 0; i < a[c].length; i++) {
                out[c][i] = keep * a[c][i] + add * b[c][i];
            }
        }
        return out;
    }

    /** The largest absolute sample of {@code file}, read block by block. */
    private static double peak(Path file, AudioFormat format) {
        double peak = 0;
        try (AudioStream stream = AudioDecoder.stream(file, format)) {
            for (Audio block = stream.next(BLOCK_FRAMES); block.frames() > 0; block = stream.next(BLOCK_FRAMES)) {
                for (float[] channel : block.samples()) {
                    for (int i = 0; i < block.frames(); i++) {
                        peak = Math.max(peak, Math.abs(channel[i]));
                    }
                }
            }
        }
        return peak;
    }

    private static void delete(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new WriteException(folder + ": cannot remove the mix's working folder: " + e.getMessage(), e);
        }
    }
}
