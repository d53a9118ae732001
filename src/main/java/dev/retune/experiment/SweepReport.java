package dev.retune.experiment;

import dev.retune.Json;
import dev.retune.data.AtomicFile;
import dev.retune.evaluate.MarkdownTable;
import dev.retune.run.RunHistory;
import dev.retune.train.metrics.Png;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A sweep's report files in its folder, each written atomically: sweep.json, report.md and curves.png. */
public final class SweepReport {

    public static final String JSON = "sweep.json";
    public static final String MARKDOWN = "report.md";
    public static final String CURVES = "curves.png";

    /** One colour per variant (Tableau 10), repeating after ten. */
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
        new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207)};

    private SweepReport() {}

    /** Writes the three files into the sweep's {@code out} folder. */
    public static void write(Sweep sweep, SweepResult result) {
        Path out = sweep.config().out();
        AtomicFile.writeString(out.resolve(JSON), Json.of(result) + "\n");
        curves(out.resolve(CURVES), SweepResult.curves(sweep));
        AtomicFile.writeString(out.resolve(MARKDOWN), markdown(result));
    }

    /** The comparison: one row per variant, then one per run. */
    public static String markdown(SweepResult result) {
        boolean forgetting = result.variants().stream().anyMatch(v -> v.forgetting().n() > 0);
        List<String> header = new ArrayList<>(List.of("variant", "runs", "best valid loss", "step of best", "wall s",
                "trainable params", "tokens/s"));
        if (forgetting) {
            header.add("forgetting (nats/token)");
        }
        MarkdownTable variants = new MarkdownTable(header);
        for (SweepResult.VariantRow v : result.variants()) {
            List<String> row = new ArrayList<>(List.of(v.variant(), Integer.toString(v.runs()), stat(v.bestValLoss(), "%.4f"),
                    stat(v.bestValStep(), "%.0f"), stat(v.wallSeconds(), "%.1f"), String.format(Locale.ROOT, "%,d", v.trainableParameters()),
                    stat(v.tokensPerSecond(), "%.0f")));
            if (forgetting) {
                row.add(stat(v.forgetting(), "%+.4f"));
            }
            variants.row(row);
        }
        List<String> runHeader = new ArrayList<>(List.of("run", "variant", "seed", "status", "steps", "best valid loss",
                "step of best", "wall s", "tokens/s"));
        if (forgetting) {
            runHeader.add("forgetting");
        }
        MarkdownTable runs = new MarkdownTable(runHeader);
        for (SweepResult.RunRow r : result.runs()) {
            List<Object> row = new ArrayList<>(List.of(Path.of(r.folder()).getFileName(), r.variant(), r.seed(), r.status(), r.steps(),
                    number(r.bestValLoss(), "%.4f"), r.bestValStep() < 0 ? "—" : r.bestValStep(), number(r.wallSeconds(), "%.1f"),
                    number(r.tokensPerSecond(), "%.0f")));
            if (forgetting) {
                row.add(number(r.forgetting(), "%+.4f"));
            }
            runs.row(row);
        }
        return "# Sweep " + result.sweep() + "\n\nBase config: " + result.base() + ". Mean ± sample std over seeds "
                + "(the runs that have the figure)" + (forgetting ? "; forgetting: the best checkpoint's loss on the general dataset minus"
                + " the base model's, nats/token (positive: forgot)" : "") + ".\n\n" + variants + "\n![validation curves](" + CURVES + ")\n\n## Runs\n\n" + runs;
    }

    private static String stat(SweepResult.Stat s, String format) {
        if (s.n() == 0) {
            return "—";
        }
        String mean = String.format(Locale.ROOT, format, s.mean());
        return s.n() < 2 ? mean : mean + " ± " + String.format(Locale.ROOT, format.replace("+", ""), s.std());
    }

    private static String number(double value, String format) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, format, value) : "—";
    }

    /** Every run's validation loss by step, one line per run, one colour per variant. */
    private static void curves(Path file, Map<SweepRun, List<RunHistory.Eval>> curves) {
        XYChart chart = new XYChartBuilder().width(900).height(500).title("validation loss").xAxisTitle("step")
                .yAxisTitle("validation loss").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        Map<String, Color> colours = new LinkedHashMap<>();
        curves.forEach((run, evals) -> {
            Color colour = colours.computeIfAbsent(run.variant(), v -> PALETTE[colours.size() % PALETTE.length]);
            if (evals.isEmpty()) {
                return;
            }
            XYSeries line = chart.addSeries(run.variant() + " seed " + run.seed(), evals.stream().mapToDouble(RunHistory.Eval::step).toArray(),
                    evals.stream().mapToDouble(RunHistory.Eval::loss).toArray());
            line.setLineColor(colour);
            line.setMarkerColor(colour);
            line.setMarker(SeriesMarkers.CIRCLE);
        });
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no evaluation yet", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        }
        Png.write(file, chart);
    }
}
