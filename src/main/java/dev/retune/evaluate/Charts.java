package dev.retune.evaluate;

import dev.retune.train.metrics.Png;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's PNG plots: one metric's distribution per source, and estimates with their intervals side by side. */
public final class Charts {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private Charts() {}

    /**
     * A box plot per source of one per-clip metric (sources in map order; a source without values is left out). A
     * metric no source has a value of gets no plot: returns whether one was written.
     */
    public static boolean distributions(Path file, String metric, Map<String, double[]> valuesBySource) {
        if (valuesBySource.values().stream().allMatch(v -> v.length == 0)) {
            return false;
        }
        BoxChart chart = new BoxChartBuilder().width(WIDTH).height(HEIGHT).title(metric).yAxisTitle(metric).build();
        style(chart.getStyler());
        valuesBySource.forEach((source, values) -> {
            if (values.length > 0) {
                chart.addSeries(source, values);
            }
        });
        Png.write(file, chart);
        return true;
    }

    /**
     * Each source's estimate as a dot with its interval as a vertical line (intervals are drawn as they are, not made
     * symmetric), sources along the x axis.
     */
    public static void estimates(Path file, String metric, List<String> sources, double[] value, double[] lower, double[] upper) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(metric).yAxisTitle(metric).build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisMin(-0.5);
        chart.getStyler().setXAxisMax(sources.size() - 0.5);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> {
            long i = Math.round(x);
            return Math.abs(x - i) < 1e-9 && i >= 0 && i < sources.size() ? sources.get((int) i) : "";
        });
        for (int i = 0; i < sources.size(); i++) {
            if (Double.isFinite(lower[i]) && Double.isFinite(upper[i])) {
                XYSeries interval = chart.addSeries(sources.get(i) + " interval", new double[] {i, i}, new double[] {lower[i], upper[i]});
                interval.setMarker(SeriesMarkers.NONE);
                interval.setLineColor(Color.GRAY);
            }
            XYSeries point = chart.addSeries(sources.get(i), new double[] {i}, new double[] {value[i]});
            point.setMarker(SeriesMarkers.CIRCLE);
            point.setMarkerColor(new Color(31, 119, 180));
        }
        Png.write(file, chart);
    }

    private static void style(AxesChartStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(225, 225, 225));
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    }
}
