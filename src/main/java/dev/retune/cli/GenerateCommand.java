package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.config.DeviceConfig;
import dev.retune.config.KernelsConfig;
import dev.retune.data.AudioEncoder;
import dev.retune.data.AudioException;
import dev.retune.data.DatasetException;
import dev.retune.generate.BatchGenerator;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelSource;
import dev.retune.generate.PromptReader;
import dev.retune.generate.SamplerOptions;
import dev.retune.model.TextTokenizer;
import dev.retune.model.Devices;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code retune generate}: text → music with a base model, a model plus adapters, or a training run. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Generate music from text prompts.",
            "The model comes from a model folder (optionally with PEFT adapters) or straight from a training run;",
            "classifier-free guidance batches the conditional and null passes; a key/value cache makes each step O(1).",
            "A list of prompts is generated --batch-size prompts at a time, each batch written before the next is read.",
            "From a run, the checkpoint is the best one (lowest validation loss) unless --checkpoint says otherwise; the step used is printed and recorded in every sidecar."},
        footer = {"", "Examples:",
            "  retune generate --model models/tiny --prompt \"warm analog pad, slow\" --duration 4 --out pad.wav",
            "  retune generate --run runs/demo --prompts prompts.txt --batch-size 8 --out-dir out/",
            "  retune generate --model /path/to/musicgen-small --adapter runs/lora/adapter --prompt \"lo-fi beat\" --out beat.flac"})
final class GenerateCommand implements Callable<Integer> {

