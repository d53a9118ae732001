package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.model.ModelFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Checkpoint load time and memory: peak anonymous resident memory (the process's own copies of data) and peak
 * file-backed resident memory (pages of the memory-mapped checkpoint), sampled from /proc/self/status while loading.
 * A loader that held a second full copy would show anonymous memory near twice the checkpoint's size.
 */
@Command(name = "load",
        mixinStandardHelpOptions = true,
        description = "Time loading a model folder and sample its peak memory (Linux /proc).",
        footer = {"", "Example:", "  retune model init --preset small --out /tmp/small && retune bench load /tmp/small"})
final class BenchLoadCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Model folder.")
    Path dir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long checkpointBytes = Files.size(dir.resolve(ModelFolder.WEIGHTS));
        long anonBefore = readKb("RssAnon");
        AtomicLong peakAnon = new AtomicLong(anonBefore);
        AtomicLong peakFile = new AtomicLong(readKb("RssFile"));
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakAnon.accumulateAndGet(readKb("RssAnon"), Math::max);
                peakFile.accumulateAndGet(readKb("RssFile"), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long start = System.nanoTime();
        ModelFolder.Loaded loaded = ModelFolder.load(dir, org.bytedeco.pytorch.global.torch.ScalarType.Float, new Device("cpu"));
        double seconds = (System.nanoTime() - start) / 1e9;
        sampler.interrupt();
        sampler.join();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("| checkpoint | parameters | load time | anonymous RSS before → peak | peak file-backed RSS |%n|---|---|---|---|---|%n");
        out.printf("| %.2f GB (%s) | %,d | %.1f s | %.2f → %.2f GB (+%.2f GB) | %.2f GB |%n", checkpointBytes / 1e9, dir.getFileName(),
                loaded.model().parameterCount(""), seconds, anonBefore / 1e6, peakAnon.get() / 1e6,
                (peakAnon.get() - anonBefore) / 1e6, peakFile.get() / 1e6);
        out.flush();
        return ExitCode.OK;
    }

    /** A "Name:   123 kB" line of /proc/self/status, in kB (0 where /proc is absent). */
    private static long readKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
