package dev.retune.train.metrics;

import dev.retune.run.RunHistory;
import java.awt.Color;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The loss curve as a PNG ({@code loss.png} in the run folder): training loss per step (light), its EMA and the
 * validation loss, against the step. Drawn at each eval and at close, not per step, and replaced atomically so a
 * viewer never sees half a file. Renders off-screen with XChart's BitmapEncoder: no display is needed.
 *
 * <p>Every point is kept; at most {@link #MAX_POINTS} per line are drawn. The EMA's decay is 0.9 up to 5,000 steps
 * and longer beyond (time constant n/500 steps), so the smoothed line stays readable on a 100k-step run; where it is
 * thinned, each drawn point is the mean of the points it stands for.
 */
public final class PlotSink implements MetricsSink {

    /** Points drawn per line at most; longer lines are thinned evenly, keeping the first and last point. */
    static final int MAX_POINTS = 5000;
    private static final double MIN_TIME_CONSTANT = 10; // EMA 0.9
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 700;
    private static final Color TRAIN = new Color(31, 119, 180, 45);
    private static final Color SMOOTHED = new Color(10, 50, 120);
    private static final Color VALIDATION = new Color(230, 100, 20);

    private final Path file;
    private final String runName;
    private final Points train = new Points();
    private final Points validation = new Points();
    private boolean drawn = true;

    /**
     * @param file    the PNG to write (the run folder's {@code loss.png})
     * @param runName shown in the title
     */
    public PlotSink(Path file, String runName) {
        this(file, runName, null);
    }

    /** A plot that starts with the earlier segments of a resumed run, so it always shows the whole run. */
    public PlotSink(Path file, String runName, RunHistory earlier) {
        this.file = file;
        this.runName = runName;
        if (earlier != null) {
            earlier.steps().stream().filter(s -> Double.isFinite(s.loss())).forEach(s -> train.add(s.step(), s.loss()));
            earlier.evals().stream().filter(e -> Double.isFinite(e.loss())).forEach(e -> validation.add(e.step(), e.loss()));
            drawn = train.size == 0 && validation.size == 0;
        }
    }

    @Override
    public void step(StepMetrics m) {
        if (!Double.isFinite(m.loss())) {
            return;
        }
        train.add(m.step(), m.loss());
        drawn = false;
    }

    @Override
    public void eval(EvalMetrics m) {
        if (Double.isFinite(m.loss())) {
            validation.add(m.step(), m.loss());
        }
        draw();
    }

    @Override
    public void close() {
        if (!drawn) {
            draw();
        }
    }

    int trainPoints() {
        return train.size;
    }

    int validationPoints() {
        return validation.size;
    }

    /** Writes the PNG now (nothing when there is no point yet). */
    void draw() {
        if (train.size == 0 && validation.size == 0) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("loss: " + runName).xAxisTitle("step").yAxisTitle("loss").build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setMarkerSize(6);
        styler.setPlotGridLinesColor(new Color(225, 225, 225));
        styler.setXAxisDecimalPattern("#");
        addLine(chart, "train", train, TRAIN, 1f, false);
        double decay = 1 - 1 / Math.max(MIN_TIME_CONSTANT, train.size / 500.0);
        addLine(chart, String.format(Locale.ROOT, "train (EMA %.3f)", decay), ema(train, decay), SMOOTHED, 2f, true);
        XYSeries val = addLine(chart, "validation", validation, VALIDATION, 2f, false);
        if (val != null) {
            val.setMarker(SeriesMarkers.CIRCLE);
            val.setMarkerColor(VALIDATION);
        }
        Png.write(file, chart);
        drawn = true;
    }

    /**
     * Adds a line drawn through at most {@link #MAX_POINTS} of its points; with {@code averaged}, each drawn point
     * is the mean of the points since the previous drawn one, so a thinned smooth line stays smooth.
     */
    private static XYSeries addLine(XYChart chart, String name, Points points, Color color, float width,
                                    boolean averaged) {
        if (points.size == 0) {
            return null;
        }
        int[] picked = pick(points.size, MAX_POINTS);
        double[] x = new double[picked.length];
        double[] y = new double[picked.length];
        int from = 0;
        for (int i = 0; i < picked.length; i++) {
            x[i] = points.x[picked[i]];
            y[i] = averaged ? mean(points.y, from, picked[i] + 1) : points.y[picked[i]];
            from = picked[i] + 1;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(color);
        series.setLineWidth(width);
        return series;
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }

    /** Bias-corrected exponential moving average. */
    static Points ema(Points points, double decay) {
        Points smoothed = new Points();
        double ema = 0;
        double weight = 0;
        for (int i = 0; i < points.size; i++) {
            ema = decay * ema + (1 - decay) * points.y[i];
            weight = decay * weight + (1 - decay);
            smoothed.add((long) points.x[i], ema / weight);
        }
        return smoothed;
    }

    /** Indices of at most {@code max} points spread evenly over {@code n}, first and last included. */
    static int[] pick(int n, int max) {
        if (max < 2) {
            throw new IllegalArgumentException("expected max >= 2, found " + max);
        }
        int count = Math.min(n, max);
        int[] picked = new int[count];
        for (int k = 0; k < count; k++) {
            picked[k] = n <= max ? k : (int) Math.round((double) k * (n - 1) / (max - 1));
        }
        return picked;
    }

    /** A growing list of (step, loss). */
    static final class Points {
        double[] x = new double[1024];
        double[] y = new double[1024];
        int size;

        void add(long step, double value) {
            if (size == x.length) {
                x = Arrays.copyOf(x, size * 2);
                y = Arrays.copyOf(y, size * 2);
            }
            x[size] = step;
            y[size] = value;
            size++;
        }
    }
}
