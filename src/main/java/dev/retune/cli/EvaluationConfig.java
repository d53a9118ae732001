package dev.retune.cli;

import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.run.RunFolder;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * The settings evaluate scores with (dataset, segment length, batch size, precision, token cache): {@code --config}
 * when given, else the config.yaml of the first source that is a training run, so a run is scored as it validated.
 */
final class EvaluationConfig {

    private EvaluationConfig() {}

    static RetuneConfig resolve(Path config, List<String> overrides, List<SourceOption.Source> sources, CommandLine command) {
        return ConfigLoader.load(file(config, sources, command), overrides);
    }

    /** The config file {@link #resolve} reads. */
    static Path file(Path config, List<SourceOption.Source> sources, CommandLine command) {
        if (config != null) {
            return config;
        }
        for (SourceOption.Source source : sources) {
            if (source.location().run() != null) {
                return new RunFolder(source.location().run()).configFile();
            }
        }
        throw new CommandLine.ParameterException(command, "give --config CONFIG: the dataset and settings to score with "
                + "(with a --source that is a training run, its config.yaml is used)");
    }
}
