package dev.retune.studio;

import dev.retune.run.RunFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Experiment folders ({@code experiments/NAME}: samples.jsonl while it runs; experiment.json, analysis.json,
 * report.md, report.html and plots/ once finished) and sweep folders ({@code sweeps/NAME}: one run folder per variant
 * and seed; sweep.json, report.md and curves.png once finished) as the page's galleries. Only reads.
 */
final class Galleries {

    /** One row of the list. {@code items}: samples of an experiment, runs of a sweep. */
    record Entry(String kind, String name, boolean finished, int items, String modified) {}

    /** One sample: where to listen to it and what it was made and measured with; the seed as text (a 64-bit number: JavaScript would round it). */
    record Sample(String id, String prompt, int promptIndex, String seed, Double seconds, String audio, JsonNode metrics) {}

    /** Source × parameter set × prompt set: its samples and, once finished, each measure's statistics. */
    record Configuration(String source, String parameterSet, String promptSet, List<Sample> samples, JsonNode statistics) {}

    /** A sweep's run: its row as the runs table shows it, and its loss plot. */
    record SweepRun(Runs.Row run, String plot) {}

    private final Roots roots;
    private final Runs runs;

    Galleries(Roots roots, Runs runs) {
        this.roots = roots;
        this.runs = runs;
    }

    /** Every experiment and sweep folder, newest first. */
    List<Entry> list() {
        List<Entry> entries = new ArrayList<>();
        for (Path dir : Runs.children(roots.folder(Roots.Root.EXPERIMENTS))) {
            if (Files.exists(dir.resolve("samples.jsonl")) || Files.exists(dir.resolve("experiment.json"))) {
                entries.add(new Entry("experiment", dir.getFileName().toString(), Files.isRegularFile(dir.resolve("experiment.json")),
                        samples(dir).size(), modified(dir, "experiment.json", "samples.jsonl")));
            }
        }
        for (Path dir : Runs.children(roots.folder(Roots.Root.SWEEPS))) {
            List<Path> sweepRuns = sweepRuns(dir);
            if (!sweepRuns.isEmpty() || Files.exists(dir.resolve("sweep.json"))) {
                entries.add(new Entry("sweep", dir.getFileName().toString(), Files.isRegularFile(dir.resolve("sweep.json")),
                        sweepRuns.size(), modified(dir, "sweep.json")));
            }
        }
        entries.sort(Comparator.comparing(Entry::modified).reversed());
        return entries;
    }

    /** The gallery of {@code kind}/{@code name}: 404 for an unknown kind or folder, 403 for a path leading out. */
    Map<String, Object> gallery(String kind, String name) {
        Runs.requirePlainName(name);
        return switch (kind) {
            case "experiment" -> experiment(roots.existing(Roots.Root.EXPERIMENTS, name), name);
            case "sweep" -> sweep(roots.existing(Roots.Root.SWEEPS, name), name);
            default -> throw StudioException.notFound("no gallery kind '" + kind + "' (experiment or sweep)");
        };
    }

    private Map<String, Object> experiment(Path dir, String name) {
        Map<String, List<Sample>> bySetting = new LinkedHashMap<>();
        for (JsonNode s : samples(dir)) {
            String key = s.path("source").asString("") + "\u0000" + s.path("parameter_set").asString("") + "\u0000" + s.path("prompt_set").asString("");
            Path audio = dir.resolve(s.path("path").asString(""));
            bySetting.computeIfAbsent(key, k -> new ArrayList<>()).add(new Sample(s.path("id").asString(""), s.path("prompt").asString(""),
                    s.path("prompt_index").asInt(), Long.toString(s.path("seed").asLong()), s.path("seconds").isNumber() ? s.get("seconds").doubleValue() : null,
                    Files.isRegularFile(audio) && audio.normalize().startsWith(dir) ? roots.url(Roots.Root.EXPERIMENTS, audio) : null,
                    s.path("metrics")));
        }
        JsonNode analysis = read(dir.resolve("analysis.json"));
        List<Configuration> configurations = new ArrayList<>();
        bySetting.forEach((key, samples) -> {
            String[] parts = key.split("\u0000", -1);
            configurations.add(new Configuration(parts[0], parts[1], parts[2], samples, statistics(analysis, parts)));
        });
        JsonNode result = read(dir.resolve("experiment.json"));
        Map<String, Object> gallery = new LinkedHashMap<>();
        gallery.put("kind", "experiment");
        gallery.put("name", name);
        gallery.put("finished", result != null);
        gallery.put("metrics", result == null ? null : result.path("metrics"));
        gallery.put("seed", result == null ? null : Long.toString(result.path("seed").asLong()));
        gallery.put("configurations", configurations);
        gallery.put("plots", plots(dir, Roots.Root.EXPERIMENTS));
        gallery.put("reports", reports(dir, Roots.Root.EXPERIMENTS));
        return gallery;
    }

