package dev.retune.experiment;

import dev.retune.ExitCode;
import dev.retune.Log;
import dev.retune.ProgressListener;
import dev.retune.model.Devices;
import dev.retune.model.ModelFolder;
import dev.retune.train.TrainRun;
import dev.retune.train.distributed.LocalLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.javacpp.PointerScope;

/**
 * A sweep's runs as {@code parallel} separate {@code retune train} processes at once, the cores split between them
 * ({@code OMP_NUM_THREADS}: libtorch's threads; the run's config stays the one its hash names, so a run started in
 * one mode resumes in the other). Each process's stdout and stderr go to {@code train.log} in its run folder. On a
 * stop every child gets SIGTERM (it checkpoints and exits on its own) and the sweep returns without waiting long.
 */
final class SweepProcesses {

    /** How often a waiting worker looks at the stop flag. */
    private static final long POLL_MS = 100;
    /** How long a stopped sweep waits for its children before it returns (they finish their step on their own). */
    private static final long STOP_GRACE_MS = 1500;

    private final ConcurrentLinkedQueue<SweepRun> queue;
    private final int parallel;
    private final Path base;
    private final int threads;

    SweepProcesses(List<SweepRun> pending, int parallel, Path base) {
        this.queue = new ConcurrentLinkedQueue<>(pending);
        this.parallel = Math.min(parallel, pending.size());
        this.base = base;
        this.threads = Math.max(1, Runtime.getRuntime().availableProcessors() / this.parallel);
    }

    /** Trains every run; false when stopped. A child that failed makes the sweep fail once the others are done. */
    boolean run(ProgressListener progress, int done, int total, AtomicBoolean stop) {
        createMissingModels(List.copyOf(queue));
        Log.info(parallel + " processes at once, " + threads + " threads each");
        AtomicInteger finished = new AtomicInteger(done);
        AtomicReference<SweepException> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            Thread worker = new Thread(() -> {
                for (SweepRun run = queue.poll(); run != null && !stop.get(); run = queue.poll()) {
                    int code = trainChild(run, stop);
                    if (code == ExitCode.OK || code == ExitCode.DIVERGED) {
                        progress.update(finished.incrementAndGet(), total);
                    } else if (!stop.get()) {
                        failure.compareAndSet(null, Sweep.failed(run, code));
                    }
                }
            }, "retune-sweep-" + i);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            join(worker, stop);
        }
        if (stop.get()) {
            return false;
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return true;
    }

    /**
     * Creates the shared preset models the runs name but that do not exist yet: two children creating the same
     * folder at once would collide. (A run without {@code model.path} creates its own in its run folder.)
     */
    private static void createMissingModels(List<SweepRun> runs) {
        Set<Path> checked = new HashSet<>();
        for (SweepRun run : runs) {
            Path folder = run.folder().modelFolder(run.config());
            if (run.config().model().path() != null && checked.add(folder) && !Files.exists(folder.resolve(ModelFolder.CONFIG))) {
                try (PointerScope scope = new PointerScope()) {
                    new TrainRun(run.config(), run.dir()).loadModel(Devices.select(run.config().device()));
                }
            }
        }
    }

    /** Waits for a worker; once stopped, only a short while more. */
    private static void join(Thread worker, AtomicBoolean stop) {
        try {
            while (worker.isAlive() && !stop.get()) {
                worker.join(POLL_MS);
            }
            worker.join(STOP_GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts and waits for one child; its exit code. */
    private int trainChild(SweepRun run, AtomicBoolean stop) {
        Log.info("training " + run.name() + " (" + run.variant() + ", seed " + run.seed() + ") in its own process");
        Process process;
        try {
            Files.createDirectories(run.dir());
            ProcessBuilder builder = new ProcessBuilder(Sweep.command(base, run)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(run.dir().resolve(Sweep.LOG).toFile()));
            Map<String, String> env = builder.environment();
            env.put("OMP_NUM_THREADS", Integer.toString(threads));
            env.put(LocalLauncher.LAUNCHER_PID, Long.toString(ProcessHandle.current().pid())); // a child stops if the sweep dies
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start retune train for " + run.dir() + ": " + e.getMessage(), e);
        }
        try {
            while (!process.waitFor(POLL_MS, TimeUnit.MILLISECONDS)) {
                if (stop.get()) {
                    process.destroy(); // SIGTERM: the child finishes its step, checkpoints and exits
                    return ExitCode.INTERRUPTED;
                }
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            return ExitCode.INTERRUPTED;
        }
    }
}
