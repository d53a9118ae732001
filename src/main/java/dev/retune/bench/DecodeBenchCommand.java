package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioEncoder;
import dev.retune.data.AudioFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Decode + resample throughput on one thread: 44.1 kHz stereo wav, flac and mp3 to 32 kHz mono, as full-file decodes
 * and as 10 s seek-crops from the same long file. Speed is audio seconds per CPU second of the decoding thread, i.e.
 * "x realtime per core".
 */
@Command(name = "decode",
        mixinStandardHelpOptions = true,
        description = "Measure decode + resample speed (x realtime per core) for wav, flac and mp3.",
        footer = {"", "Example:", "  retune bench decode --minutes 10 --repeat 3"})
final class DecodeBenchCommand implements Callable<Integer> {

    private static final int SOURCE_RATE = 44_100;
    private static final int LEAK_CHECK_CROPS = 3_000;

    @Option(names = "--minutes", description = "Length of the synthesized test file (default: ${DEFAULT-VALUE}).")
    double minutes = 10;

    @Option(names = "--repeat", description = "Full decodes per format; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeat = 3;

    @Option(names = "--crops", description = "10 s crops per format (default: ${DEFAULT-VALUE}).")
    int crops = 30;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("retune-bench-decode");
        try {
            Audio source = synthesize(minutes * 60);
            out.printf("Source: %.0f s of 44.1 kHz stereo; target 32 kHz mono; one thread; best of %d full decodes, %d crops of 10 s.%n%n",
                    source.seconds(), repeat, crops);
            out.println("| input | file size | full decode (x realtime/core) | 10 s crop (x realtime/core) | ms per crop |");
            out.println("|---|---|---|---|---|");
            for (String extension : new String[] {"wav", "flac", "mp3"}) {
                Path file = dir.resolve("long." + extension);
                AudioEncoder.encode(source, file);
                double full = fullDecodeSpeed(file, source.seconds());
                double cropCpuSeconds = cropCpuSeconds(file, source.seconds());
                out.printf("| %s | %.1f MB | %.0f | %.0f | %.2f |%n", extension, Files.size(file) / 1e6, full,
                        crops * 10.0 / cropCpuSeconds, cropCpuSeconds / crops * 1000);
                out.flush();
            }
            out.println();
            out.println(residentMemoryOverCrops(dir.resolve("long.mp3"), source.seconds()));
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
        return ExitCode.OK;
    }

    private double fullDecodeSpeed(Path file, double seconds) {
        AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO); // warm-up: JIT and page cache
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeat; i++) {
            long start = threads.getCurrentThreadCpuTime();
            Audio audio = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);
            best = Math.min(best, (threads.getCurrentThreadCpuTime() - start) / 1e9);
            if (Math.abs(audio.seconds() - seconds) > 0.1) {
                throw new IllegalStateException(file + " decoded to " + audio.seconds() + " s, expected " + seconds);
            }
        }
        return seconds / best;
    }

    private double cropCpuSeconds(Path file, double seconds) {
        SplittableRandom random = new SplittableRandom(7);
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < crops; i++) {
            double offset = random.nextDouble() * (seconds - 10);
            Audio crop = AudioDecoder.read(file, AudioFormat.MUSICGEN_MONO, offset, 10);
            if (crop.frames() != 320_000) {
                throw new IllegalStateException(file + ": crop at " + offset + " s has " + crop.frames() + " frames");
            }
        }
        return (threads.getCurrentThreadCpuTime() - start) / 1e9;
    }

    /**
     * FFmpeg contexts are opened and freed for every crop; a leak there would grow the process's resident memory.
     * Measured after a warm-up, then after many more crops.
     */
    private String residentMemoryOverCrops(Path file, double seconds) {
        SplittableRandom random = new SplittableRandom(11);
        Runnable crop = () -> AudioDecoder.read(file, AudioFormat.MUSICGEN_MONO, random.nextDouble() * (seconds - 1), 1.0);
        for (int i = 0; i < 200; i++) {
            crop.run();
        }
        System.gc();
        long before = Pointer.physicalBytes();
        for (int i = 0; i < LEAK_CHECK_CROPS; i++) {
            crop.run();
        }
        System.gc();
        long after = Pointer.physicalBytes();
        return String.format("Resident memory over %d more 1 s mp3 crops (after 200 warm-up crops): %.1f MB -> %.1f MB (%+.1f MB).",
                LEAK_CHECK_CROPS, before / 1e6, after / 1e6, (after - before) / 1e6);
    }

    /** Chords changing every two seconds plus a little noise: enough spectral content that codecs work for real. */
    private static Audio synthesize(double seconds) {
        int frames = (int) (seconds * SOURCE_RATE);
        float[] left = new float[frames];
        float[] right = new float[frames];
        double[] roots = {220.0, 174.61, 261.63, 196.0};
        SplittableRandom noise = new SplittableRandom(1);
        for (int i = 0; i < frames; i++) {
            double t = (double) i / SOURCE_RATE;
            double root = roots[(int) (t / 2) % roots.length];
            double chord = Math.sin(2 * Math.PI * root * t) + 0.6 * Math.sin(2 * Math.PI * root * 1.26 * t)
                    + 0.5 * Math.sin(2 * Math.PI * root * 1.5 * t);
            double n = noise.nextDouble() - 0.5;
            left[i] = (float) (0.25 * chord + 0.05 * n);
            right[i] = (float) (0.2 * chord - 0.05 * n);
        }
        return new Audio(new float[][] {left, right}, SOURCE_RATE);
    }
}
