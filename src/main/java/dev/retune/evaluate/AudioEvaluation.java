package dev.retune.evaluate;

import dev.retune.Json;
import dev.retune.ProgressListener;
import dev.retune.data.AtomicFile;
import dev.retune.config.DataConfig;
import dev.retune.data.AudioException;
import dev.retune.data.Dataset;
import dev.retune.data.DatasetIndex;
import dev.retune.data.DatasetOptions;
import dev.retune.data.Track;
import dev.retune.train.StopRequestedException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code retune evaluate audio}: every clip of one or more named sets through {@link ClipAnalyzer}, one clip at a time.
 * Each set is summarised per metric (over the clips that define it) and, with a report folder, each clip becomes a row of
 * {@code clips.csv}, the summary {@code summary.md} and {@code summary.json}, and each metric a box plot per set.
 */
public final class AudioEvaluation {

    /** File name endings taken from a folder: what the data package decodes (FFmpeg reads more, by name). */
    private static final Set<String> AUDIO = Set.of("wav", "flac", "mp3", "ogg", "opus", "m4a", "aac", "aiff", "aif", "wma", "webm");

    /**
     * A named set of clips, in order, with what each clip states about its tempo and key (a generated clip's prompt in
     * its sidecar, a dataset row's columns and description; {@link StatedMusic#NOTHING} otherwise).
     */
    public record ClipSet(String name, List<Path> files, List<MetadataAgreement.Clip> stated) {

        public ClipSet {
            files = List.copyOf(files);
            stated = List.copyOf(stated);
            if (stated.size() != files.size()) {
                throw new IllegalArgumentException(files.size() + " files but " + stated.size() + " statements");
            }
        }

        /** Files that state nothing. */
        public ClipSet(String name, List<Path> files) {
            this(name, files, files.stream().map(f -> new MetadataAgreement.Clip(f, null, StatedMusic.NOTHING)).toList());
        }

        /**
         * A file; a dataset folder (its metadata.csv's usable tracks, every split); or every audio file directly in a
         * folder, sorted by name, with their sidecars when they have them. An empty or missing one is named.
         */
        public static ClipSet of(String name, Path fileOrFolder) {
            if (Files.isRegularFile(fileOrFolder)) {
                return new ClipSet(name, List.of(fileOrFolder), List.of(statedBy(fileOrFolder)));
            }
            if (!Files.isDirectory(fileOrFolder)) {
                throw new AudioException(fileOrFolder, "no such file or folder");
            }
            if (Files.isRegularFile(fileOrFolder.resolve(Dataset.METADATA_FILE))) {
                return dataset(name, fileOrFolder, HeldOutFit.Clips.ALL);
            }
            List<Path> files;
            try (Stream<Path> list = Files.list(fileOrFolder)) {
                files = list.filter(f -> Files.isRegularFile(f) && AUDIO.contains(extension(f))).sorted().toList();
            } catch (IOException e) {
                throw new AudioException(fileOrFolder, "cannot list: " + e.getMessage());
            }
            if (files.isEmpty()) {
                throw new AudioException(fileOrFolder, "holds no audio file (" + String.join(", ", new TreeSet<>(AUDIO)) + ")");
            }
            return new ClipSet(name, files, files.stream().map(AudioEvaluation::statedBy).toList());
        }

        /** A dataset's usable tracks among {@code clips}, its split rule as training applies it. */
        public static ClipSet dataset(String name, Path dir, HeldOutFit.Clips clips) {
            DataConfig defaults = DataConfig.defaults();
            DatasetIndex index = Dataset.scan(dir, new DatasetOptions(defaults.validFraction(), defaults.allowOutsidePaths()));
            List<Track> tracks = index.tracks().stream().filter(t -> clips.includes(t.split())).toList();
            if (tracks.isEmpty()) {
                throw new AudioException(dir, "no usable clips" + (clips == HeldOutFit.Clips.ALL ? "" : " in its " + clips.id() + " split"));
            }
            return new ClipSet(name, tracks.stream().map(Track::path).toList(),
                    tracks.stream().map(t -> MetadataAgreement.Clip.fromTrack(t, index.csv())).toList());
        }
    }

    private static MetadataAgreement.Clip statedBy(Path file) {
        boolean sidecar = Files.isRegularFile(file.resolveSibling(file.getFileName() + ".json"));
        return sidecar ? MetadataAgreement.Clip.fromSidecar(file) : new MetadataAgreement.Clip(file, null, StatedMusic.NOTHING);
    }

    /** One metric over a set's clips that define it (n of them): mean, median and the 10th and 90th percentiles. */
    public record Spread(int n, Double mean, Double median, Double p10, Double p90) {}

    /**
     * @param metrics   each numeric metric's spread, by JSON key
     * @param keys      how many clips read each key, most frequent first
     * @param agreement how often the estimated tempo and key agree with what the clips state (null: none states any)
     */
    public record SetSummary(String set, int clips, double seconds, Map<String, Spread> metrics, Map<String, Integer> keys,
                             MetadataAgreementResult agreement) {}

