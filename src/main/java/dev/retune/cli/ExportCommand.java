package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.adapt.Adaptation;
import dev.retune.adapt.PeftAdapter;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelSource;
import dev.retune.data.AtomicFile;
import dev.retune.model.ModelFolder;
import dev.retune.data.FileHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
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
            "--merged: config.json, model.safetensors and tokenizer.json with the trained weights (LoRA merged in);",
            "--adapter-only: adapter_config.json and adapter_model.safetensors (LoRA runs). A manifest.json lists",
            "the sha256 of every file written; every file is written atomically.",
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
        ModelSource source = ModelSource.run(run, checkpoint, new Device("cpu"));
        CheckpointOption.announce(spec.commandLine().getErr(), run, source.checkpoint());
        Adaptation adaptation = source.adaptation();
        Files.createDirectories(out);
        if (kind.adapterOnly) {
            if (adaptation.lora() == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), run + " did not train LoRA adapters; use --merged");
            }
            PeftAdapter.write(out, adaptation.lora(), source.base().toString());
        } else {
            if (adaptation.lora() != null) {
                adaptation.lora().merge();
                adaptation.lora().remove();
            } else if (adaptation.trainable().keySet().stream().anyMatch(name -> name.contains(".adapter"))) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "bottleneck adapters cannot be merged into a plain MusicGen model: generate with --run instead");
            }
            ModelFolder.save(source.model(), out, Dtypes.parse(spec.commandLine(), dtype), source.tokenizer());
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("source", source.identity());
        manifest.put("checkpoint_step", source.checkpoint().step());
        manifest.put("kind", kind.merged ? "merged" : "adapter");
        manifest.put("files", hashes(out));
        AtomicFile.writeString(out.resolve("manifest.json"), JsonOutput.of(manifest) + "\n");
        spec.commandLine().getOut().printf("Exported %s to %s%n", source.identity(), out);
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
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
