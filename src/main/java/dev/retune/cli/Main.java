package dev.retune.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code retune} command: parses arguments, dispatches to one verb, and is the only place that exits. */
@Command(name = "retune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Fine-tune MusicGen-family text-to-music models on your own audio.",
        subcommands = {TrainCommand.class, PlanCommand.class, GenerateCommand.class, ExportCommand.class, DataCommand.class, ModelCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  retune train configs/demo.yaml",
                "  retune data check datasets/demo",
                "  retune model init --preset tiny --out models/tiny",
                "  retune bench decode",
                "", "Exit codes:",
                "  0  success",
                "  1  internal error (a bug: please report it with the stack trace)",
                "  2  usage error (unknown option, missing argument)",
                "  3  bad input: unreadable dataset, config or file (the message names it)",
                "  4  data check failed: --strict found problems, or no usable rows remain",
                "  5  model verify found a mismatch or a tensor it could not check",
                "  6  training diverged (non-finite loss or gradient norm); the last good checkpoint is kept",
                "  7  multi-process training lost a rank (crashed, killed, hung); the others were stopped",
                "  130 / 143  training interrupted by SIGINT / SIGTERM, after writing a checkpoint"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        try {
            NativeLibraries.extract(); // before any class loads a native library: see NativeLibraries
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(ExitCode.BAD_INPUT);
        }
        System.exit(run(args));
    }

    /** Runs the CLI in-process and returns the exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command tree; tests set its out/err writers and call execute. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setCaseInsensitiveEnumValuesAllowed(true); // --device cpu, --sampling-kernel off
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
