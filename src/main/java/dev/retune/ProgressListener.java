package dev.retune;

/**
 * Told how far a long piece of work has come, in the work's own unit: files checked, seconds of audio encoded,
 * generation steps. The command line draws a bar from it; a program embedding Retune may log or ignore it.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (done, total) -> { };

    /**
     * @param done  units done so far
     * @param total units in all (may grow while the work learns its size)
     */
    void update(double done, double total);
}
