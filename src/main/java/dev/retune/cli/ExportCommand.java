package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.adapt.Adaptation;
import dev.retune.adapt.AdaptationException;
import dev.retune.data.AtomicFile;
import dev.retune.data.FileHash;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelSource;
import dev.retune.model.ModelFolder;
import dev.retune.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune export RUN_DIR --out DIR}: a training run as files other tools load. */
@Command(name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Export a training run as a standalone Hugging Face model folder or a PEFT adapter.",
            "--merged: config.json, model.safetensors with the trained weights (LoRA merged in), the base model's",
            "tokenizer, processor and generation files, and a generation_config.json with MusicGen's sampling defaults",
            "when the base has none; --adapter-only: adapter_config.json and adapter_model.safetensors (LoRA runs).",
            "A manifest.json lists the base model's path and the sha256 of every file written; every file is written atomically.",
            "The checkpoint is the run's best one (lowest validation loss) unless --checkpoint says otherwise; the step used is printed and recorded in the manifest."},
        footer = {"", "Examples:",
            "  retune export runs/demo --out exported/demo --merged",
            "  retune export runs/lora --checkpoint latest --out exported/lora-adapter --adapter-only"})
final class ExportCommand implements Callable<Integer> {

    static final class Kind {
        @Option(names = "--merged", description = "A standalone model folder.")
        boolean merged;

        @Option(names = "--adapter-only", description = "Only the LoRA adapter, in the PEFT layout.")
        boolean adapterOnly;
    }

    @Parameters(paramLabel = "RUN_DIR", description = "The training run.")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write.")
    Path out;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Kind kind;

    @Option(names = "--checkpoint", paramLabel = "WHICH", converter = CheckpointOption.class,
            description = "best, latest or a step number (default: best when the run has one, else latest).")
    CheckpointChoice checkpoint = CheckpointChoice.DEFAULT;

    @Option(names = "--dtype", description = "Stored dtype of --merged weights: f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype = "f32";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ScalarType stored = Dtypes.parse(spec.commandLine(), dtype);
        ModelSource source = ModelSource.run(run, checkpoint, new Device("cpu"));
        CheckpointOption.announce(spec.commandLine().getErr(), run, source.checkpoint());
        Adaptation adaptation = source.adaptation();
        try {
            if (kind.adapterOnly) {
                adaptation.writeAdapter(out, ModelFolder.name(source.base()));
            } else {
                adaptation.mergeIntoBase();
                ModelFolder.export(source.model(), out, stored, source.base(), segmentFrames(source));
            }
        } catch (AdaptationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), run + ": " + e.getMessage());
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("source", source.identity());
        manifest.put("checkpoint_step", source.checkpoint().step());
        manifest.put("kind", kind.merged ? "merged" : "adapter");
        manifest.put("base_model", ModelFolder.name(source.base()));
        manifest.put("base_model_path", source.base().toAbsolutePath().normalize().toString());
        manifest.put("files", hashes(out));
        AtomicFile.writeString(out.resolve("manifest.json"), Json.of(manifest) + "\n");
        spec.commandLine().getOut().printf("Exported %s to %s%n", source.identity(), out);
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    /** The run's training segment in codec frames (at least one): what generate() makes by default from the export. */
    private int segmentFrames(ModelSource source) {
        double seconds = new RunFolder(run).readConfig().data().segmentSeconds();
        return (int) Math.max(1, Math.rint(seconds * source.model().config().audioEncoder().frameRate()));
    }

    private static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(file).toString();
                if (!name.equals("manifest.json")) {
                    files.put(name, FileHash.sha256(file));
                }
            }
        }
        return files;
    }
}
