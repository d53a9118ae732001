package dev.retune.cli;

import dev.retune.generate.CheckpointChoice;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * {@code --checkpoint} of generate and export: best, latest or a step number (anything else is a usage error naming
 * the option), and the line that tells which checkpoint was taken.
 */
final class CheckpointOption implements CommandLine.ITypeConverter<CheckpointChoice> {

    @Override
    public CheckpointChoice convert(String value) {
        try {
            return CheckpointChoice.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Prints the step taken and why, after any damaged checkpoints skipped on the way. */
    static void announce(PrintWriter err, Path run, CheckpointChoice.Chosen chosen) {
        chosen.warnings().forEach(warning -> err.println("warning: " + warning));
        err.println(chosen.describe(run));
        err.flush();
    }
}