    /**
     * Longest --duration. Windows make any length possible, and the codec decodes and writes the audio a chunk at a time
     * (memory does not grow with the length), but 10 minutes is already twice a long song: beyond it, a value is a typo.
     */
    static final double MAX_DURATION_SECONDS = 600;

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "Model folder (HF layout).")
        Path model;

        @Option(names = "--run", paramLabel = "RUN_DIR", description = "A training run: its base model and trained weights.")
        Path run;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter folder to apply on --model (repeatable).")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--checkpoint", paramLabel = "WHICH", converter = CheckpointOption.class,
            description = "With --run: best, latest or a step number (default: best when the run has one, else latest).")
    CheckpointChoice checkpoint;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A text prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "UTF-8 file: one prompt per line, or a .csv with a prompt/description/text/caption column; read batch by batch.")
    Path promptFile;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Prompts generated together; memory grows with it, not with the number of prompts (default: ${DEFAULT-VALUE}).")
    int batchSize = 4;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Seconds of new audio per prompt, up to " + (int) MAX_DURATION_SECONDS + "; beyond the model's context it is generated in overlapping windows (default: ${DEFAULT-VALUE}).")
    double duration = 5;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--top-k", description = "Keep the k most likely tokens, k ≥ 0; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = 250;

    @Option(names = "--top-p", description = "Nucleus sampling threshold in [0, 1]; 0 = off (default: ${DEFAULT-VALUE}).")
    double topP = 0;

    @Option(names = "--temperature", description = "Sampling temperature ≥ 0; 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature = 1.0;

    @Option(names = "--cfg", description = "Classifier-free guidance scale > 0; 1 = off (default: ${DEFAULT-VALUE}).")
    double cfg = 3.0;

    @Option(names = "--device", paramLabel = "KIND", defaultValue = "auto", description = "auto (CUDA when available), cpu or cuda (default: ${DEFAULT-VALUE}).")
    DeviceConfig.Kind deviceKind;

    @Option(names = "--sampling-kernel", paramLabel = "MODE", defaultValue = "auto", description = "The fused CUDA sampling kernel: auto, on or off (default: ${DEFAULT-VALUE}).")
    KernelsConfig.Mode samplingKernel;

    @Option(names = "--continue", paramLabel = "AUDIO", description = "Continue this audio: the output is the audio plus --duration more.")
    Path continueFrom;

    @Option(names = "--out", paramLabel = "FILE", description = "Output file for a single prompt (wav, flac, mp3, ogg, opus, m4a), in an existing folder.")
    Path out;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "Folder for a list of prompts: gen-000.wav, gen-001.wav, ...; existing files of those names are replaced.")
    Path outDir;

    @Option(names = "--format", paramLabel = "EXT", description = "Audio format of --out-dir files: wav, flac, mp3, ogg, opus or m4a (default: wav).")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        checkOptions();
        SamplerOptions sampler = samplerOptions();
        long count = PromptReader.count(prompts, promptFile); // every line is checked before the model loads
        checkOutputs(count);
        ModelSource model = loadModel();
        int frames = frames(model);
        PrintWriter stdout = spec.commandLine().getOut();
        BatchGenerator.Result result;
        try (TextTokenizer tokenizer = TextTokenizer.load(model.tokenizer());
             PromptReader reader = PromptReader.open(prompts, promptFile);
             Progress progress = Progress.start("generating", count, "prompts", true)) {
            BatchGenerator generator = new BatchGenerator(model, tokenizer, new BatchGenerator.Settings(frames, sampler, seed, batchSize),
                    continueFrom, sidecar(model, frames));
            result = generator.run(reader, this::outputFile, (index, prompt, file, seconds) -> {
                stdout.printf("%s  %.2f s  \"%s\"%n", file, seconds, prompt);
                stdout.flush();
                progress.update(index + 1, count);
            });
        }
        stdout.printf("%d x %d new frames in %.1f s (%.0f frames/s)%n", result.prompts(), frames, result.seconds(),
                result.prompts() * frames / result.seconds());
        stdout.flush();
        return ExitCode.OK;
    }

    /** Option values and combinations that need no file: checked before anything is read. */
    private void checkOptions() {
        if (!(duration > 0 && duration <= MAX_DURATION_SECONDS)) {
            throw usage("--duration must be more than 0 and at most " + (int) MAX_DURATION_SECONDS + " seconds, found " + duration);
        }
        if (batchSize < 1) {
            throw usage("--batch-size must be at least 1, found " + batchSize);
        }
        if (source.run != null && !adapters.isEmpty()) {
            throw usage("--adapter applies to --model; a --run brings its own trained weights");
        }
        if (source.model != null && checkpoint != null) {
            throw usage("--checkpoint applies to --run, not to --model");
        }
        if (prompts.stream().anyMatch(String::isBlank)) {
            throw usage("--prompt is blank; give the text of a prompt");
        }
        if (prompts.isEmpty() && promptFile == null) {
            throw usage("give at least one --prompt or a --prompts file");
        }
        if (continueFrom != null && !Files.isRegularFile(continueFrom)) {
            throw new AudioException(continueFrom, Files.exists(continueFrom) ? "not a regular file" : "no such file (given to --continue)");
        }
    }

    private SamplerOptions samplerOptions() {
        try {
            return new SamplerOptions(temperature, topK, topP, cfg, samplingKernel);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** Where the files go, checked (and --out-dir created) before the model loads, so no generation is lost. */
    private void checkOutputs(long count) {
        if (count == 0) {
            throw new DatasetException(promptFile + " holds no prompts (blank lines and blank cells are skipped)");
        }
        if ((out == null) == (outDir == null)) {
            throw usage("give exactly one of --out FILE or --out-dir DIR");
        }
        if (out != null) {
            checkOut(count);
        } else {
            checkOutDir();
        }
    }

    private void checkOut(long count) {
        if (count != 1) {
            throw usage("--out takes a single prompt; use --out-dir for " + count);
        }
        if (format != null) {
            throw usage("--format applies to --out-dir; --out takes the format from its extension");
        }
        String name = out.getFileName().toString();
        checkFormat("--out", out.toString(), name.lastIndexOf('.') < 0 ? "" : name.substring(name.lastIndexOf('.')));
        Path folder = out.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw usage("--out " + out + ": the folder " + folder + " does not exist");
        }
        if (Files.isDirectory(out)) {
            throw usage("--out " + out + " is a folder; give a file name (or use --out-dir)");
        }
    }

    private void checkOutDir() {
        checkFormat("--format", extension(), "." + extension());
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw usage("--out-dir " + outDir + " is a file, not a folder");
        }
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw usage("--out-dir " + outDir + " cannot be created: " + e);
        }
    }

    /** {@code extension} (with its dot) must be one the encoder writes; {@code given} is the option's value. */
    private void checkFormat(String option, String given, String extension) {
        if (!AudioEncoder.extensions().contains(extension.toLowerCase(Locale.ROOT))) {
            throw usage(option + " " + given + ": unsupported audio format; expected one of " + String.join(", ", AudioEncoder.extensions()));
        }
    }

    private ModelSource loadModel() {
        Device device = Devices.select(new DeviceConfig(deviceKind, null));
        if (source.model != null) {
            return ModelSource.folder(source.model, adapters, device);
        }
        ModelSource model = ModelSource.run(source.run, checkpoint == null ? CheckpointChoice.DEFAULT : checkpoint, device);
        CheckpointOption.announce(spec.commandLine().getErr(), source.run, model.checkpoint());
        return model;
    }

    /** --duration in codec frames; it must give at least one. */
    private int frames(ModelSource model) {
        double frameRate = model.model().config().audioEncoder().frameRate();
        long frames = Math.round(duration * frameRate);
        if (frames < 1) {
            throw usage(String.format(Locale.ROOT, "--duration %s is shorter than one codec frame (%.4f s for this model)", duration, 1 / frameRate));
        }
        return Math.toIntExact(frames);
    }

    private Map<String, Object> sidecar(ModelSource model, int frames) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("source", model.identity());
        if (model.checkpoint() != null) {
            fields.put("checkpoint_step", model.checkpoint().step());
        }
        fields.put("seed", seed);
        fields.put("batch_size", batchSize);
        fields.put("duration", duration);
        fields.put("frames", frames);
        fields.put("top_k", topK);
        fields.put("top_p", topP);
        fields.put("temperature", temperature);
        fields.put("cfg", cfg);
        if (continueFrom != null) {
            fields.put("continues", continueFrom.toString());
        }
        return fields;
    }

    private Path outputFile(long index) {
        return out != null ? out : outDir.resolve(String.format(Locale.ROOT, "gen-%03d.%s", index, extension()));
    }

    /** The extension of --out-dir files. */
    private String extension() {
        return format == null ? "wav" : format;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
