package dev.retune.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGINT / SIGTERM for {@code retune train}. Before training begins (model loading, dataset encoding) a signal ends
 * the process at once: every file written until then is written atomically (the token cache, a preset model), so
 * nothing half-written is left and a rerun goes on from what was done. Once {@link #holdExit} was called, the JVM's
 * shutdown hook raises {@link #requested} and holds the exit until the work has stopped cleanly (the step finished
 * and checkpointed) and closed this. Either way the JVM exits with 128 + the signal (130 / 143).
 */
final class GracefulStop implements AutoCloseable {

    /** How long the exit waits for the work: a large model's checkpoint write can take minutes. */
    private static final long GRACE_MINUTES = 10;

    private final AtomicBoolean requested = new AtomicBoolean();
    private volatile boolean hold;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook = new Thread(this::awaitStop, "retune-stop");

    private GracefulStop() {}

    static GracefulStop install() {
        GracefulStop stop = new GracefulStop();
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** Set once a signal arrived; the work polls it between steps and evaluation batches. */
    AtomicBoolean requested() {
        return requested;
    }

    /** From now on a signal waits for the work to stop cleanly (training has begun). */
    void holdExit() {
        hold = true;
    }

    private void awaitStop() {
        requested.set(true);
        if (!hold) {
            return;
        }
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
