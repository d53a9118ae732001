package dev.retune.experiment;

import dev.retune.train.metrics.Png;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * {@code plots/prompt-sets-heatmap.png}: prompt sets × measures, each cell the prompt set's mean of the measure (over
 * every source and parameter set) as a z-score across the prompt sets' means, so measures of any unit share one colour
 * scale: which prompt sets are loud, bright, fast relative to the others. A measure no sample defines, or with equal
 * means, is left out.
 */
final class ExperimentHeatmap {

    static final String FILE = "plots/prompt-sets-heatmap.png";

    private ExperimentHeatmap() {}

    /** Draws the heatmap into {@code out}; returns false (and draws nothing) with fewer than two prompt sets or no measure. */
    static boolean write(Path out, List<ExperimentSample> samples, List<String> metrics) {
        Map<String, List<ExperimentSample>> bySet = new LinkedHashMap<>();
        samples.forEach(s -> bySet.computeIfAbsent(s.promptSet(), k -> new ArrayList<>()).add(s));
        List<String> sets = List.copyOf(bySet.keySet());
        List<String> shown = new ArrayList<>();
        List<Number[]> cells = new ArrayList<>();
        for (String metric : metrics) {
            double[] means = sets.stream().mapToDouble(set -> mean(Analysis.values(bySet.get(set), metric))).toArray();
            AnalysisStatistics spread = AnalysisStatistics.of(Arrays.stream(means).filter(Double::isFinite).toArray());
            if (spread.std() == null || spread.std() == 0) {
                continue;
            }
            for (int x = 0; x < sets.size(); x++) {
                if (Double.isFinite(means[x])) {
                    double z = (means[x] - spread.mean()) / spread.std();
                    cells.add(new Number[] {x, shown.size(), Math.round(z * 100) / 100.0}); // the cell shows the value
                }
            }
            shown.add(metric);
        }
        if (sets.size() < 2 || shown.isEmpty()) {
            return false;
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(900).height(120 + 40 * shown.size())
                .title("prompt set × measure: z-score of the prompt set's mean").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotContentSize(1);
        chart.getStyler().setRangeColors(new Color[] {new Color(59, 76, 192), Color.WHITE, new Color(180, 4, 38)});
        chart.getStyler().setShowValue(true);
        double extreme = cells.stream().mapToDouble(cell -> Math.abs(cell[2].doubleValue())).max().orElse(1);
        chart.getStyler().setMin(-extreme); // white is the mean of the prompt sets
        chart.getStyler().setMax(extreme);
        chart.addSeries("z", sets, shown, cells);
        Png.write(out.resolve(FILE), chart);
        return true;
    }

    /** The mean of {@code values}; NaN for none. */
    private static double mean(double[] values) {
        return values.length == 0 ? Double.NaN : AnalysisStatistics.of(values).mean();
    }
}
