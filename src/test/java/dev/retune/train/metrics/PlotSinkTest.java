package dev.retune.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.run.RunHistory;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotSinkTest {

    @TempDir
    Path dir;

    private static StepMetrics step(long step, double loss) {
        return new StepMetrics(step, 0, loss, new double[] {loss}, 1e-4, 1.0, 1, false, 1000, 0.1, 0);
    }

    @Test
    void writesAPngAtEvalAndAtClose() throws IOException {
        Path png = dir.resolve("loss.png");
        try (PlotSink sink = new PlotSink(png, "demo-run")) {
            for (long s = 1; s <= 200; s++) {
                sink.step(step(s, 5.0 / Math.sqrt(s) + 0.1 * Math.sin(s)));
            }
            assertFalse(Files.exists(png), "steps alone do not draw");
            sink.eval(new EvalMetrics(200, 0.6, new double[] {0.6}, true, false));
            assertTrue(Files.exists(png), "an eval draws");
            Files.delete(png);
            sink.step(step(201, Double.NaN)); // not plotted
            sink.step(step(202, 0.5));
        }

        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a readable PNG");
        assertTrue(image.getWidth() > 0 && image.getHeight() > 0);
        assertTrue(Files.size(png) > 0);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList(), "no temp file is left");
        }
    }

    @Test
    void aResumedRunsPlotStartsWithTheEarlierSegments() throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        try (JsonlSink earlier = JsonlSink.appendTo(metrics)) {
            earlier.start(60, 0);
            for (long s = 1; s <= 50; s++) {
                earlier.step(step(s, 4.0 - s * 0.01));
            }
            earlier.eval(new EvalMetrics(50, 3.6, new double[] {3.6}, true, false));
        }
        Path png = dir.resolve("loss.png");

        PlotSink sink = new PlotSink(png, "resumed", RunHistory.read(metrics));
        for (long s = 51; s <= 60; s++) {
            sink.step(step(s, 3.4));
        }
        sink.close();

        assertEquals(60, sink.trainPoints(), "steps 1-50 of the earlier segment and 51-60 of this one");
        assertEquals(1, sink.validationPoints());
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void rendersWithoutADisplay() throws IOException {
        assertTrue(GraphicsEnvironment.isHeadless() || System.getenv("DISPLAY") != null,
                "expected a headless JVM when no display is set");
        Path png = dir.resolve("loss.png");
        try (PlotSink sink = new PlotSink(png, "headless")) {
            sink.step(step(1, 3.0));
        }

        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void aLongRunIsDrawnFromAtMostMaxPoints() throws IOException {
        Path png = dir.resolve("loss.png");
        try (PlotSink sink = new PlotSink(png, "long")) {
            for (long s = 1; s <= 100_000; s++) {
                sink.step(step(s, 3.0 + 1.0 / s));
            }
        }

        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void pickKeepsFirstAndLastAndStaysUnderTheLimit() {
        int[] picked = PlotSink.pick(100_000, PlotSink.MAX_POINTS);

        assertEquals(PlotSink.MAX_POINTS, picked.length);
        assertEquals(0, picked[0]);
        assertEquals(99_999, picked[picked.length - 1]);
        for (int i = 1; i < picked.length; i++) {
            assertTrue(picked[i] > picked[i - 1], "indices strictly increase");
        }
        assertArrayEquals(new int[] {0, 1, 2}, PlotSink.pick(3, PlotSink.MAX_POINTS));
        assertArrayEquals(new int[] {0, 2, 4}, PlotSink.pick(5, 3));
    }

    @Test
    void emaIsBiasCorrected() {
        PlotSink.Points points = new PlotSink.Points();
        for (long s = 1; s <= 3; s++) {
            points.add(s, 2.0);
        }
        points.add(4, 12.0);

        PlotSink.Points smoothed = PlotSink.ema(points, 0.9);

        assertEquals(2.0, smoothed.y[0], 1e-12, "the first value is not pulled towards zero");
        assertEquals(2.0, smoothed.y[2], 1e-12);
        double weight = 1 - Math.pow(0.9, 4);
        assertEquals((2.0 * (1 - 0.1 * 1) * 0 + 0.1 * 12 + 2.0 * (weight - 0.1)) / weight, smoothed.y[3], 1e-12);
    }

    @Test
    void nothingToDrawWritesNothing() {
        Path png = dir.resolve("loss.png");
        new PlotSink(png, "empty").close();

        assertFalse(Files.exists(png));
    }
}
