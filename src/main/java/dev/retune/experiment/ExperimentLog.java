package dev.retune.experiment;

import dev.retune.data.AtomicFile;
import dev.retune.data.FileHash;
import dev.retune.data.WriteException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code samples.jsonl}: one line per finished sample, appended once its audio, sidecar and measures are complete, so a
 * rerun knows what is done. A line holds the sample and the settings it was made with; a sample counts as done only
 * when its settings are those of the current file and its audio file still has the recorded SHA-256. A line cut short
 * by a kill is dropped when the log is opened (the log is rewritten with the whole lines only).
 */
final class ExperimentLog {

    static final String FILE = "samples.jsonl";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    /** @param settings what the sample was generated and measured with ({@link #settings}) */
    record Entry(String settings, ExperimentSample sample) {}

    private final Path folder;
    private final Path file;
    private final Map<String, Entry> entries;

    private ExperimentLog(Path folder, Map<String, Entry> entries) {
        this.folder = folder;
        this.file = folder.resolve(FILE);
        this.entries = entries;
    }

    /** The log of {@code folder} (created when missing), whole lines only, the latest line of each sample kept. */
    static ExperimentLog open(Path folder) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Path file = folder.resolve(FILE);
        try {
            Files.createDirectories(folder);
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    Entry entry = parse(line);
                    if (entry != null) {
                        entries.put(entry.sample().id(), entry);
                    }
                }
            }
        } catch (IOException e) {
            throw new WriteException(file + ": cannot read the samples log: " + e.getMessage(), e);
        }
        StringBuilder whole = new StringBuilder();
        entries.values().forEach(entry -> whole.append(MAPPER.writeValueAsString(entry)).append('\n'));
        AtomicFile.writeString(file, whole.toString());
        return new ExperimentLog(folder, entries);
    }

    /** The settings key of a sample: its source, its parameter set's values, the audio format and the measures taken. */
    static String settings(ExperimentConfig config, String source, String parameterSet) {
        return MAPPER.writeValueAsString(new Object[] {config.sources().get(source), config.parameterSets().get(parameterSet),
                config.format(), config.metrics()});
    }

    /** The finished sample of {@code id} made with {@code settings}, when its audio is still the one recorded; else null. */
    ExperimentSample done(String id, String settings) {
        Entry entry = entries.get(id);
        if (entry == null || !entry.settings().equals(settings)) {
            return null;
        }
        Path audio = folder.resolve(entry.sample().path());
        try {
            return Files.isRegularFile(audio) && FileHash.sha256(audio).equals(entry.sample().sha256()) ? entry.sample() : null;
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    /** Records a finished sample: one whole line appended and flushed. */
    void add(String settings, ExperimentSample sample) {
        Entry entry = new Entry(settings, sample);
        try {
            Files.writeString(file, MAPPER.writeValueAsString(entry) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new WriteException(file + ": cannot append to the samples log: " + e.getMessage(), e);
        }
        entries.put(sample.id(), entry);
    }

    /** A whole line's entry; null for a line cut short or otherwise unreadable. */
    private static Entry parse(String line) {
        try {
            Entry entry = MAPPER.readValue(line, Entry.class);
            return entry == null || entry.sample() == null || entry.settings() == null ? null : entry;
        } catch (JacksonException e) {
            return null;
        }
    }
}
