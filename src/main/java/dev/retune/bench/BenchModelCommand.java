package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Forward-pass speed of a preset with random weights on CPU: the LM over {@code --seconds} of tokens with text
 * conditioning (batch 1, no grad), and the codec's encode and decode of the same duration.
 */
@Command(name = "model",
        mixinStandardHelpOptions = true,
        description = "Time the LM forward pass and the codec's encode/decode of a preset (random weights, CPU, fp32).",
        footer = {"", "Example:", "  retune bench model --preset small --seconds 10 --repeat 3"})
final class BenchModelCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "tiny, small, medium or large (default: ${DEFAULT-VALUE}).")
    String preset = "small";

    @Option(names = "--seconds", description = "Audio duration the tokens stand for (default: ${DEFAULT-VALUE}).")
    double seconds = 10;

    @Option(names = "--text-tokens", description = "Length of the text conditioning (default: ${DEFAULT-VALUE}).")
    int textTokens = 16;

    @Option(names = "--repeat", description = "Timed runs after one warm-up; the median counts (default: ${DEFAULT-VALUE}).")
    int repeat = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        torch.manual_seed(0);
        MusicgenConfig config = MusicgenConfig.preset(preset);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(config);
        model.train(false);
        int rate = config.audioEncoder().samplingRate();
        long frames = (long) Math.ceil(seconds * config.audioEncoder().frameRate());
        long steps = frames + config.decoder().numCodebooks() - 1;
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Preset %s: %,d parameters; %.0f s = %d frames = %d decoder steps; %d text tokens; %d threads%n%n",
                preset, model.parameterCount(""), seconds, frames, steps, textTokens, torch.get_num_threads());
        out.println("| stage | median ms | runs (ms) |");
        out.println("|---|---|---|");
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor textIds = torch.randint(2, 100, new long[] {1, textTokens});
            Tensor textMask = torch.ones(1, textTokens).to(torch.ScalarType.Long);
            Tensor ids = torch.randint(0, config.decoder().vocabSize(), new long[] {1, config.decoder().numCodebooks(), steps});
            Tensor audio = torch.randn(1, 1, (long) (seconds * rate)).mul_(new org.bytedeco.pytorch.Scalar(0.1));
            row(out, "LM forward (text encoder + decoder + heads)", () -> model.logits(ids, model.condition(textIds, textMask)));
            Tensor codes = model.audio_encoder.encode(audio);
            row(out, "codec encode", () -> model.audio_encoder.encode(audio));
            row(out, "codec decode", () -> model.audio_encoder.decode(codes));
        }
        out.flush();
        return ExitCode.OK;
    }

    private void row(PrintWriter out, String stage, Runnable body) {
        double[] ms = new double[repeat];
        time(body);
        for (int i = 0; i < repeat; i++) {
            ms[i] = time(body);
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        out.printf("| %s | %.0f | %s |%n", stage, sorted[repeat / 2], Arrays.toString(Arrays.stream(ms).map(Math::rint).toArray()));
        out.flush();
    }

    private static double time(Runnable body) {
        long start = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            body.run();
        }
        return (System.nanoTime() - start) / 1e6;
    }
}
