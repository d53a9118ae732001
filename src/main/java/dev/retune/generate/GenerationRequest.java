package dev.retune.generate;

import dev.retune.config.DeviceConfig;
import dev.retune.data.AudioEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One generation: which model, which prompts, how tokens are drawn, how long, where the files go. The command line
 * builds it from the options of {@code retune generate}; any program may build it directly. What needs no file is
 * checked here; what needs the files or the model is checked by {@link Generation#run} before it generates. An invalid
 * value is an {@link InvalidRequestException} whose message names the {@code retune generate} option that sets it.
 *
 * @param model        where the model comes from
 * @param device       where it runs (null: auto, CUDA when available)
 * @param prompts      text prompts, generated first (null: none)
 * @param promptFile   a UTF-8 file of more prompts, one per non-blank line or a {@code .csv}'s prompt column, read batch
 *                     by batch; null for none
 * @param sampling     how tokens are drawn
 * @param seed         fixes every random draw: the same request gives the same audio
 * @param duration     seconds of new audio per prompt: more than 0, at most {@link #MAX_DURATION}; beyond the model's
 *                     context it is generated in overlapping windows
 * @param continueFrom audio every output continues (the output is that audio plus {@code duration} more); null for none
 * @param batchSize    prompts generated together (≥ 1): memory grows with it, not with the number of prompts
 * @param output       where the audio files (and their JSON sidecars) go
 * @param blends       sources blended token by token into {@code model}'s choices ({@code --blend}; weights in [0, 1]
 *                     summing to at most 1, the main source weighing the rest; see {@link TokenBlend}); null or empty: none
 * @param mix          a second source generated with the same prompts and seed and mixed into the audio with this
 *                     factor ({@code --mix}; see {@link WaveformMix}); null: none. Not together with {@code blends}.
 */
public record GenerationRequest(ModelLocation model, DeviceConfig.Kind device, List<String> prompts, Path promptFile,
                                SamplerOptions sampling, long seed, double duration, Path continueFrom, int batchSize,
                                Output output, List<WeightedSource> blends, WeightedSource mix) {

    /**
     * Longest duration, in seconds. Windows make any length possible, and the codec decodes and writes the audio a chunk
     * at a time (memory does not grow with the length), but 10 minutes is already twice a long song: beyond it, a value
     * is a typo.
     */
    public static final double MAX_DURATION = 600;

    public GenerationRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(output, "output");
        device = device == null ? DeviceConfig.Kind.AUTO : device;
        if (!(duration > 0 && duration <= MAX_DURATION)) {
            throw new InvalidRequestException("--duration must be more than 0 and at most " + (int) MAX_DURATION + " seconds, found " + duration);
        }
        if (batchSize < 1) {
            throw new InvalidRequestException("--batch-size must be at least 1, found " + batchSize);
        }
        prompts = prompts == null ? List.of() : prompts;
        if (prompts.stream().anyMatch(prompt -> prompt == null || prompt.isBlank())) {
            throw new InvalidRequestException("--prompt is blank; give the text of a prompt");
        }
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty() && promptFile == null) {
            throw new InvalidRequestException("give at least one --prompt or a --prompts file");
        }
        blends = blends == null ? List.of() : List.copyOf(blends);
        double blended = blends.stream().mapToDouble(WeightedSource::weight).sum();
        if (blended > 1 + 1e-9) {
            throw new InvalidRequestException("--blend weights sum to " + blended + "; at most 1 (the main source weighs 1 minus the sum)");
        }
        if (mix != null && !blends.isEmpty()) {
            throw new InvalidRequestException("--mix and --blend cannot be combined: --mix mixes two finished generations, --blend "
                    + "combines sources inside one; use one of them");
        }
    }

    /** A request without blending or mixing. */
    public GenerationRequest(ModelLocation model, DeviceConfig.Kind device, List<String> prompts, Path promptFile,
                             SamplerOptions sampling, long seed, double duration, Path continueFrom, int batchSize, Output output) {
        this(model, device, prompts, promptFile, sampling, seed, duration, continueFrom, batchSize, output, null, null);
    }

    /** This request with another model and output, and neither blends nor a mix: one side of a {@link WaveformMix}. */
    GenerationRequest alone(ModelLocation source, Output to) {
        return new GenerationRequest(source, device, prompts, promptFile, sampling, seed, duration, continueFrom, batchSize, to, null, null);
    }

    /**
     * Where the audio files go: one file for a single prompt (its format from its extension), or a folder of numbered
     * files {@code gen-000.EXT}, {@code gen-001.EXT}, ... in prompt order. Existing files of those names are replaced.
     * Each file gets a JSON sidecar next to it ({@link Sidecar}).
     *
     * @param file   the one output file, in an existing folder; null for a folder
     * @param folder the folder of numbered files (created when missing); null for a file
     * @param format the audio format of a folder's files: wav, flac, mp3, ogg, opus or m4a (null: wav); null for a file
     */
    public record Output(Path file, Path folder, String format) {

        public Output {
            if ((file == null) == (folder == null)) {
                throw new InvalidRequestException("give exactly one of --out FILE or --out-dir DIR");
            }
            if (file != null) {
                if (format != null) {
                    throw new InvalidRequestException("--format applies to --out-dir; --out takes the format from its extension");
                }
                String name = file.getFileName().toString();
                checkFormat("--out", file.toString(), name.lastIndexOf('.') < 0 ? "" : name.substring(name.lastIndexOf('.')));
            } else {
                format = format == null ? "wav" : format;
                checkFormat("--format", format, "." + format);
            }
        }

        /** A single file; the prompts must be one. */
        public static Output file(Path file) {
            return new Output(file, null, null);
        }

        /** Numbered files in {@code folder}, of {@code format} (null: wav). */
        public static Output folder(Path folder, String format) {
            return new Output(null, folder, format);
        }

        /** The file of the prompt at {@code index} (0-based). */
        public Path pathOf(long index) {
            return file != null ? file : folder.resolve(String.format(Locale.ROOT, "gen-%03d.%s", index, format));
        }

        /**
         * Checks the place against the file system and the number of prompts, and creates the folder, before the
         * model loads: no generation is lost to an output that cannot be written.
         */
        void prepare(long prompts) {
            if (file != null) {
                if (prompts != 1) {
                    throw new InvalidRequestException("--out takes a single prompt; use --out-dir for " + prompts);
                }
                Path parent = file.toAbsolutePath().getParent();
                if (!Files.isDirectory(parent)) {
                    throw new InvalidRequestException("--out " + file + ": the folder " + parent + " does not exist");
                }
                if (Files.isDirectory(file)) {
                    throw new InvalidRequestException("--out " + file + " is a folder; give a file name (or use --out-dir)");
                }
                return;
            }
            if (Files.exists(folder) && !Files.isDirectory(folder)) {
                throw new InvalidRequestException("--out-dir " + folder + " is a file, not a folder");
            }
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new InvalidRequestException("--out-dir " + folder + " cannot be created: " + e);
            }
        }

        /** {@code extension} (with its dot) must be one the encoder writes; {@code given} is the option's value. */
        private static void checkFormat(String option, String given, String extension) {
            if (!AudioEncoder.extensions().contains(extension.toLowerCase(Locale.ROOT))) {
                throw new InvalidRequestException(option + " " + given + ": unsupported audio format; expected one of "
                        + String.join(", ", AudioEncoder.extensions()));
            }
        }
    }
}
