package dev.retune.cli;

import dev.retune.config.ConfigException;
import dev.retune.data.AudioException;
import dev.retune.data.DatasetException;
import dev.retune.kernels.KernelException;
import dev.retune.model.ModelException;
import dev.retune.model.SafetensorsException;
import dev.retune.train.PeerFailedException;
import dev.retune.train.TrainingException;
import picocli.CommandLine;

/**
 * Turns exceptions that escape a verb into one clear line and an exit code. Bad input (a file, a key) is the user's
 * to fix and gets no stack trace; anything else is a bug and gets one.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        if (e instanceof PeerFailedException) {
            cli.getErr().println("error: " + e.getMessage());
            return ExitCode.PEER_FAILED;
        }
        if (e instanceof DatasetException || e instanceof ConfigException || e instanceof AudioException
                || e instanceof ModelException || e instanceof SafetensorsException || e instanceof TrainingException
                || e instanceof KernelException) {
            cli.getErr().println("error: " + e.getMessage());
            return ExitCode.BAD_INPUT;
        }
        cli.getErr().println("internal error: " + e);
        e.printStackTrace(cli.getErr());
        return ExitCode.INTERNAL_ERROR;
    }
}
