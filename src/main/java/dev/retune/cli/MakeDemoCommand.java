package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.data.demo.DemoDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune data make-demo [DIR]}: write the small synthetic dataset used by the demo config and the tests. */
@Command(name = "make-demo",
        mixinStandardHelpOptions = true,
        description = {
            "Write the demo dataset: 24 short synthetic music clips (pads, arpeggios, chords, drums, bass lines) "
                    + "in wav, flac, mp3, ogg, opus and m4a, mono and stereo, at 32, 44.1 and 48 kHz, "
                    + "plus metadata.csv with a text prompt per clip.",
            "Every run writes the same bytes."},
        footer = {"", "Examples:",
            "  retune data make-demo",
            "  retune data make-demo /tmp/demo --force",
            "  retune data check datasets/demo"})
final class MakeDemoCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = "datasets/demo",
            description = "Folder to write (default: ${DEFAULT-VALUE}); must be empty or absent unless --force.")
    Path dir;

    @Option(names = "--force", description = "Write into a folder that is not empty, replacing files of the same name.")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<Path> written = DemoDataset.write(dir, force);
        PrintWriter out = spec.commandLine().getOut();
        long totalBytes = 0;
        for (Path file : written) {
            long bytes = size(file);
            totalBytes += bytes;
            out.printf("  %-28s %8.1f kB%n", file.getFileName(), bytes / 1000.0);
        }
        out.printf("Wrote %d files to %s (%.2f MB)%n", written.size(), dir, totalBytes / 1e6);
        out.flush();
        return ExitCode.OK;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
