package dev.retune.cli;

import dev.retune.generate.CheckpointChoice;
import picocli.CommandLine;

/** {@code --checkpoint} of generate and export: best, latest or a step number; anything else is a usage error. */
final class CheckpointConverter implements CommandLine.ITypeConverter<CheckpointChoice> {

    @Override
    public CheckpointChoice convert(String value) {
        try {
            return CheckpointChoice.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
