package dev.retune.generate;

/** Told after every generation step. */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (step, steps) -> { };

    /**
     * @param step  steps done so far (1-based)
     * @param steps total steps of this generation (frames + K − 1)
     */
    void onStep(int step, int steps);
}