    /** The numeric metrics, by JSON key, with the label their plot carries. */
    private record Metric(String key, String label, Function<ClipMetrics, Double> value) {}

    private static final List<Metric> METRICS = List.of(
            new Metric("lufs", "integrated loudness (LUFS)", ClipMetrics::lufs),
            new Metric("true_peak_dbtp", "true peak (dBTP)", ClipMetrics::truePeakDbtp),
            new Metric("clipping_ratio", "clipping ratio", ClipMetrics::clippingRatio),
            new Metric("silence_ratio", "silence ratio", ClipMetrics::silenceRatio),
            new Metric("spectral_flatness", "spectral flatness", ClipMetrics::spectralFlatness),
            new Metric("spectral_centroid_hz", "spectral centroid (Hz)", ClipMetrics::spectralCentroidHz),
            new Metric("spectral_rolloff_hz", "spectral rolloff 85% (Hz)", ClipMetrics::spectralRolloffHz),
            new Metric("spectral_entropy", "spectral entropy", ClipMetrics::spectralEntropy),
            new Metric("energy_entropy", "energy entropy (bits)", ClipMetrics::energyEntropy),
            new Metric("snr_db", "SNR estimate (dB)", ClipMetrics::snrDb),
            new Metric("tempo_bpm", "tempo (BPM)", ClipMetrics::tempoBpm),
            new Metric("key_strength", "key strength", ClipMetrics::keyStrength));

    private static final List<String> CSV_HEADER = List.of("set", "file", "seconds", "sample_rate", "channels", "lufs", "true_peak_dbtp",
            "clipping_ratio", "silence_ratio", "spectral_flatness", "spectral_centroid_hz", "spectral_rolloff_hz", "spectral_entropy",
            "energy_entropy", "snr_db", "tempo_bpm", "key", "key_strength");

    private AudioEvaluation() {}

