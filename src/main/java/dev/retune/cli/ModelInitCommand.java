package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code retune model init}: a randomly initialised model folder, the demo's base model. */
@Command(name = "init",
        mixinStandardHelpOptions = true,
        description = {
            "Write a randomly initialised MusicGen model folder (config.json, model.safetensors, tokenizer.json).",
            "Presets: tiny (tests and the CPU demo; ships its own word-level tokenizer), small, medium, large",
            "(the architectures of facebook/musicgen-*; copy the T5 tokenizer.json of the real model beside them)."},
        footer = {"", "Examples:",
            "  retune model init --preset tiny --out models/tiny",
            "  retune model init --preset small --out /tmp/small-random --dtype bf16"})
final class ModelInitCommand implements Callable<Integer> {

    @Option(names = "--preset", required = true, description = "tiny, small, medium or large.")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to create.")
    Path out;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--dtype", description = "Stored dtype: f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype = "f32";

    @Option(names = "--force", description = "Overwrite a folder that already holds a model.")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (Files.exists(out.resolve(ModelFolder.CONFIG)) && !force) {
            throw new CommandLine.ParameterException(spec.commandLine(), out + " already holds a model; use --force to overwrite it");
        }
        long started = System.nanoTime();
        MusicgenForConditionalGeneration model = ModelFolder.createPreset(preset, seed, out, Dtypes.parse(spec.commandLine(), dtype));
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("Wrote %s preset to %s: %,d parameters, %s, seed %d (%.1f s)%n", preset, out,
                model.parameterCount(""), dtype, seed, (System.nanoTime() - started) / 1e9);
        if (!Files.exists(out.resolve(ModelFolder.TOKENIZER))) {
            stdout.println("No tokenizer.json was written: copy the T5 tokenizer.json of the matching facebook/musicgen-" + preset + " model into the folder.");
        }
        stdout.flush();
        return ExitCode.OK;
    }
}
