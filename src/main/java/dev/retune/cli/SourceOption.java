package dev.retune.cli;

import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelLocation;
import dev.retune.model.ModelFolder;
import dev.retune.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private static final Pattern CHECKPOINT = Pattern.compile("best|latest|\\d+");

    @Override
    public Source convert(String spec) {
        String name = spec;
        String rest = spec;
        int equals = spec.indexOf('=');
        if (equals > 0 && NAME.matcher(spec.substring(0, equals)).matches()) {
            name = spec.substring(0, equals);
            rest = spec.substring(equals + 1);
        }
        String[] parts = rest.split("\\+", -1);
        String base = parts[0];
        String checkpoint = null;
        int at = base.lastIndexOf('@');
        if (at > 0 && CHECKPOINT.matcher(base.substring(at + 1)).matches()) {
            checkpoint = base.substring(at + 1);
            base = base.substring(0, at);
        }
        if (base.isEmpty()) {
            throw new CommandLine.TypeConversionException("'" + spec + "' names no folder");
        }
        Path dir = Path.of(base);
        List<Path> adapters = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                throw new CommandLine.TypeConversionException("'" + spec + "' has an empty adapter after '+'");
            }
            adapters.add(Path.of(parts[i]));
        }
        if (Files.isRegularFile(dir.resolve(ModelFolder.CONFIG))) {
            if (checkpoint != null) {
                throw new CommandLine.TypeConversionException("'" + spec + "': " + dir + " is a model folder; @" + checkpoint
                        + " picks a checkpoint of a training run");
            }
            return new Source(name, ModelLocation.folder(dir, adapters));
        }
        RunFolder run = new RunFolder(dir);
        if (Files.isRegularFile(run.configFile()) || run.hasCheckpoint()) {
            if (!adapters.isEmpty()) {
                throw new CommandLine.TypeConversionException("'" + spec + "': " + dir + " is a training run, which brings its own "
                        + "trained weights; adapters (+DIR) apply to a model folder");
            }
            try {
                return new Source(name, ModelLocation.run(dir, checkpoint == null ? null : CheckpointChoice.parse(checkpoint)));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + spec + "': @" + checkpoint + ": " + e.getMessage());
            }
        }
        throw new CommandLine.TypeConversionException("'" + spec + "': " + dir + " is neither a model folder (no " + ModelFolder.CONFIG
                + ") nor a training run (no config.yaml or checkpoints)");
    }
}
