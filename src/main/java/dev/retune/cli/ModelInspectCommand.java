package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.model.DecoderConfig;
import dev.retune.model.EncodecConfig;
import dev.retune.model.ModelSummary;
import dev.retune.model.T5Config;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune model inspect DIR}: parameters, stored values per component, dtypes and sizes, from the file headers alone. */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        description = {"Summarise a model folder: its parameters, the values its checkpoint stores (per component and",
            "layer type, and which of them are not parameters), dtypes, bytes, config."},
        footer = {"", "Examples:", "  retune model inspect models/tiny", "  retune model inspect models/tiny --json"})
final class ModelInspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Model folder.")
    Path dir;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelSummary summary = ModelSummary.read(dir);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.of(toJson(summary)));
        } else {
            print(out, summary);
        }
        out.flush();
        return ExitCode.OK;
    }

    private static Map<String, Object> toJson(ModelSummary s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dir", s.dir().toString());
        json.put("parameters", s.parameters());
        json.put("stored_values", s.storedValues());
        json.put("stored_not_parameters", s.storedNotParameters());
        json.put("bytes", s.totalBytes());
        json.put("components", s.storedByComponent());
        json.put("layer_types", s.storedByType());
        json.put("dtypes", s.tensorsByDtype());
        json.put("config", s.config().json());
        return json;
    }

    private static void print(PrintWriter out, ModelSummary s) {
        DecoderConfig d = s.config().decoder();
        T5Config t = s.config().textEncoder();
        EncodecConfig c = s.config().audioEncoder();
        out.printf("Model %s: %,d parameters; the checkpoint stores %,d values, %.1f MB%n", s.dir(), s.parameters(),
                s.storedValues(), s.totalBytes() / 1e6);
        if (!s.storedNotParameters().isEmpty()) {
            out.printf("  stored values that are not parameters (%+,d):%n", s.storedValues() - s.parameters());
            s.storedNotParameters().forEach((why, n) -> out.printf("    %-62s %,12d%n", why, n));
        }
        out.printf("  decoder       %d layers, hidden %d, %d heads, ffn %d, %d codebooks x %d, max %d positions%n",
                d.numHiddenLayers(), d.hiddenSize(), d.numAttentionHeads(), d.ffnDim(), d.numCodebooks(), d.vocabSize(), d.maxPositionEmbeddings());
        out.printf("  text encoder  T5: %d layers, d_model %d, %d heads, vocab %d%n", t.numLayers(), t.dModel(), t.numHeads(), t.vocabSize());
        out.printf("  codec         EnCodec: %d Hz, %d frames/s, %d codebooks of %d%n", c.samplingRate(), c.frameRate(), c.numQuantizers(), c.codebookSize());
        out.println("  stored values by component:");
        s.storedByComponent().forEach((k, v) -> out.printf("    %-18s %,15d%n", k, v));
        out.println("  stored values by layer type:");
        s.storedByType().forEach((k, v) -> out.printf("    %-18s %,15d%n", k, v));
        out.println("  tensors by dtype: " + s.tensorsByDtype());
    }
}