    private Map<String, Object> sweep(Path dir, String name) {
        List<SweepRun> rows = new ArrayList<>();
        for (Path run : sweepRuns(dir)) {
            Path plot = new RunFolder(run).plot();
            rows.add(new SweepRun(runs.row(run, run.getFileName().toString()),
                    Files.isRegularFile(plot) ? roots.url(Roots.Root.SWEEPS, plot) : null));
        }
        JsonNode result = read(dir.resolve("sweep.json"));
        Map<String, Object> gallery = new LinkedHashMap<>();
        gallery.put("kind", "sweep");
        gallery.put("name", name);
        gallery.put("finished", result != null);
        gallery.put("variants", result == null ? null : result.path("variants"));
        gallery.put("runs", rows);
        gallery.put("plots", plots(dir, Roots.Root.SWEEPS));
        gallery.put("reports", reports(dir, Roots.Root.SWEEPS));
        return gallery;
    }

    /** The samples of an experiment: experiment.json's once finished, else those samples.jsonl records so far. */
    private static List<JsonNode> samples(Path dir) {
        JsonNode result = read(dir.resolve("experiment.json"));
        if (result != null && result.path("samples").isArray()) {
            List<JsonNode> list = new ArrayList<>();
            result.get("samples").forEach(list::add);
            return list;
        }
        Map<String, JsonNode> byId = new LinkedHashMap<>(); // the log's latest line of each sample counts
        Path log = dir.resolve("samples.jsonl");
        if (Files.isRegularFile(log)) {
            try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    JsonNode sample = parse(line).path("sample");
                    if (sample.isObject()) {
                        byId.put(sample.path("id").asString(""), sample);
                    }
                }
            } catch (IOException e) {
                throw new StudioException(500, "cannot read " + log + ": " + e.getMessage());
            }
        }
        return List.copyOf(byId.values());
    }

    /** analysis.json's statistics of one configuration, or null before the experiment finished. */
    private static JsonNode statistics(JsonNode analysis, String[] key) {
        if (analysis == null) {
            return null;
        }
        for (JsonNode group : analysis.path("groups")) {
            if (group.path("source").asString("").equals(key[0]) && group.path("parameter_set").asString("").equals(key[1])
                    && group.path("prompt_set").asString("").equals(key[2])) {
                return group.path("metrics");
            }
        }
        return null;
    }

    /** The run folders of a sweep. */
    private static List<Path> sweepRuns(Path dir) {
        return Runs.children(dir).stream().filter(Runs::isRun).toList();
    }

    /** The PNGs at the top of the folder and in plots/, as URLs. */
    private List<Map<String, String>> plots(Path dir, Roots.Root root) {
        List<Map<String, String>> plots = new ArrayList<>();
        for (Path folder : List.of(dir, dir.resolve("plots"))) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> list = Files.list(folder)) {
                for (Path png : list.filter(p -> p.getFileName().toString().endsWith(".png") && Files.isRegularFile(p)).sorted().toList()) {
                    plots.add(Map.of("name", dir.relativize(png).toString(), "url", roots.url(root, png)));
                }
            } catch (IOException e) {
                throw new StudioException(500, "cannot list " + folder + ": " + e.getMessage());
            }
        }
        return plots;
    }

    private Map<String, String> reports(Path dir, Roots.Root root) {
        Map<String, String> reports = new LinkedHashMap<>();
        for (String file : List.of("report.md", "report.html")) {
            Path path = dir.resolve(file);
            if (Files.isRegularFile(path)) {
                reports.put(file.substring(file.indexOf('.') + 1), roots.url(root, path));
            }
        }
        return reports;
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return StudioJson.mapper().readTree(Files.readString(file));
        } catch (IOException | JacksonException e) {
            return null; // being replaced: read as not there yet
        }
    }

    private static JsonNode parse(String line) {
        try {
            return StudioJson.mapper().readTree(line);
        } catch (JacksonException e) {
            return StudioJson.mapper().missingNode(); // a line cut short by a kill
        }
    }

    private static String modified(Path dir, String... files) {
        FileTime latest = FileTime.fromMillis(0);
        List<Path> paths = new ArrayList<>(List.of(dir));
        for (String f : files) {
            paths.add(dir.resolve(f));
        }
        for (Path p : paths) {
            try {
                FileTime t = Files.getLastModifiedTime(p);
                latest = t.compareTo(latest) > 0 ? t : latest;
            } catch (IOException e) {
                // not there
            }
        }
        return latest.toString();
    }
}
