package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.experiment.ExperimentPackage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune experiment package DIR}: the research package of a finished experiment, as one zip. */
@Command(name = "package",
        mixinStandardHelpOptions = true,
        description = {"Pack a finished experiment into a zip: README.md (findings, then the report), experiment.json,",
            "analysis.json, the plots, the audio (unless --no-audio) and SHA256SUMS (verify with sha256sum -c)."},
        footer = {"", "Examples:",
            "  retune experiment package experiments/base-vs-demo",
            "  retune experiment package experiments/emotions --no-audio --out emotions-findings.zip"})
final class ExperimentPackageCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The experiment's folder.")
    Path folder;

    @Option(names = "--no-audio", description = "Leave the audio files out.")
    boolean noAudio;

    @Option(names = "--out", paramLabel = "FILE", description = "The zip to write (default: DIR.zip).")
    Path out;

    @Option(names = "--json", description = "Print the outcome as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path zip = out != null ? out : folder.toAbsolutePath().normalize().resolveSibling(folder.toAbsolutePath().normalize().getFileName() + ".zip");
        ExperimentPackage.Summary summary = ExperimentPackage.write(folder, zip, !noAudio);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(Map.of("zip", zip.toString(), "entries", summary.entries()))
                : zip + ": " + summary.entries() + " files");
        stdout.flush();
        return ExitCode.OK;
    }
}
