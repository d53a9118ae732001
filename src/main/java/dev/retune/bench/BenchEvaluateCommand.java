package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.ProgressListener;
import dev.retune.data.AudioEncoder;
import dev.retune.evaluate.ClipAnalyzer;
import dev.retune.evaluate.ClipMetrics;
import dev.retune.evaluate.CodecEmbeddings;
import dev.retune.evaluate.EmbeddingSet;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Evaluation throughput on CPU: the technical metrics ({@link ClipAnalyzer#analyze}) of long synthesized files, and the
 * codec embeddings ({@link CodecEmbeddings}) of 10 s clips with a preset's codec (random weights: the work is the same
 * as with trained ones). Speeds are clips per second and audio seconds per wall second (× realtime), the best of
 * {@code --repeat} runs; resident memory ({@link Pointer#physicalBytes()}) is read after each row, so a measure that
 * held a whole file would show it growing with the length. The files are synthesized block by block: chords changing
 * every two seconds, a click every beat at 120 BPM and a little noise, 44.1 kHz stereo.
 */
@Command(name = "evaluate",
        mixinStandardHelpOptions = true,
        description = "Time the evaluation's technical metrics and codec embeddings (clips/s, x realtime, resident memory) on CPU.",
        footer = {"", "Examples:", "  retune bench evaluate", "  retune bench evaluate --minutes 1 --codec tiny --repeat 1"})
final class BenchEvaluateCommand implements Callable<Integer> {

    private static final int SOURCE_RATE = 44_100;
    private static final double CLIP_SECONDS = 10;
    private static final double BEAT_SECONDS = 0.5;

    @Option(names = "--minutes", split = ",", paramLabel = "M", description = "Lengths of the files the technical metrics read (default: 1,10).")
    List<Double> lengths = List.of(1.0, 10.0);

    @Option(names = "--format", split = ",", paramLabel = "EXT", description = "File formats of those files (default: wav,mp3).")
    List<String> formats = List.of("wav", "mp3");

    @Option(names = "--codec", split = ",", paramLabel = "PRESET", description = "Presets whose codec embeds the clips (default: tiny,small).")
    List<String> codecs = List.of("tiny", "small");

    @Option(names = "--clips", paramLabel = "N", description = "10 s clips embedded per run (default: ${DEFAULT-VALUE}).")
    int clips = 8;

    @Option(names = "--repeat", paramLabel = "N", description = "Runs per row; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeat = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (clips < 1 || repeat < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--clips and --repeat must be at least 1, found " + clips + " and " + repeat);
        }
        for (double minutes : lengths) {
            if (!(minutes > 0)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--minutes must be positive, found " + minutes);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("retune-bench-evaluate");
        try {
            technicalMetrics(out, work);
            embeddings(out, work);
        } finally {
            BenchFiles.delete(work);
        }
        return ExitCode.OK;
    }

    /** One row per length and format: a file analysed {@code repeat} times after a warm-up on a 10 s file. */
    private void technicalMetrics(PrintWriter out, Path work) {
        out.printf(Locale.ROOT, "Technical metrics (ClipAnalyzer.analyze: EBU R128, levels, spectra, tempo, key); best of %d.%n%n", repeat);
        out.println("| file | wall | clips/s | × realtime | resident after |");
        out.println("|---|---|---|---|---|");
        out.flush();
        ClipAnalyzer.analyze(synthesize(work.resolve("warm-up.wav"), CLIP_SECONDS));
        for (String format : formats) {
            for (double minutes : lengths) {
                Path file = synthesize(work.resolve(String.format(Locale.ROOT, "long-%smin.%s", minutes, format)), minutes * 60);
                double best = Double.MAX_VALUE;
                for (int i = 0; i < repeat; i++) {
                    long start = System.nanoTime();
                    ClipMetrics metrics = ClipAnalyzer.analyze(file);
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                    if (Math.abs(metrics.seconds() - minutes * 60) > 1) {
                        throw new IllegalStateException(file + " read as " + metrics.seconds() + " s, expected " + minutes * 60);
                    }
                }
                System.gc();
                out.printf(Locale.ROOT, "| %s min 44.1 kHz stereo %s | %.2f s | %.3f | %.0f | %.2f GB |%n", BenchFiles.minutes(minutes), format,
                        best, 1 / best, minutes * 60 / best, Pointer.physicalBytes() / 1e9);
                out.flush();
                BenchFiles.delete(file);
            }
        }
        out.println();
    }

    /** One row per codec: {@code clips} files of 10 s embedded {@code repeat} times after a one-clip warm-up. */
    private void embeddings(PrintWriter out, Path work) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < clips; i++) {
            files.add(synthesize(work.resolve("clip" + i + ".wav"), CLIP_SECONDS));
        }
        out.printf(Locale.ROOT, "Codec embeddings (CodecEmbeddings.embed, random weights, fp32), %d clips of %.0f s 44.1 kHz stereo wav, %d threads; best of %d.%n%n",
                clips, CLIP_SECONDS, torch.get_num_threads(), repeat);
        out.println("| codec | wall | clips/s | × realtime | resident after |");
        out.println("|---|---|---|---|---|");
        out.flush();
        for (String preset : codecs) {
            torch.manual_seed(0);
            CodecEmbeddings embeddings = new CodecEmbeddings(EncodecModel.create(MusicgenConfig.preset(preset).audioEncoder()));
            embeddings.embed(files.get(0));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < repeat; i++) {
                long start = System.nanoTime();
                EmbeddingSet set = embeddings.embed(files, ProgressListener.NONE, new AtomicBoolean());
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
                if (set.clips().size() != clips) {
                    throw new IllegalStateException("embedded " + set.clips().size() + " of " + clips + " clips");
                }
            }
            System.gc();
            out.printf(Locale.ROOT, "| %s | %.2f s | %.2f | %.1f | %.2f GB |%n", preset, best, clips / best, clips * CLIP_SECONDS / best,
                    Pointer.physicalBytes() / 1e9);
            out.flush();
        }
    }

    /** Writes {@code seconds} of chords, clicks and noise to {@code file} a second at a time. */
    private static Path synthesize(Path file, double seconds) {
        double[] roots = {220.0, 174.61, 261.63, 196.0};
        SplittableRandom noise = new SplittableRandom(1);
        long frames = Math.round(seconds * SOURCE_RATE);
        try (AudioEncoder.Writer writer = AudioEncoder.open(file, 2, SOURCE_RATE, AudioEncoder.Options.DEFAULT)) {
            for (long start = 0; start < frames; start += SOURCE_RATE) {
                float[][] block = new float[2][(int) Math.min(SOURCE_RATE, frames - start)];
                for (int i = 0; i < block[0].length; i++) {
                    double t = (double) (start + i) / SOURCE_RATE;
                    double root = roots[(int) (t / 2) % roots.length];
                    double chord = Math.sin(2 * Math.PI * root * t) + 0.6 * Math.sin(2 * Math.PI * root * 1.26 * t)
                            + 0.5 * Math.sin(2 * Math.PI * root * 1.5 * t);
                    double sinceBeat = t % BEAT_SECONDS;
                    double click = sinceBeat < 0.005 ? Math.exp(-sinceBeat / 0.001) * Math.sin(2 * Math.PI * 2000 * sinceBeat) : 0;
                    double n = noise.nextDouble() - 0.5;
                    block[0][i] = (float) (0.2 * chord + 0.4 * click + 0.05 * n);
                    block[1][i] = (float) (0.15 * chord + 0.4 * click - 0.05 * n);
                }
                writer.write(block);
            }
            writer.finish();
        }
        return file;
    }
}
