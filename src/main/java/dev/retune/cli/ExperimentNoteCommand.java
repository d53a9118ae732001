package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.experiment.ExperimentNotes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune experiment note DIR}: appends a finding to an experiment's research log. */
@Command(name = "note",
        mixinStandardHelpOptions = true,
        description = {"Append a finding to the research log (notes.jsonl) of a finished experiment; the package's README lists them."},
        footer = {"", "Examples:",
            "  retune experiment note experiments/base-vs-demo --title \"Training flattens less\" --text \"Spectral flatness fell from 0.48 to 0.40.\"",
            "  retune experiment note experiments/base-vs-demo --title T --text X --related demo/default/held_out"})
final class ExperimentNoteCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The experiment's folder.")
    Path folder;

    @Option(names = "--title", required = true, paramLabel = "T", description = "The finding's title.")
    String title;

    @Option(names = "--text", required = true, paramLabel = "X", description = "What was found.")
    String text;

    @Option(names = "--related", paramLabel = "ID", description = "A sample id, or its start (source/parameter_set/prompt_set).")
    String related;

    @Option(names = "--json", description = "Print the note as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ExperimentNotes.Note note = ExperimentNotes.add(folder, title, text, related);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(note) : "noted in " + folder.resolve("notes.jsonl") + ": " + note.title());
        stdout.flush();
        return ExitCode.OK;
    }
}
