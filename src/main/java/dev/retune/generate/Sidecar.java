package dev.retune.generate;

import dev.retune.data.AtomicFile;
import dev.retune.data.AudioException;
import dev.retune.data.FileHash;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
     * @param blend          the sources blended token by token, each {@code SPEC:WEIGHT} (empty: none)
     * @param mix            the second generation mixed into the audio (null: none)
     */
    public record Settings(String source, Long checkpointStep, long seed, int batchSize, double duration, int frames,
                           int topK, double topP, double temperature, double cfg, String continues, List<String> blend, Mix mix) {

        public Settings {
            blend = blend == null ? List.of() : List.copyOf(blend);
        }

        /** Settings of a generation without blending or mixing. */
        public Settings(String source, Long checkpointStep, long seed, int batchSize, double duration, int frames,
                        int topK, double topP, double temperature, double cfg, String continues) {
            this(source, checkpointStep, seed, batchSize, duration, frames, topK, topP, temperature, cfg, continues, null, null);
        }

        /** These settings with {@code mix}. */
        Settings mixed(Mix mix) {
            return new Settings(source, checkpointStep, seed, batchSize, duration, frames, topK, topP, temperature, cfg, continues, blend, mix);
        }
    }

    /**
     * How a {@code --mix} file was made from two generations ({@link WaveformMix}): out = (1 − factor) · main + factor ·
     * gain · other.
     *
     * @param source    the other source, as its spec
     * @param factor    the mix factor in [0, 1]
     * @param mainLufs  the main generation's integrated loudness (null: silent, below the −70 LUFS gate)
     * @param otherLufs the other generation's, before the gain
     * @param gainDb    the gain put on the other generation: the loudness difference, lowered where it would push the
     *                  other's sample peak above full scale
     */
    public record Mix(String source, double factor, Double mainLufs, Double otherLufs, double gainDb) {}

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
        if (!settings.blend().isEmpty()) {
            fields.put("blend", settings.blend());
        }
        if (settings.mix() != null) {
            Map<String, Object> mix = new LinkedHashMap<>();
            mix.put("source", settings.mix().source());
            mix.put("factor", settings.mix().factor());
            mix.put("main_lufs", settings.mix().mainLufs());
            mix.put("other_lufs", settings.mix().otherLufs());
            mix.put("gain_db", settings.mix().gainDb());
            fields.put("mix", mix);
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
