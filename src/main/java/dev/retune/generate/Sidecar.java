package dev.retune.generate;

import dev.retune.data.AtomicFile;
import dev.retune.data.AudioException;
import dev.retune.data.FileHash;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the JSON file next to a generated audio file ({@code FILE.json}) says: the prompt, how the audio was generated
 * (enough to generate it again) and the file it describes. A sidecar only ever describes a complete file.
 *
 * @param prompt     the text prompt
 * @param settings   what every file of the request shares
 * @param file       the audio file's name
 * @param sampleRate its sample rate
 * @param seconds    its length: the audio continued, if any, plus the new audio
 * @param sha256     the SHA-256 of its bytes, in hex
 */
public record Sidecar(String prompt, Settings settings, String file, int sampleRate, double seconds, String sha256) {

    /**
     * @param source         the model: its folder and adapters, or the run and checkpoint
     * @param checkpointStep the step of the run's checkpoint (null for a model folder)
     * @param seed           the request's seed
     * @param duration       the seconds of new audio asked for
     * @param frames         the new codec frames generated per prompt
     * @param continues      the audio file continued (null for none)
     */
    public record Settings(String source, Long checkpointStep, long seed, int batchSize, double duration, int frames,
                           int topK, double topP, double temperature, double cfg, String continues) {}

    /** Describes the finished audio {@code file} of {@code samples} samples, reading it back for its hash. */
    static Sidecar of(Path file, String prompt, Settings settings, int sampleRate, long samples) {
        try {
            return new Sidecar(prompt, settings, file.getFileName().toString(), sampleRate, (double) samples / sampleRate, FileHash.sha256(file));
        } catch (UncheckedIOException e) {
            throw new AudioException(file, "cannot read back what was written: " + e.getMessage());
        }
    }

    /** The JSON fields in the file's order (snake_case keys); those that do not apply are left out. */
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("prompt", prompt);
        fields.put("source", settings.source());
        if (settings.checkpointStep() != null) {
            fields.put("checkpoint_step", settings.checkpointStep());
        }
        fields.put("seed", settings.seed());
        fields.put("batch_size", settings.batchSize());
        fields.put("duration", settings.duration());
        fields.put("frames", settings.frames());
        fields.put("top_k", settings.topK());
        fields.put("top_p", settings.topP());
        fields.put("temperature", settings.temperature());
        fields.put("cfg", settings.cfg());
        if (settings.continues() != null) {
            fields.put("continues", settings.continues());
        }
        fields.put("file", file);
        fields.put("sample_rate", sampleRate);
        fields.put("seconds", seconds);
        fields.put("sha256", sha256);
        return fields;
    }

    /** Writes {@code audioFile.json} next to the audio file it describes, atomically. */
    void writeNextTo(Path audioFile) {
        AtomicFile.writeString(audioFile.resolveSibling(audioFile.getFileName() + ".json"),
                JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(fields()) + "\n");
    }
}
