package dev.retune.cli;

import dev.retune.data.Audio;
import dev.retune.generate.AudioOutput;
import dev.retune.generate.Generator;
import dev.retune.generate.GeneratorResult;
import dev.retune.generate.ModelSource;
import dev.retune.generate.SamplerOptions;
import dev.retune.model.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
            "classifier-free guidance batches the conditional and null passes; a key/value cache makes each step O(1)."},
        footer = {"", "Examples:",
            "  retune generate --model models/tiny --prompt \"warm analog pad, slow\" --duration 4 --out pad.wav",
            "  retune generate --run runs/demo --checkpoint best --prompts prompts.txt --out-dir out/",
            "  retune generate --model /path/to/musicgen-small --adapter runs/lora/adapter --prompt \"lo-fi beat\" --out beat.flac"})
final class GenerateCommand implements Callable<Integer> {

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

    @Option(names = "--checkpoint", description = "With --run: best, latest or a step number (default: ${DEFAULT-VALUE}).")
    String checkpoint = "latest";

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A text prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", paramLabel = "FILE", description = "A file with one prompt per line.")
    Path promptFile;

    @Option(names = "--duration", description = "Seconds of audio per prompt (default: ${DEFAULT-VALUE}).")
    double duration = 5;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--top-k", description = "Keep the k most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = 250;

    @Option(names = "--top-p", description = "Nucleus sampling threshold; 0 = off (default: ${DEFAULT-VALUE}).")
    double topP = 0;

    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature = 1.0;

    @Option(names = "--cfg", description = "Classifier-free guidance scale; 1 = off (default: ${DEFAULT-VALUE}).")
    double cfg = 3.0;

    @Option(names = "--out", paramLabel = "FILE", description = "Output file for a single prompt (wav, flac, mp3, ogg, opus, m4a).")
    Path out;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "Folder for several prompts: gen-000.wav, ...")
    Path outDir;

    @Option(names = "--format", description = "Extension for --out-dir files (default: ${DEFAULT-VALUE}).")
    String format = "wav";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<String> texts = prompts();
        List<Path> files = outputs(texts.size());
        if (!(duration > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be greater than 0, found " + duration);
        }
        Device device = new Device("cpu");
        ModelSource model = source.run != null ? ModelSource.run(source.run, checkpoint, device)
                : ModelSource.folder(source.model, adapters, device);
        int frames = (int) Math.round(duration * model.model().config().audioEncoder().frameRate());
        long context = model.model().config().decoder().maxPositionEmbeddings() - model.model().config().decoder().numCodebooks();
        if (frames > context) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.format(
                    "--duration %.1f s needs %d frames but the model's context holds %d (%.1f s); longer audio is not supported yet",
                    duration, frames, context, context / (double) model.model().config().audioEncoder().frameRate()));
        }
        SamplerOptions options = new SamplerOptions(temperature, topK, topP, cfg);
        GeneratorResult result;
        try (TextTokenizer tokenizer = TextTokenizer.load(model.tokenizer());
             Progress progress = Progress.start("generating", 0, "steps", true)) {
            TextTokenizer.Batch text = tokenizer.encode(texts, 256);
            result = Generator.generate(model.model(), text.idsTensor(), text.maskTensor(), frames, options, seed, true,
                    (step, steps) -> progress.update(step, steps));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        for (int i = 0; i < texts.size(); i++) {
            Audio audio = AudioOutput.decode(model.model().audio_encoder, result.codes().select(0, i));
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("prompt", texts.get(i));
            fields.put("source", model.identity());
            fields.put("seed", seed);
            fields.put("duration", duration);
            fields.put("frames", frames);
            fields.put("top_k", topK);
            fields.put("top_p", topP);
            fields.put("temperature", temperature);
            fields.put("cfg", cfg);
            AudioOutput.write(audio, files.get(i), fields);
            stdout.printf("%s  %.2f s  \"%s\"%n", files.get(i), audio.seconds(), texts.get(i));
        }
        stdout.printf("%d frames in %.1f s (%.0f frames/s)%n", frames, result.seconds(), result.framesPerSecond());
        stdout.flush();
        return ExitCode.OK;
    }

    private List<String> prompts() throws IOException {
        List<String> texts = new ArrayList<>(prompts);
        if (promptFile != null) {
            Files.readAllLines(promptFile).stream().map(String::strip).filter(line -> !line.isEmpty()).forEach(texts::add);
        }
        if (texts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --prompt or a --prompts file with prompts");
        }
        return texts;
    }

    private List<Path> outputs(int count) throws IOException {
        if ((out == null) == (outDir == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --out FILE or --out-dir DIR");
        }
        if (out != null) {
            if (count != 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--out takes a single prompt; use --out-dir for " + count);
            }
            return List.of(out);
        }
        Files.createDirectories(outDir);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(outDir.resolve(String.format("gen-%03d.%s", i, format)));
        }
        return files;
    }
}
