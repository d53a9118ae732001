package dev.retune.cli;

import dev.retune.generate.InvalidRequestException;
import dev.retune.generate.ModelLocation;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * {@code --source [NAME=]PATH[@CHECKPOINT][+ADAPTER...]} of evaluate: a training run (a folder with config.yaml or
 * checkpoints; {@code @best}, {@code @latest} or {@code @STEP} picks the checkpoint, default best else latest) or a
 * model folder (config.json) with PEFT adapters applied in order. NAME labels the source in reports (default: the
 * text after {@code NAME=}, i.e. the spec itself). Repeatable; the first source is the baseline.
 */
final class SourceOption implements CommandLine.ITypeConverter<SourceOption.Source> {

    /** A labelled model source. */
    record Source(String name, ModelLocation location) {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    @Override
    public Source convert(String spec) {
        String name = spec;
        String rest = spec;
        int equals = spec.indexOf('=');
        if (equals > 0 && NAME.matcher(spec.substring(0, equals)).matches()) {
            name = spec.substring(0, equals);
            rest = spec.substring(equals + 1);
        }
        try {
            return new Source(name, ModelLocation.parse(rest));
        } catch (InvalidRequestException e) {
            throw new CommandLine.TypeConversionException("'" + spec + "': " + e.getMessage());
        }
    }
}