    /**
     * Analyses every clip of {@code sets} in order; writes the report into {@code report} when it is not null (each
     * file atomically, so a stopped evaluation leaves no half report).
     *
     * @param progress clips analysed, over all sets
     * @param stop     checked between clips; when set, a {@link StopRequestedException}
     */
    public static List<SetSummary> run(List<ClipSet> sets, Path report, ProgressListener progress, AtomicBoolean stop) {
        try {
            if (report == null) {
                return analyse(sets, null, progress, stop).summaries(); // no rows to write: nothing can fail to be written
            }
            Files.createDirectories(report);
        } catch (IOException e) {
            throw new AudioException(report, "cannot create the report folder: " + e.getMessage());
        }
        Analysed[] analysed = new Analysed[1];
        AtomicFile.write(report.resolve("clips.csv"), temp -> {
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                analysed[0] = analyse(sets, new CsvWriter(out, CSV_HEADER), progress, stop);
            }
        });
        List<SetSummary> summaries = analysed[0].summaries();
        AtomicFile.writeString(report.resolve("summary.md"), markdown(summaries));
        AtomicFile.writeString(report.resolve("summary.json"), Json.of(summaries) + "\n");
        for (Metric m : METRICS) {
            Map<String, double[]> perSet = new LinkedHashMap<>();
            analysed[0].values().forEach((set, byMetric) ->
                    perSet.put(set, Arrays.stream(byMetric.get(m.key())).filter(v -> !Double.isNaN(v)).toArray()));
            Charts.distributions(report.resolve(m.key() + ".png"), m.label(), perSet);
        }
        return summaries;
    }

    /** The summaries, and every clip's value per metric per set (NaN: undefined) for the plots. */
    private record Analysed(List<SetSummary> summaries, Map<String, Map<String, double[]>> values) {}

    /** Each clip analysed and, with {@code rows}, written as a CSV row as it comes; only the numbers are kept. */
    private static Analysed analyse(List<ClipSet> sets, CsvWriter rows, ProgressListener progress, AtomicBoolean stop) throws IOException {
        int total = sets.stream().mapToInt(s -> s.files().size()).sum();
        Map<String, Map<String, double[]>> values = new LinkedHashMap<>();
        List<SetSummary> summaries = new ArrayList<>();
        int done = 0;
        for (ClipSet set : sets) {
            Map<String, double[]> byMetric = new LinkedHashMap<>();
            METRICS.forEach(m -> byMetric.put(m.key(), new double[set.files().size()]));
            Map<String, Integer> keys = new TreeMap<>();
            Map<Path, ClipMetrics> stating = new HashMap<>(); // only the clips that state a tempo or key
            double seconds = 0;
            for (int i = 0; i < set.files().size(); i++) {
                if (stop.get()) {
                    throw new StopRequestedException("stopped after " + done + " of " + total + " clips");
                }
                ClipMetrics clip = ClipAnalyzer.analyze(set.files().get(i));
                seconds += clip.seconds();
                for (Metric m : METRICS) {
                    Double v = m.value().apply(clip);
                    byMetric.get(m.key())[i] = v == null ? Double.NaN : v;
                }
                if (clip.key() != null) {
                    keys.merge(clip.key(), 1, Integer::sum);
                }
                if (set.stated().get(i).stated().statesSomething()) {
                    stating.put(set.files().get(i), clip);
                }
                if (rows != null) {
                    rows.row(row(set.name(), clip));
                }
                progress.update(++done, total);
            }
            values.put(set.name(), byMetric);
            MetadataAgreementResult agreement = stating.isEmpty() ? null
                    : MetadataAgreement.score(set.stated(), stating::get, ProgressListener.NONE, stop);
            summaries.add(summary(set, seconds, byMetric, keys, agreement));
        }
        return new Analysed(summaries, values);
    }

    private static List<Object> row(String set, ClipMetrics c) {
        return Arrays.asList(set, c.file(), c.seconds(), c.sampleRate(), c.channels(), c.lufs(), c.truePeakDbtp(), c.clippingRatio(),
                c.silenceRatio(), c.spectralFlatness(), c.spectralCentroidHz(), c.spectralRolloffHz(), c.spectralEntropy(),
                c.energyEntropy(), c.snrDb(), c.tempoBpm(), c.key(), c.keyStrength());
    }

    private static SetSummary summary(ClipSet set, double seconds, Map<String, double[]> byMetric, Map<String, Integer> keys,
                                      MetadataAgreementResult agreement) {
        Map<String, Spread> spreads = new LinkedHashMap<>();
        byMetric.forEach((key, v) -> spreads.put(key, spread(v)));
        Map<String, Integer> byCount = new LinkedHashMap<>();
        keys.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).forEach(e -> byCount.put(e.getKey(), e.getValue()));
        return new SetSummary(set.name(), set.files().size(), seconds, spreads, byCount, agreement);
    }

    /** Spread of the defined values (NaN marks an undefined one); nulls when none is defined. */
    static Spread spread(double[] values) {
        double[] defined = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (defined.length == 0) {
            return new Spread(0, null, null, null, null);
        }
        return new Spread(defined.length, Arrays.stream(defined).average().orElseThrow(), ClipBootstrap.quantile(defined, 0.5),
                ClipBootstrap.quantile(defined, 0.1), ClipBootstrap.quantile(defined, 0.9));
    }

    /** Per set: clips, seconds, and each metric's median [10th – 90th percentile] over the clips that define it. */
    public static String markdown(List<SetSummary> summaries) {
        List<String> header = new ArrayList<>(List.of("metric"));
        summaries.forEach(s -> header.add(s.set()));
        MarkdownTable table = new MarkdownTable(header);
        List<Object> clips = new ArrayList<>(List.of("clips (seconds)"));
        summaries.forEach(s -> clips.add(String.format(Locale.ROOT, "%d (%.1f s)", s.clips(), s.seconds())));
        table.row(clips);
        for (Metric m : METRICS) {
            List<Object> row = new ArrayList<>(List.of(m.label()));
            summaries.forEach(s -> row.add(cell(s.metrics().get(m.key()), s.clips())));
            table.row(row);
        }
        List<Object> keys = new ArrayList<>(List.of("most frequent keys"));
        summaries.forEach(s -> keys.add(s.keys().isEmpty() ? "—" : String.join(", ", s.keys().entrySet().stream().limit(3)
                .map(e -> e.getKey() + " ×" + e.getValue()).toList())));
        table.row(keys);
        List<Object> tempo = new ArrayList<>(List.of("stated tempo agrees (exact / up to an octave)"));
        summaries.forEach(s -> tempo.add(s.agreement() == null ? "—" : agreement(s.agreement().tempo())));
        table.row(tempo);
        List<Object> key = new ArrayList<>(List.of("stated key agrees (exact / relative or fifth)"));
        summaries.forEach(s -> key.add(s.agreement() == null ? "—" : agreement(s.agreement().key())));
        table.row(key);
        return "Median [10th – 90th percentile] over the clips that define each metric (n of clips when fewer).\n\n" + table;
    }

    private static String agreement(MetadataAgreementResult.Agreement a) {
        return a.stating() == 0 ? "—" : String.format(Locale.ROOT, "%d / %d of %d stating", a.agreeExact(), a.agreeLenient(), a.stating());
    }

    private static String cell(Spread s, int clips) {
        if (s.n() == 0) {
            return "—";
        }
        String text = String.format(Locale.ROOT, "%s [%s – %s]", number(s.median()), number(s.p10()), number(s.p90()));
        return s.n() < clips ? text + " (n " + s.n() + ")" : text;
    }

    /** Four significant digits, without an exponent for the ranges these metrics have. */
    private static String number(double v) {
        double magnitude = Math.abs(v);
        return String.format(Locale.ROOT, magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.4f", v);
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
