package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Log;
import dev.retune.config.DeviceConfig;
import dev.retune.config.KernelsConfig;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.Generation;
import dev.retune.generate.GenerationRequest;
import dev.retune.generate.InvalidRequestException;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.SamplerOptions;
import dev.retune.generate.Weighted;
import dev.retune.generate.WeightedSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
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
            "  retune generate --model /path/to/musicgen-small --adapter runs/lora/adapter --prompt \"lo-fi beat\" --out beat.flac",
            "  retune generate --model models/tiny --adapter runs/a/adapter:0.5 --adapter runs/b/adapter:0.5 --prompt \"pad\" --out ab.wav",
            "  retune generate --model models/tiny --blend runs/demo@best:0.3 --prompt \"pad\" --out blend.wav",
            "  retune generate --run runs/music --mix models/tiny+runs/sfx/adapter:0.25 --prompt \"rain on a tin roof\" --out hybrid.wav"})
final class GenerateCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "Model folder (HF layout).")
        Path model;

        @Option(names = "--run", paramLabel = "RUN_DIR", description = "A training run: its base model and trained weights.")
        Path run;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--adapter", paramLabel = "DIR[:WEIGHT]",
            description = {"PEFT (LoRA) adapter folder to apply on --model (repeatable). WEIGHT (≥ 0, default 1) scales its delta; "
                    + "several adapters' scaled deltas are summed; 0 leaves it off (exactly the base model).",
                "The number after the LAST ':' is the weight, so a folder whose name holds ':' still works (write DIR:1 when the name ends in ':NUMBER')."})
    List<String> adapters = new ArrayList<>();

    @Option(names = "--blend", paramLabel = "SOURCE:WEIGHT",
            description = {"Blend another source token by token (repeatable): at each step the next token is drawn from Σ wᵢ·log pᵢ "
                    + "(each source guided by --cfg on its own), the main source weighing 1 − Σ WEIGHT; WEIGHT in [0, 1].",
                "SOURCE is written as evaluate's --source: PATH[@best|latest|STEP][+ADAPTER[:W]...]; it must share the main source's codec and tokenizer."})
    List<String> blends = new ArrayList<>();

    @Option(names = "--mix", paramLabel = "SOURCE:FACTOR",
            description = "Hybrid generation: generate with SOURCE too (same prompts and seed), match its loudness (EBU R128) to the main "
                    + "generation's and write (1 − FACTOR)·main + FACTOR·other, FACTOR in [0, 1]; the gain never lifts a peak above full scale. Not with --blend.")
    String mix;

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
            description = "Seconds of new audio per prompt, up to " + (int) GenerationRequest.MAX_DURATION + "; beyond the model's context it is generated in overlapping windows (default: ${DEFAULT-VALUE}).")
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
        GenerationRequest request = request();
        PrintWriter stdout = spec.commandLine().getOut();
        Generation.Summary summary;
        try (Log.Route messages = routeMessages(); CountBar bar = new CountBar("generating", "prompts", true)) {
            summary = Generation.run(request, audio -> {
                stdout.printf("%s  %.2f s  \"%s\"%n", audio.file(), audio.seconds(), audio.prompt());
                stdout.flush();
            }, bar, new AtomicBoolean());
        } catch (InvalidRequestException e) {
            throw usage(e.getMessage());
        }
        stdout.printf("%d x %d new frames in %.1f s (%.0f frames/s)%n", summary.prompts(), summary.frames(), summary.seconds(),
                summary.framesPerSecond());
        stdout.flush();
        return ExitCode.OK;
    }

    /** The options as a request: a value the library rejects is a usage error naming the option. */
    private GenerationRequest request() {
        try {
            List<Path> adapterDirs = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            for (String adapter : adapters) {
                Weighted weighted = Weighted.parse("--adapter", adapter, 1.0);
                adapterDirs.add(Path.of(weighted.target()));
                weights.add(weighted.weight());
            }
            return new GenerationRequest(new ModelLocation(source.model, adapterDirs, weights, source.run, checkpoint), deviceKind, prompts,
                    promptFile, new SamplerOptions(temperature, topK, topP, cfg, samplingKernel), seed, duration, continueFrom,
                    batchSize, new GenerationRequest.Output(out, outDir, format),
                    blends.stream().map(blend -> WeightedSource.parse("--blend", blend)).toList(),
                    mix == null ? null : WeightedSource.parse("--mix", mix));
        } catch (InvalidRequestException e) {
            throw usage(e.getMessage());
        }
    }

    /** The library's messages (the checkpoint taken, damaged ones skipped) to this command's stderr, as they come. */
    private Log.Route routeMessages() {
        PrintWriter stderr = spec.commandLine().getErr();
        return Log.routeTo(line -> {
            stderr.println(line);
            stderr.flush();
        });
    }

    /** The progress bar, from the first report on: once the prompts are counted and the model is loaded. */
    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
