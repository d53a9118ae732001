package dev.retune.evaluate;

import dev.retune.Json;
import dev.retune.data.AtomicFile;
import dev.retune.data.WriteException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of each comparison: a Markdown summary a person reads, and a folder with {@code summary.md},
 * {@code summary.json} (the whole result), a CSV per clip and a PNG, each written atomically. Sources are shown by the
 * names the caller gives them (in the result's order).
 */
public final class Reports {

    private Reports() {}

    // ---- held-out fit -------------------------------------------------------------------------------------------

    public static String markdown(FitComparison fit, List<String> names) {
        MarkdownTable table = new MarkdownTable(List.of("source", "loss (nats/token) [95%]", "perplexity", "vs " + names.get(0) + " [95%]",
                "trainer's eval loss", "CE per codebook"));
        for (int i = 0; i < fit.sources().size(); i++) {
            FitResult r = fit.sources().get(i);
            String difference = i == 0 ? "—" : signed(fit.differences().get(i - 1).loss(), fit.differences().get(i - 1).interval());
            table.row(List.of(names.get(i), interval(r.loss(), r.lossInterval()), format("%.2f", r.perplexity()), difference,
                    format("%.4f", r.trainerLoss()), String.join(" / ", r.codebooks().stream().map(c -> format("%.3f", c.ce())).toList())));
        }
        return String.format(Locale.ROOT, "Held-out fit on %s (%s split): %d clips, %d bootstrap resamples (seed %d); "
                + "a difference whose interval excludes 0 is distinguishable on these clips.%n%n", fit.dataset(), fit.split(), fit.clips(),
                fit.resamples(), fit.seed()) + table;
    }

    public static void write(Path dir, FitComparison fit, List<String> names) {
        folder(dir);
        AtomicFile.writeString(dir.resolve("summary.md"), markdown(fit, names));
        AtomicFile.writeString(dir.resolve("summary.json"), Json.of(fit) + "\n");
        List<String> header = new ArrayList<>(List.of("file", "tokens"));
        names.forEach(n -> header.add("loss_" + n));
        csv(dir.resolve("clips.csv"), header, rows -> {
            List<FitResult.Clip> first = fit.sources().get(0).clips();
            for (int c = 0; c < first.size(); c++) {
                List<Object> row = new ArrayList<>(List.of(first.get(c).file(), first.get(c).tokens()));
                for (FitResult r : fit.sources()) {
                    row.add(r.clips().get(c).loss());
                }
                rows.row(row);
            }
        });
        int n = fit.sources().size();
        double[] value = new double[n];
        double[] low = new double[n];
        double[] high = new double[n];
        for (int i = 0; i < n; i++) {
            FitResult r = fit.sources().get(i);
            value[i] = r.loss();
            low[i] = r.lossInterval().low();
            high[i] = r.lossInterval().high();
        }
        Charts.estimates(dir.resolve("loss.png"), "held-out loss (nats/token), 95% bootstrap interval", names, value, low, high);
    }

    // ---- distance between sets ----------------------------------------------------------------------------------

    public static String markdown(SetDistance.Result d, String evaluated, String reference) {
        MarkdownTable table = new MarkdownTable(List.of("measure", "value", "95% interval"));
        table.row(List.of("FAD (codec embeddings)", format("%.5g", d.fad()), range(d.fadCi95().low(), d.fadCi95().high())));
        table.row(List.of("FAD∞ (1/n extrapolation)", d.fadInf() == null ? "—" : format("%.5g", d.fadInf()),
                d.fadInfFit() == null ? "—" : format("fit r² %.2f", d.fadInfFit().r2())));
        table.row(List.of("KAD (unbiased MMD², RBF)", format("%.5g", d.kad()), range(d.kadCi95().low(), d.kadCi95().high())));
        table.row(List.of("clips / frames", d.clipsA() + " / " + d.framesA() + " vs " + d.clipsB() + " / " + d.framesB(), "—"));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s against %s (%d bootstrap resamples, seed %d; codec %s):%n%n",
                evaluated, reference, d.bootstrap(), d.seed(), d.provenance() == null ? "given embeddings"
                        : d.provenance().codecSha256().substring(0, Math.min(12, d.provenance().codecSha256().length()))));
        out.append(table);
        List<SetDistance.ClipScore> outliers = d.perClip().stream().filter(c -> c.fad() != null)
                .sorted(Comparator.comparingDouble(SetDistance.ClipScore::fad).reversed()).limit(5).toList();
        if (!outliers.isEmpty()) {
            MarkdownTable top = new MarkdownTable(List.of("farthest clips", "frames", "per-clip FAD", "per-clip KAD"));
            outliers.forEach(c -> top.row(List.of(c.name(), c.frames(), format("%.5g", c.fad()), c.kad() == null ? "—" : format("%.5g", c.kad()))));
            out.append('\n').append(top);
        }
        d.warnings().forEach(w -> out.append("\nwarning: ").append(w).append('\n'));
        return out.toString();
    }

    public static void write(Path dir, SetDistance.Result d, String evaluated, String reference) {
        folder(dir);
        AtomicFile.writeString(dir.resolve("summary.md"), markdown(d, evaluated, reference));
        AtomicFile.writeString(dir.resolve("summary.json"), Json.of(d) + "\n");
        csv(dir.resolve("clips.csv"), List.of("clip", "frames", "fad", "kad"), rows -> {
            for (SetDistance.ClipScore c : d.perClip()) {
                rows.row(Arrays.asList(c.name(), c.frames(), c.fad(), c.kad()));
            }
        });
        double[] perClip = d.perClip().stream().filter(c -> c.fad() != null).mapToDouble(SetDistance.ClipScore::fad).toArray();
        Charts.distributions(dir.resolve("per_clip_fad.png"), "per-clip FAD of " + evaluated + " against " + reference,
                Map.of(evaluated, perClip));
    }

    // ---- prompt alignment ---------------------------------------------------------------------------------------

    public static String markdown(List<AlignmentResult> results, List<String> names) {
        MarkdownTable table = new MarkdownTable(List.of("source", "clips", "mean PMI (nats/token)", "R@1", "chance", "MRR"));
        for (int i = 0; i < results.size(); i++) {
            AlignmentResult a = results.get(i);
            table.row(List.of(names.get(i), a.clips().size(), format("%+.4f", a.meanPmi()), format("%.3f", a.recallAt1()),
                    format("%.3f", a.chanceLevel()), format("%.3f", a.meanReciprocalRank())));
        }
        return "Prompt alignment: how much each clip's own prompt raises the LM's likelihood of it over no prompt (PMI), and how "
                + "often its own prompt ranks first among all prompts (R@1).\n\n" + table;
    }

    public static void write(Path dir, List<AlignmentResult> results, List<String> names) {
        folder(dir);
        AtomicFile.writeString(dir.resolve("summary.md"), markdown(results, names));
        AtomicFile.writeString(dir.resolve("summary.json"), Json.of(results) + "\n");
        csv(dir.resolve("clips.csv"), List.of("source", "file", "prompt", "tokens", "pmi", "rank"), rows -> {
            for (int i = 0; i < results.size(); i++) {
                for (AlignmentResult.Clip c : results.get(i).clips()) {
                    rows.row(List.of(names.get(i), c.file(), c.prompt(), c.tokens(), c.pmi(), c.rank()));
                }
            }
        });
        Map<String, double[]> pmi = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            pmi.put(names.get(i), results.get(i).clips().stream().mapToDouble(AlignmentResult.Clip::pmi).toArray());
        }
        Charts.distributions(dir.resolve("pmi.png"), "PMI with the clip's own prompt (nats/token)", pmi);
    }

    // ---- adapter effect -----------------------------------------------------------------------------------------

    public static String markdown(EffectResult e, String base, String adapted) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "What %s changed against %s: %d prompts × 2 seed sets, "
                + "%.1f s each; target %s (%s, %d clips); %d bootstrap resamples.%n%n", adapted, base, e.provenance().prompts(),
                e.provenance().duration(), e.provenance().targetDataset(), e.provenance().targetSplit(), e.provenance().targetClips(),
                e.provenance().resamples()));
        e.verdicts().forEach(v -> out.append("- **").append(v.aspect().replace('_', ' ')).append(":** ").append(v.text()).append('\n'));
        MarkdownTable table = new MarkdownTable(List.of("measure", base, adapted, "difference [95%]"));
        fitRow(table, "held-out loss on the target (nats/token)", e.targetFit());
        if (e.generalFit() != null) {
            fitRow(table, "loss on the general dataset (nats/token)", e.generalFit());
        }
        table.row(List.of("KAD of the outputs to the target audio", kad(e.baseToTarget()), kad(e.adaptedToTarget()), "—"));
        table.row(List.of("FAD of the outputs to the target audio", format("%.5g", e.baseToTarget().fad()),
                format("%.5g", e.adaptedToTarget().fad()), "—"));
        table.row(List.of("KAD adapted vs base outputs (same prompts, seeds)", "—", "—", kad(e.effect())));
        table.row(List.of("KAD of a second seed set (seed noise)", kad(e.baseSeedNoise()),
                e.adaptedSeedNoise() == null ? "—" : kad(e.adaptedSeedNoise()), "—"));
        for (EffectResult.Alignment a : e.alignment()) {
            table.row(List.of("mean PMI, scored by the " + a.scorer() + " LM (nats/token)", format("%+.4f", a.base().meanPmi()),
                    format("%+.4f", a.adapted().meanPmi()), a.pmiGainCi95() == null ? format("%+.4f", a.pmiGain()) : signed(a.pmiGain(), a.pmiGainCi95())));
            table.row(List.of("R@1, scored by the " + a.scorer() + " LM (chance " + format("%.2f", a.base().chanceLevel()) + ")",
                    format("%.3f", a.base().recallAt1()), format("%.3f", a.adapted().recallAt1()), "—"));
        }
        return out.append('\n').append(table).toString();
    }

    public static void write(Path dir, EffectResult e, String base, String adapted) {
        folder(dir);
        AtomicFile.writeString(dir.resolve("summary.md"), markdown(e, base, adapted));
        AtomicFile.writeString(dir.resolve("summary.json"), Json.of(e) + "\n");
        csv(dir.resolve("clips.csv"), List.of("index", "prompt", "base_a", "adapted_a", "base_b", "adapted_b"), rows -> {
            for (EffectResult.Clip c : e.outputs().clips()) {
                rows.row(Arrays.asList(c.index(), c.prompt(), c.baseA(), c.adaptedA(), c.baseB(), c.adaptedB()));
            }
        });
        List<String> names = List.of("seed noise (" + base + ")", adapted + " vs " + base, base + " to target", adapted + " to target");
        List<SetDistance.Result> results = List.of(e.baseSeedNoise(), e.effect(), e.baseToTarget(), e.adaptedToTarget());
        double[] value = results.stream().mapToDouble(SetDistance.Result::kad).toArray();
        double[] low = results.stream().mapToDouble(r -> r.kadCi95().low()).toArray();
        double[] high = results.stream().mapToDouble(r -> r.kadCi95().high()).toArray();
        Charts.estimates(dir.resolve("kad.png"), "KAD (codec embeddings), 95% bootstrap interval", names, value, low, high);
        List<String> fitNames = List.of(base, adapted);
        FitResult b = e.targetFit().sources().get(0);
        FitResult a = e.targetFit().sources().get(1);
        Charts.estimates(dir.resolve("target_loss.png"), "held-out loss on the target (nats/token), 95% interval", fitNames,
                new double[] {b.loss(), a.loss()}, new double[] {b.lossInterval().low(), a.lossInterval().low()},
                new double[] {b.lossInterval().high(), a.lossInterval().high()});
    }

    private static void fitRow(MarkdownTable table, String label, FitComparison fit) {
        FitResult b = fit.sources().get(0);
        FitResult a = fit.sources().get(1);
        FitComparison.Difference d = fit.differences().get(0);
        table.row(List.of(label, interval(b.loss(), b.lossInterval()), interval(a.loss(), a.lossInterval()), signed(d.loss(), d.interval())));
    }

    private static String kad(SetDistance.Result r) {
        return format("%.4g %s", r.kad(), range(r.kadCi95().low(), r.kadCi95().high()));
    }

    // ---- shared -------------------------------------------------------------------------------------------------

    private interface Rows {
        void write(CsvWriter rows) throws IOException;
    }

    private static void csv(Path file, List<String> header, Rows rows) {
        AtomicFile.write(file, temp -> {
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                rows.write(new CsvWriter(out, header));
            }
        });
    }

    private static void folder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new WriteException("cannot create the report folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String interval(double value, FitResult.Interval i) {
        return format("%.4f [%.4f, %.4f]", value, i.low(), i.high());
    }

    private static String signed(double value, FitResult.Interval i) {
        return format("%+.4f [%+.4f, %+.4f]", value, i.low(), i.high());
    }

    private static String range(double low, double high) {
        return format("[%.5g, %.5g]", low, high);
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
