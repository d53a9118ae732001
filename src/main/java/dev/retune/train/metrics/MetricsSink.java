package dev.retune.train.metrics;

/** Where training metrics go: the console bar, metrics.jsonl, the loss plot. */
public interface MetricsSink extends AutoCloseable {

    /** Takes everything and keeps nothing (the ranks of a multi-process run other than rank 0). */
    MetricsSink NONE = metrics -> { };

    /** Called once before the first step, with the total number of optimizer steps planned and the step resumed at. */
    default void start(long totalSteps, long startStep) {}

    void step(StepMetrics metrics);

    default void eval(EvalMetrics metrics) {}

    /** A line for the user (what is happening: resumed, checkpoint written, stopping). */
    default void message(String text) {}

    @Override
    default void close() {}
}
