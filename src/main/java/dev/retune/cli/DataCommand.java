package dev.retune.cli;

import picocli.CommandLine.Command;

/** {@code retune data}: dataset tools. */
@Command(name = "data",
        description = "Check a dataset folder, fill the token cache, or write the bundled demo dataset.",
        mixinStandardHelpOptions = true,
        subcommands = {CheckCommand.class, DataPrepareCommand.class, MakeDemoCommand.class},
        footer = {"", "Examples:",
            "  retune data check datasets/demo",
            "  retune data check my-set --json --strict",
            "  retune data make-demo /tmp/demo"})
final class DataCommand {
}
