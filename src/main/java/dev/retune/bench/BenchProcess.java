package dev.retune.bench;

import dev.retune.train.distributed.LocalLauncher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the memory benchmarks need from Linux and from a fresh process. A process's peak resident memory (VmHWM) only
 * ever rises, so each measurement of a peak runs in a child JVM of its own, started as {@link LocalLauncher} starts
 * workers: this JVM's own command, options and class path.
 */
final class BenchProcess {

    /** Linux reports CPU times in ticks of 1/100 s (USER_HZ, fixed at 100 on x86-64 and arm64). */
    private static final double TICKS_PER_SECOND = 100;

    private BenchProcess() {}

    /** This process's resident memory now and at its peak, and the CPU time it spent in user and in kernel code. */
    record Usage(long residentBytes, long peakResidentBytes, double userSeconds, double systemSeconds) {

        static Usage now() {
            return new Usage(statusKb("VmRSS") * 1024, statusKb("VmHWM") * 1024, statTicks(14) / TICKS_PER_SECOND,
                    statTicks(15) / TICKS_PER_SECOND);
        }

        /** The kernel's share of the CPU time spent since {@code before} (the rest is user code). */
        double systemShareSince(Usage before) {
            double user = userSeconds - before.userSeconds;
            double system = systemSeconds - before.systemSeconds;
            return user + system == 0 ? 0 : system / (user + system);
        }

        double cpuSecondsSince(Usage before) {
            return userSeconds - before.userSeconds + systemSeconds - before.systemSeconds;
        }
    }

    /** A measurement process that failed; it has printed its own error. */
    static final class Failed extends RuntimeException {
        final int exitCode;

        Failed(List<String> args, int exitCode) {
            super("measurement `retune " + String.join(" ", args) + "` exited with code " + exitCode
                    + (exitCode == 137 ? " (killed: out of memory?)" : ""));
            this.exitCode = exitCode;
        }
    }

    /** Memory available to new work, from /proc/meminfo's MemAvailable (0 when unknown). */
    static long availableBytes() {
        return lineKb(Path.of("/proc/meminfo"), "MemAvailable") * 1024;
    }

    /**
     * Runs {@code args} (a retune command line) in a fresh JVM and returns what it printed on stdout; its stderr goes
     * to this process's stderr.
     *
     * @throws Failed when it exits with another code than 0 (killed for memory: 137)
     */
    static List<String> run(List<String> args) {
        return run(List.of(), args);
    }

    /** As {@link #run(List)}, with {@code jvmOptions} after this JVM's own (so they take precedence). */
    static List<String> run(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>(LocalLauncher.retuneCommand(args));
        command.addAll(command.indexOf("-cp"), jvmOptions);
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            }
            int code = process.waitFor();
            if (code != 0) {
                throw new Failed(args, code);
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a measurement process: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring", e);
        }
    }

    private static long statusKb(String field) {
        return lineKb(Path.of("/proc/self/status"), field);
    }

    /** A "Name:   123 kB" line of a /proc file, in kB (0 where /proc is absent). */
    private static long lineKb(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Field {@code index} (1-based, as proc(5) numbers them) of /proc/self/stat, after the command name. */
    private static long statTicks(int index) {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[index - 3]); // fields[0] is field 3, the state
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
