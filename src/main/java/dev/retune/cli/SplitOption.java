package dev.retune.cli;

import dev.retune.evaluate.HeldOutFit;
import picocli.CommandLine;

/** {@code --split valid|train|all} of evaluate: which of a dataset's clips; anything else is a usage error naming it. */
final class SplitOption implements CommandLine.ITypeConverter<HeldOutFit.Clips> {

    @Override
    public HeldOutFit.Clips convert(String value) {
        for (HeldOutFit.Clips clips : HeldOutFit.Clips.values()) {
            if (clips.id().equals(value)) {
                return clips;
            }
        }
        throw new CommandLine.TypeConversionException("--split must be valid, train or all, found " + value);
    }
}
