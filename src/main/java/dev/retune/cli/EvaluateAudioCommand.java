package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.evaluate.AudioEvaluation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune evaluate audio}: reference-free technical metrics of every clip, summarised per set. */
@Command(name = "audio",
        mixinStandardHelpOptions = true,
        description = {"Measure every clip of one or more sets: loudness (EBU R128) and true peak, clipping, silence,",
            "spectral flatness, centroid, rolloff and entropy, energy entropy, an SNR estimate, tempo and key.",
            "A set is a file or a folder of audio files, named NAME=PATH (default: the folder's name)."},
        footer = {"", "Examples:",
            "  retune evaluate audio datasets/demo",
            "  retune evaluate audio base=out/base adapted=out/adapted --out reports/audio"})
final class EvaluateAudioCommand implements Callable<Integer> {

    @Parameters(paramLabel = "[NAME=]PATH", arity = "1..*", description = "A set of clips: an audio file or a folder of them.")
    List<String> sets;

    @Option(names = "--out", paramLabel = "DIR", description = "Write the report here: summary.md, summary.json, clips.csv and a PNG per metric.")
    Path out;

    @Option(names = "--json", description = "Print the summary as JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<AudioEvaluation.ClipSet> clipSets = new ArrayList<>();
        for (String set : sets) {
            SetArgument named = SetArgument.parse(set);
            clipSets.add(AudioEvaluation.ClipSet.of(named.name(), named.path()));
        }
        List<AudioEvaluation.SetSummary> summaries;
        try (GracefulStop stop = GracefulStop.install(); CountBar bar = new CountBar("measuring", "clips", !json)) {
            summaries = AudioEvaluation.run(clipSets, out, bar, stop.requested());
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.of(summaries) : AudioEvaluation.markdown(summaries));
        if (out != null && !json) {
            stdout.println("Report: " + out);
        }
        stdout.flush();
        return ExitCode.OK;
    }
}
