package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Failure;
import dev.retune.RetuneException;
import picocli.CommandLine;

/**
 * Turns exceptions that escape a verb into one clear line and an exit code. A {@link RetuneException} is the user's
 * to act on and gets its failure's exit code and no stack trace; anything else is a bug and gets one.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        if (e instanceof RetuneException reported) {
            cli.getErr().println((reported.failure() == Failure.INTERRUPTED ? "interrupted: " : "error: ") + e.getMessage());
            return reported.failure().exitCode();
        }
        cli.getErr().println("internal error: " + e);
        e.printStackTrace(cli.getErr());
        return ExitCode.INTERNAL_ERROR;
    }
}
