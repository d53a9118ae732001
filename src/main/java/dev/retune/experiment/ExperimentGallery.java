package dev.retune.experiment;

import dev.retune.data.AtomicFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * report.html: the report as a page to listen through: what was asked for, per measure the table and the plots, then
 * every sample with an audio player, its prompt, seed and measures. Audio and plots are linked by their paths in the
 * experiment's folder, so the page opens from the folder (or the unpacked package) with no network and stays small
 * however many samples there are; it loads no scripts, fonts or styles from elsewhere.
 */
final class ExperimentGallery {

    private ExperimentGallery() {}

    static void write(Path out, ExperimentResult result, Analysis analysis) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Experiment ")
                .append(escape(result.experiment())).append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
                        + "img{max-width:45em}audio{height:2em}</style></head><body>\n");
        html.append("<h1>Experiment ").append(escape(result.experiment())).append("</h1>\n<p>").append(result.samples().size())
                .append(" samples, experiment seed ").append(result.seed()).append(".</p>\n");
        html.append("<h2>Measures</h2>\n<p>Mean, sample standard deviation and 95% Student-t interval of the mean per group.</p>\n");
        if (Files.isRegularFile(out.resolve(ExperimentHeatmap.FILE))) {
            html.append("<img src=\"").append(ExperimentHeatmap.FILE).append("\" alt=\"prompt sets × measures\">\n");
        }
        for (String metric : result.metrics()) {
            html.append("<h3>").append(escape(metric)).append("</h3>\n");
            table(html, List.of("source", "parameter set", "prompt set", "n", "mean", "std", "95% interval"), analysis.groups().stream()
                    .map(g -> {
                        AnalysisStatistics s = g.metrics().get(metric);
                        return List.of(g.source(), g.parameterSet(), g.promptSet(), String.valueOf(s.n()), number(s.mean()), number(s.std()),
                                s.low() == null ? "—" : "[" + number(s.low()) + ", " + number(s.high()) + "]");
                    }).toList());
            for (String by : List.of("parameter-set", "prompt-set")) {
                String plot = "plots/" + metric + "-by-" + by + ".png";
                if (Files.isRegularFile(out.resolve(plot))) {
                    html.append("<img src=\"").append(escape(plot)).append("\" alt=\"").append(escape(metric + " by " + by)).append("\">\n");
                }
            }
        }
        html.append("<h2>Samples</h2>\n<table><tr><th>sample</th><th>prompt</th><th>seed</th><th>listen</th><th>measures</th></tr>\n");
        for (ExperimentSample sample : result.samples()) {
            StringBuilder measures = new StringBuilder();
            sample.metrics().forEach((name, value) -> measures.append(escape(name)).append(' ').append(number(value)).append("<br>"));
            html.append("<tr><td>").append(escape(sample.id())).append("</td><td>").append(escape(sample.prompt())).append("</td><td>")
                    .append(sample.seed()).append("</td><td><audio controls preload=\"none\" src=\"").append(escape(sample.path()))
                    .append("\"></audio></td><td>").append(measures).append("</td></tr>\n");
        }
        html.append("</table>\n</body></html>\n");
        AtomicFile.writeString(out.resolve("report.html"), html.toString());
    }

    private static void table(StringBuilder html, List<String> header, List<List<String>> rows) {
        html.append("<table><tr>");
        header.forEach(h -> html.append("<th>").append(escape(h)).append("</th>"));
        html.append("</tr>\n");
        for (List<String> row : rows) {
            html.append("<tr>");
            row.forEach(cell -> html.append("<td>").append(escape(cell)).append("</td>"));
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static String number(Double value) {
        return value == null ? "—" : String.format(Locale.ROOT, "%.4g", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
