package dev.retune.studio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Listening-test ratings, kept as {@code ratings/SET.jsonl} under the root: one JSON line per submission, only ever
 * appended to. A line names the comparison, its prompt and seed, the source behind each label, the 1–5 scores, the
 * preferred label and the time. The summary is what audiocraft's MOS tool reports: per source the number of scores n,
 * their mean and the 95% interval mean ± 1.96·s/√n (s the sample standard deviation; none for n = 1), and how often the
 * source was preferred.
 */
final class Ratings {

    static final String DEFAULT_SET = "studio";
    static final int MIN_SCORE = 1;
    static final int MAX_SCORE = 5;
    private static final Pattern SET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * One source's ratings.
     *
     * @param n         scores given
     * @param mean      their mean (null without scores)
     * @param std       their sample standard deviation (null for n &lt; 2)
     * @param low       mean − 1.96·std/√n (null for n &lt; 2)
     * @param high      mean + 1.96·std/√n (null for n &lt; 2)
     * @param preferred submissions that preferred it
     */
    record SourceSummary(String source, long n, Double mean, Double std, Double low, Double high, long preferred) {}

    private final Roots roots;

    Ratings(Roots roots) {
        this.roots = roots;
    }

    /** The file of ratings set {@code name} (null: {@link #DEFAULT_SET}); a name that is not a plain file name is a 400. */
    Path file(String name) {
        String set = name == null || name.isEmpty() ? DEFAULT_SET : name;
        if (!SET_NAME.matcher(set).matches()) {
            throw StudioException.badRequest("set must be 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit), found '" + set + "'");
        }
        return roots.folder(Roots.Root.RATINGS).resolve(set + ".jsonl");
    }

    /**
     * Checks one submission for {@code comparison} and appends its line to the set's file; returns the line.
     *
     * @param scores    label → score 1..5 (some labels may be left out)
     * @param preferred the preferred label, or null
     */
    synchronized Map<String, Object> append(String set, Comparisons.Stored comparison, Map<String, Integer> scores, String preferred, String rater) {
        Map<String, Integer> given = scores == null ? Map.of() : scores;
        if (given.isEmpty() && preferred == null) {
            throw StudioException.badRequest("ratings is empty and preferred is null: rate at least one clip or prefer one");
        }
        for (Map.Entry<String, Integer> score : given.entrySet()) {
            if (comparison.source(score.getKey()) == null) {
                throw StudioException.badRequest("ratings: comparison " + comparison.id() + " has no clip '" + score.getKey() + "'");
            }
            if (score.getValue() == null || score.getValue() < MIN_SCORE || score.getValue() > MAX_SCORE) {
                throw StudioException.badRequest("ratings." + score.getKey() + " must be " + MIN_SCORE + " to " + MAX_SCORE + ", found " + score.getValue());
            }
        }
        if (preferred != null && comparison.source(preferred) == null) {
            throw StudioException.badRequest("preferred: comparison " + comparison.id() + " has no clip '" + preferred + "'");
        }
        Path file = file(set);
        Map<String, String> sources = new LinkedHashMap<>();
        comparison.clips().forEach(clip -> sources.put(clip.label(), clip.source()));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("comparison", comparison.id());
        line.put("prompt", comparison.prompt());
        line.put("seed", comparison.seed());
        line.put("blind", comparison.blind());
        line.put("sources", sources);
        line.put("scores", new LinkedHashMap<>(given));
        line.put("preferred", preferred);
        line.put("rater", rater);
        line.put("time", Instant.now().toString());
        roots.created(Roots.Root.RATINGS);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            out.write(StudioJson.mapper().writeValueAsString(line) + "\n");
        } catch (IOException e) {
            throw new StudioException(500, "cannot append to " + file + ": " + e.getMessage());
        }
        return line;
    }

    /** The summary of set {@code name}, read line by line: {set, lines, sources: [SourceSummary, best mean first]}. */
    Map<String, Object> summary(String name) {
        Path file = file(name);
        Map<String, double[]> sums = new LinkedHashMap<>(); // source → {n, Σx, Σx², preferred}
        long lines = 0;
        if (Files.isRegularFile(file)) {
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String text = in.readLine(); text != null; text = in.readLine()) {
                    if (text.isBlank()) {
                        continue;
                    }
                    lines++;
                    add(sums, StudioJson.mapper().readTree(text), file, lines);
                }
            } catch (IOException | JacksonException e) {
                throw StudioException.badRequest("ratings file " + file + " cannot be read at line " + (lines) + ": " + e.getMessage());
            }
        }
        List<SourceSummary> sources = new ArrayList<>();
        sums.forEach((source, s) -> sources.add(summarize(source, (long) s[0], s[1], s[2], (long) s[3])));
        sources.sort(Comparator.comparing((SourceSummary s) -> s.mean() == null ? Double.NEGATIVE_INFINITY : s.mean()).reversed());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("set", file.getFileName().toString().replaceFirst("\\.jsonl$", ""));
        summary.put("lines", lines);
        summary.put("sources", sources);
        return summary;
    }

    private static void add(Map<String, double[]> sums, JsonNode line, Path file, long number) {
        JsonNode sources = line.get("sources");
        if (sources == null || !sources.isObject()) {
            throw StudioException.badRequest("ratings file " + file + " line " + number + " has no sources object");
        }
        JsonNode scores = line.get("scores");
        for (String label : sources.propertyNames()) {
            double[] s = sums.computeIfAbsent(sources.get(label).asString(), k -> new double[4]);
            JsonNode score = scores == null ? null : scores.get(label);
            if (score != null && score.isNumber()) {
                double x = score.asDouble();
                s[0]++;
                s[1] += x;
                s[2] += x * x;
            }
        }
        JsonNode preferred = line.get("preferred");
        if (preferred != null && preferred.isString() && sources.has(preferred.asString())) {
            sums.get(sources.get(preferred.asString()).asString())[3]++;
        }
    }

    /** Mean and 95% interval from the count, sum and sum of squares of scores in 1..5 (no cancellation to fear). */
    static SourceSummary summarize(String source, long n, double sum, double sumSquares, long preferred) {
        if (n == 0) {
            return new SourceSummary(source, 0, null, null, null, null, preferred);
        }
        double mean = sum / n;
        if (n == 1) {
            return new SourceSummary(source, 1, mean, null, null, null, preferred);
        }
        double std = Math.sqrt(Math.max(0, (sumSquares - n * mean * mean) / (n - 1)));
        double half = 1.96 * std / Math.sqrt(n);
        return new SourceSummary(source, n, mean, std, mean - half, mean + half, preferred);
    }
}
