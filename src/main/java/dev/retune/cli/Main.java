package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.bench.BenchCommand;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code retune} command: parses arguments, dispatches to one verb, and is the only place that exits. */
@Command(name = "retune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Fine-tune MusicGen-family text-to-music models on your own audio.",
        subcommands = {TrainCommand.class, PlanCommand.class, SweepCommand.class, GenerateCommand.class, ExportCommand.class,
            EvaluateCommand.class, ExperimentCommand.class, StudioCommand.class, DataCommand.class, ModelCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  retune train configs/demo.yaml",
                "  retune data check datasets/demo",
                "  retune model init --preset tiny --out models/tiny",
                "  retune bench decode",
                "  retune studio",
                "", "Exit codes:",
                "  0  success",
                "  1  internal error (a bug: please report it with the stack trace)",
                "  2  usage error (unknown option, missing argument)",
                "  3  bad input: unreadable dataset, config or file (the message names it)",
                "  4  data check failed: --strict found problems, or no usable rows remain",
                "  5  model verify found a mismatch or a tensor it could not check",
                "  6  training diverged (non-finite loss or gradient norm); its checkpoints are kept",
                "  7  multi-process training lost a rank (crashed, killed, hung); the others were stopped",
                "  130 / 143  interrupted by SIGINT / SIGTERM: before training at once (the token cache keeps what is done),",
                "             while training after the current step and a checkpoint"})
public final class Main implements Callable<Integer> {

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
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setCaseInsensitiveEnumValuesAllowed(true); // --device cpu, --sampling-kernel off
        HelpText.apply(cli);
        return cli;
    }

    /** {@code retune} without a verb: the verbs, and exit 2 (nothing was done). */
    @Override
    public Integer call() {
        CommandLine cli = spec.commandLine();
        cli.getErr().println("retune: a verb is needed.");
        cli.getErr().print(cli.getHelp().commandList());
        cli.getErr().println("Run 'retune --help' for the options and exit codes, 'retune VERB --help' for a verb.");
        return ExitCode.USAGE;
    }

    /**
     * A usage error: the message, the closest matches for a mistyped option or verb, and one line pointing to the
     * verb's help, instead of the whole help text.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr().println("error: " + e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                cli.getErr().println("Did you mean: " + String.join(" or ", suggestions) + "?");
            }
        }
        cli.getErr().println("Run '" + cli.getCommandSpec().qualifiedName() + " --help' for usage.");
        return ExitCode.USAGE;
    }
}
