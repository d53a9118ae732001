package dev.retune.cli;

import dev.retune.config.DeviceConfig;
import dev.retune.config.KernelsConfig;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.generate.AudioOutput;
import dev.retune.generate.Generator;
import dev.retune.generate.GeneratorResult;
import dev.retune.generate.ModelSource;
import dev.retune.generate.SamplerOptions;
import dev.retune.model.TextTokenizer;
import dev.retune.train.CodecTokens;
import dev.retune.train.Devices;
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
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

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

    @Option(names = "--prompts", paramLabel = "FILE", description = "One prompt per line, or a .csv with a prompt/description/text/caption column.")
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

    @Option(names = "--device", paramLabel = "KIND", defaultValue = "auto", description = "auto (CUDA when available), cpu or cuda (default: ${DEFAULT-VALUE}).")
    DeviceConfig.Kind deviceKind;

    @Option(names = "--sampling-kernel", paramLabel = "MODE", defaultValue = "auto", description = "The fused CUDA sampling kernel: auto, on or off (default: ${DEFAULT-VALUE}).")
    KernelsConfig.Mode samplingKernel;

    @Option(names = "--continue", paramLabel = "AUDIO", description = "Continue this audio: the output is the audio plus --duration more.")
    Path continueFrom;

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
        Device device = Devices.select(new DeviceConfig(deviceKind, null));
        ModelSource model = source.run != null ? ModelSource.run(source.run, checkpoint, device)
                : ModelSource.folder(source.model, adapters, device);
        int frames = (int) Math.round(duration * model.model().config().audioEncoder().frameRate());
        SamplerOptions options = new SamplerOptions(temperature, topK, topP, cfg, samplingKernel);
        Tensor prompt = continueFrom == null ? null : promptCodes(model, texts.size());
        GeneratorResult result;
        try (TextTokenizer tokenizer = TextTokenizer.load(model.tokenizer());
             Progress progress = Progress.start("generating", 0, "steps", true)) {
            TextTokenizer.Batch text = tokenizer.encode(texts, 256);
            // Longer than the model's context: windows that each continue the end of the previous one.
            result = Generator.generateWindowed(model.model(), text.idsTensor(), text.maskTensor(), prompt, frames, options, seed,
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
        stdout.printf("%d new frames in %.1f s (%.0f frames/s)%n", frames, result.seconds(), frames / result.seconds());
        stdout.flush();
        return ExitCode.OK;
    }

    /** The --continue audio as codec tokens [B, K, P], the same for every prompt. */
    private Tensor promptCodes(ModelSource model, int batch) {
        var codec = model.model().audio_encoder;
        AudioFormat format = new AudioFormat(codec.config().samplingRate(), codec.config().audioChannels());
        return new CodecTokens(codec, format).codes(AudioDecoder.decode(continueFrom, format)).repeat(batch, 1, 1);
    }

    private List<String> prompts() throws IOException {
        List<String> texts = new ArrayList<>(prompts);
        if (promptFile != null && promptFile.toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            texts.addAll(csvPrompts(promptFile));
        } else if (promptFile != null) {
            Files.readAllLines(promptFile).stream().map(String::strip).filter(line -> !line.isEmpty()).forEach(texts::add);
        }
        if (texts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --prompt or a --prompts file with prompts");
        }
        return texts;
    }

    /** The first of the prompt, description, text or caption columns of a CSV with a header row. */
    private List<String> csvPrompts(Path file) {
        CsvMapper mapper = CsvMapper.builder().build();
        List<Map<String, String>> rows;
        try (MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
            rows = it.readAll();
        }
        for (String column : List.of("prompt", "description", "text", "caption")) {
            if (!rows.isEmpty() && rows.get(0).containsKey(column)) {
                return rows.stream().map(r -> r.get(column).strip()).filter(t -> !t.isEmpty()).toList();
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(), file + ": no prompt, description, text or caption column");
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
