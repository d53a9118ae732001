package dev.retune.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompositeSinkTest {

    private static final class Failing implements MetricsSink {
        @Override
        public void step(StepMetrics metrics) {
            throw new IllegalStateException("disk full");
        }

        @Override
        public void close() {
            throw new IllegalStateException("cannot close");
        }
    }

    private static final class Recording implements MetricsSink {
        final List<String> calls = new ArrayList<>();

        @Override
        public void step(StepMetrics metrics) {
            calls.add("step " + metrics.step());
        }

        @Override
        public void message(String text) {
            calls.add(text);
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    @Test
    void aFailingSinkDoesNotStopTheOthers() {
        List<String> reported = new ArrayList<>();
        Recording recording = new Recording();
        CompositeSink sink = new CompositeSink(List.of(new Failing(), recording), reported::add);

        sink.step(JsonlSinkTest.step(1, false));
        sink.step(JsonlSinkTest.step(2, false));
        sink.message("hi");
        sink.close();

        assertEquals(List.of("step 1", "step 2", "hi", "close"), recording.calls);
        assertEquals(3, reported.size(), reported.toString());
        assertTrue(reported.get(0).contains("Failing.step failed") && reported.get(0).contains("disk full"));
        assertTrue(reported.get(1).contains("Failing.close failed"));
        assertTrue(reported.get(2).contains("failed 3 times"));
    }
}
