package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.ProgressListener;
import dev.retune.config.DeviceConfig;
import dev.retune.config.KernelsConfig;
import dev.retune.generate.Generator;
import dev.retune.generate.GeneratorResult;
import dev.retune.generate.SamplerOptions;
import dev.retune.model.Devices;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Generation speed of a preset with random weights: frames per second and × realtime, with or without the KV cache. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        description = "Time generation (frames/s, x realtime) of a preset with random weights on CPU or GPU.",
        footer = {"", "Examples:", "  retune bench generate --preset tiny --batch 4 --seconds 5",
            "  retune bench generate --preset small --seconds 2 --no-cache"})
final class BenchGenerateCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "tiny, small, medium or large (default: ${DEFAULT-VALUE}).")
    String preset = "tiny";

    @Option(names = "--batch", description = "Prompts generated together (default: ${DEFAULT-VALUE}).")
    int batch = 1;

    @Option(names = "--seconds", description = "Audio length (default: ${DEFAULT-VALUE}).")
    double seconds = 5;

    @Option(names = "--cfg", description = "Guidance scale; 1 = off (default: ${DEFAULT-VALUE}).")
    double cfg = 3.0;

    @Option(names = "--device", paramLabel = "KIND", defaultValue = "auto", description = "auto (CUDA when available), cpu or cuda (default: ${DEFAULT-VALUE}).")
    DeviceConfig.Kind deviceKind;

    @Option(names = "--sampling-kernel", paramLabel = "MODE", defaultValue = "auto", description = "The fused CUDA sampling kernel: auto, on or off (default: ${DEFAULT-VALUE}).")
    KernelsConfig.Mode samplingKernel;

    @Option(names = "--no-cache", description = "Recompute the whole sequence at every step.")
    boolean noCache;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SamplerOptions options = samplerOptions(); // a bad value fails before any work
        Device device = Devices.select(new DeviceConfig(deviceKind, null));
        MusicgenConfig config = MusicgenConfig.preset(preset);
        double framesPerSecond = framesPerSecond(device, options);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("| %s | %s | %d | %.0f s | %s | %s | %s | %.1f | %.2f |%n", preset, device.str().getString(), batch, seconds,
                cfg == 1 ? "off" : "on " + cfg, noCache ? "no" : "yes", samplingKernel.value(), framesPerSecond, framesPerSecond * batch / config.audioEncoder().frameRate());
        out.flush();
        return ExitCode.OK;
    }

    /** Top-k 250 at temperature 1 with {@code --cfg} and {@code --sampling-kernel}. */
    SamplerOptions samplerOptions() {
        return new SamplerOptions(1.0, 250, 0, cfg, samplingKernel);
    }

    /** Frames per second of one generation on {@code device} after a short warm-up. */
    double framesPerSecond(Device device, SamplerOptions options) {
        torch.manual_seed(0);
        MusicgenConfig config = MusicgenConfig.preset(preset);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(config);
        model.to(device, false);
        model.train(false);
        int frames = (int) Math.round(seconds * config.audioEncoder().frameRate());
        Tensor ids = torch.randint(2, 100, new long[] {batch, 12}).to(device, torch.ScalarType.Long);
        Tensor mask = torch.ones(batch, 12).to(device, torch.ScalarType.Long);
        Generator.generate(model, ids, mask, Math.min(frames, 20), options, 0, !noCache, ProgressListener.NONE); // warm-up
        GeneratorResult result = Generator.generate(model, ids, mask, frames, options, 1, !noCache, ProgressListener.NONE);
        return result.framesPerSecond();
    }
}
