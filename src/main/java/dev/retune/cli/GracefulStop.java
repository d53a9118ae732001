package dev.retune.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGINT / SIGTERM for a long verb: the JVM runs a shutdown hook, which raises {@link #requested} and holds the exit
 * until the work has stopped cleanly (a step finished and checkpointed, a cache entry written) and closed this. The
 * JVM then exits with 128 + the signal (130 / 143).
 */
final class GracefulStop implements AutoCloseable {

    /** How long the exit waits for the work: a large model's checkpoint write can take minutes. */
    private static final long GRACE_MINUTES = 10;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook = new Thread(this::awaitStop, "retune-stop");

    private GracefulStop() {}

    static GracefulStop install() {
        GracefulStop stop = new GracefulStop();
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** Set once a signal arrived; the work polls it between steps, files and batches. */
    AtomicBoolean requested() {
        return requested;
    }

    private void awaitStop() {
        requested.set(true);
        try {
            stopped.await(GRACE_MINUTES, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The work is over: a pending exit may go on. */
    @Override
    public void close() {
        stopped.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting because of the signal; the hook is running.
        }
    }
}
