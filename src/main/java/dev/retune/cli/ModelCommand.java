package dev.retune.cli;

import picocli.CommandLine.Command;

/** {@code retune model}: create, inspect and verify model folders. */
@Command(name = "model",
        description = "Create, inspect and verify MusicGen model folders (Hugging Face layout).",
        mixinStandardHelpOptions = true,
        subcommands = {ModelInitCommand.class, ModelInspectCommand.class, ModelVerifyCommand.class},
        footer = {"", "Examples:",
            "  retune model init --preset tiny --out models/tiny",
            "  retune model inspect models/tiny",
            "  retune model verify models/tiny-ref --reference reference.safetensors"})
final class ModelCommand {
}
