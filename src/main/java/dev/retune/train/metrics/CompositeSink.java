package dev.retune.train.metrics;

import dev.retune.Log;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sends every call to several sinks. A sink that throws does not stop the others: its first failure is reported
 * on the error stream, later ones are counted and the count reported at close (a full disk would otherwise print
 * one line per step). Closing closes every sink.
 */
public final class CompositeSink implements MetricsSink {

    private final List<MetricsSink> sinks;
    private final Log.Handler errors;
    private final Map<MetricsSink, Integer> failures = new IdentityHashMap<>();

    /**
     * @param sinks  called in this order
     * @param errors where failures are reported (never into these sinks themselves: a failing one would report again)
     */
    public CompositeSink(List<MetricsSink> sinks, Log.Handler errors) {
        this.sinks = List.copyOf(sinks);
        this.errors = errors;
    }

    @Override
    public void start(long totalSteps, long startStep) {
        each("start", sink -> sink.start(totalSteps, startStep));
    }

    @Override
    public void step(StepMetrics metrics) {
        each("step", sink -> sink.step(metrics));
    }

    @Override
    public void eval(EvalMetrics metrics) {
        each("eval", sink -> sink.eval(metrics));
    }

    @Override
    public void message(String text) {
        each("message", sink -> sink.message(text));
    }

    @Override
    public void close() {
        each("close", MetricsSink::close);
        failures.forEach((sink, count) -> {
            if (count > 1) {
                errors.message("metrics: " + name(sink) + " failed " + count + " times in all");
            }
        });
    }

    private void each(String call, Consumer<MetricsSink> action) {
        for (MetricsSink sink : sinks) {
            try {
                action.accept(sink);
            } catch (RuntimeException e) {
                int count = failures.merge(sink, 1, Integer::sum);
                if (count == 1 || call.equals("close")) {
                    errors.message("metrics: " + name(sink) + "." + call + " failed: " + e);
                }
            }
        }
    }

    private static String name(MetricsSink sink) {
        return sink.getClass().getSimpleName();
    }
}
