package dev.retune.experiment;

import dev.retune.data.WriteException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The research log of an experiment folder, {@code notes.jsonl}: findings appended one per line, each with its time,
 * a title, the text, and optionally what it is about (a sample id, or the start of one such as
 * {@code demo/default/held_out}). The package's README lists them.
 */
public final class ExperimentNotes {

    static final String FILE = "notes.jsonl";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    /** One finding; {@code related} may be null. */
    public record Note(String time, String title, String text, String related) {}

    private ExperimentNotes() {}

    /**
     * Appends a finding to the log of the finished experiment in {@code folder}; a blank title or text, an unfinished
     * experiment or a {@code related} id no sample has is an {@link ExperimentException}.
     */
    public static Note add(Path folder, String title, String text, String related) {
        if (title == null || title.isBlank() || text == null || text.isBlank()) {
            throw new ExperimentException("a note needs a title and a text, both non-blank");
        }
        List<String> ids = sampleIds(folder);
        if (related != null && ids.stream().noneMatch(id -> id.equals(related) || id.startsWith(related + "/"))) {
            throw new ExperimentException(folder.resolve("experiment.json") + " has no sample '" + related
                    + "'; give a sample id or the start of one (source/parameter_set/prompt_set)");
        }
        Note note = new Note(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), title.strip(), text.strip(), related);
        Path file = folder.resolve(FILE);
        try {
            Files.writeString(file, MAPPER.writeValueAsString(note) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new WriteException(file + ": cannot append the note: " + e.getMessage(), e);
        }
        return note;
    }

    /** Every note of {@code folder}, oldest first; a line that cannot be read (cut short by a kill) is left out. */
    public static List<Note> read(Path folder) {
        Path file = folder.resolve(FILE);
        List<Note> notes = new ArrayList<>();
        if (!Files.exists(file)) {
            return notes;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    notes.add(MAPPER.readValue(line, Note.class));
                } catch (JacksonException e) {
                    // A line cut short is no finding.
                }
            }
        } catch (IOException e) {
            throw new WriteException(file + ": cannot read the notes: " + e.getMessage(), e);
        }
        return notes;
    }

    /** The sample ids of the finished experiment in {@code folder}. */
    static List<String> sampleIds(Path folder) {
        Path file = folder.resolve("experiment.json");
        if (!Files.isRegularFile(file)) {
            throw new ExperimentException(folder + " holds no finished experiment (no experiment.json); run retune experiment first");
        }
        try {
            List<String> ids = new ArrayList<>();
            for (JsonNode sample : MAPPER.readTree(file.toFile()).path("samples")) {
                ids.add(sample.path("id").asString());
            }
            return ids;
        } catch (JacksonException e) {
            throw new ExperimentException(file + " cannot be read: " + e.getOriginalMessage());
        }
    }
}
