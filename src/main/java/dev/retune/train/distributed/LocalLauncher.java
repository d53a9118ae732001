package dev.retune.train.distributed;

import dev.retune.ExitCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code retune train CONFIG --nproc N}: starts N copies of this command as worker processes on this machine, with the
 * torchrun environment ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT}),
 * and supervises them. When one fails the others are stopped (SIGTERM, then SIGKILL after a grace period) and the
 * launcher exits with the failed worker's code; a SIGTERM to the launcher is passed on to the workers, which checkpoint
 * and stop. Workers also stop when the launcher disappears, so none is left behind.
 */
public final class LocalLauncher {

    /** Environment variable naming the launcher's pid, so a worker can notice it is orphaned. */
    public static final String LAUNCHER_PID = "RETUNE_LAUNCHER_PID";
    private static final long GRACE_SECONDS = 120;
    /** Named, not referenced: the launcher sits below the command line it starts. */
    private static final String MAIN = "dev.retune.cli.Main";

    private LocalLauncher() {}

    /** Runs {@code args} (a full command line, verb first) in {@code nproc} worker processes; returns the exit code. */
    public static int run(int nproc, List<String> args, PrintWriter err) {
        int port = freePort();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
        err.printf("retune: starting %d worker processes (rendezvous 127.0.0.1:%d, %d CPU threads each)%n", nproc, port, threads);
        err.flush();
        List<Process> workers = new ArrayList<>();
        Thread forward = new Thread(() -> stopAll(workers), "retune-launcher-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        try {
            for (int rank = 0; rank < nproc; rank++) {
                workers.add(start(rank, nproc, port, threads, args));
            }
            return supervise(workers, err);
        } finally {
            stopAll(workers);
            try {
                Runtime.getRuntime().removeShutdownHook(forward);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting on a signal: the hook is passing it on.
            }
        }
    }

    /** {@code retune ARGS} in a new JVM started as this one was: the same java, JVM options and class path. */
    public static List<String> retuneCommand(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN);
        command.addAll(args);
        return command;
    }

    private static Process start(int rank, int world, int port, int threads, List<String> args) {
        List<String> command = retuneCommand(args);
        // stderr (progress bar, errors) goes straight through; stdout is pumped, see forwardOutput.
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = builder.environment();
        env.put("RANK", Integer.toString(rank));
        env.put("LOCAL_RANK", Integer.toString(rank));
        env.put("WORLD_SIZE", Integer.toString(world));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", Integer.toString(port));
        env.put(LAUNCHER_PID, Long.toString(ProcessHandle.current().pid()));
        env.putIfAbsent("OMP_NUM_THREADS", Integer.toString(threads)); // the cores are shared between the workers
        try {
            Process process = builder.start();
            forwardOutput(process, rank);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start worker " + rank + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies a worker's stdout line by line: rank 0's to this process's stdout (the JSON lines of {@code --json}), the
     * other ranks' and the lines libtorch's Gloo backend prints when it connects ("[Gloo] Rank 0 is connected to...")
     * to stderr, so stdout stays machine-readable.
     */
    private static void forwardOutput(Process process, int rank) {
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    PrintStream target = rank == 0 && !line.startsWith("[Gloo]") ? System.out : System.err;
                    target.println(line);
                    target.flush();
                }
            } catch (IOException e) {
                // The worker is gone; its exit code tells what happened.
            }
        }, "retune-worker-" + rank + "-stdout");
        pump.setDaemon(true);
        pump.start();
    }

    /** Waits until all workers succeeded or one failed; on a failure stops the rest. */
    private static int supervise(List<Process> workers, PrintWriter err) {
        while (true) {
            boolean running = false;
            for (int rank = 0; rank < workers.size(); rank++) {
                Process p = workers.get(rank);
                if (p.isAlive()) {
                    running = true;
                } else if (p.exitValue() != 0) {
                    int code = p.exitValue();
                    err.printf("retune: worker %d (pid %d) exited with code %d%s; stopping the other workers%n", rank, p.pid(), code,
                            code > 128 ? " (signal " + (code - 128) + ")" : "");
                    err.flush();
                    stopAll(workers);
                    return verdict(code, workers);
                }
            }
            if (!running) {
                return ExitCode.OK;
            }
            try {
                workers.get(0).waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCode.INTERRUPTED;
            }
        }
    }

    /**
     * The run's exit code once every worker has stopped. The first worker to fail may have given its own verdict (bad
     * config, no data, diverged, or a user's signal); if it crashed, was killed or lost its peers, another worker may
     * still have said why (bad input ... diverged: 2 to 6; not 130 / 143, which the launcher's own SIGTERM causes);
     * otherwise 7.
     */
    private static int verdict(int first, List<Process> workers) {
        if (first >= ExitCode.USAGE && first <= ExitCode.DIVERGED || first == ExitCode.INTERRUPTED || first == 143) {
            return first;
        }
        for (Process p : workers) {
            int code = p.isAlive() ? ExitCode.PEER_FAILED : p.exitValue();
            if (code >= ExitCode.USAGE && code <= ExitCode.DIVERGED) {
                return code;
            }
        }
        return ExitCode.PEER_FAILED;
    }

    /** SIGTERM to every live worker (they checkpoint and exit), SIGKILL to any still alive after the grace period. */
    private static void stopAll(List<Process> workers) {
        List<Process> live = workers.stream().filter(Process::isAlive).toList();
        live.forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
        for (Process p : live) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port for the workers' rendezvous: " + e.getMessage(), e);
        }
    }
}
