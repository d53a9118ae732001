package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.config.DeviceConfig;
import dev.retune.config.KernelsConfig.Mode;
import dev.retune.kernels.CodebookCrossEntropy;
import dev.retune.kernels.KernelException;
import dev.retune.kernels.MultiTensorAdamW;
import dev.retune.kernels.SamplingStep;
import dev.retune.model.Devices;
import dev.retune.model.MusicgenConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch_cuda;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code retune bench kernels}: each kernel against its libtorch reference on the same device, at a model's shapes —
 * median time and peak extra device memory per call. On the CPU only the reference runs (the kernels need CUDA).
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "Time Retune's CUDA kernels against their libtorch references (a Markdown table).")
final class BenchKernelsCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "small or medium: the shapes of that model (default: ${DEFAULT-VALUE}).")
    String preset = "small";

    @Option(names = "--batch", description = "Segments per training step / prompts per generation (default: ${DEFAULT-VALUE}).")
    int batch = 4;

    @Option(names = "--frames", description = "Codec frames per segment: 1500 = 30 s at 50 Hz (default: ${DEFAULT-VALUE}).")
    int frames = 1500;

    @Option(names = "--lora-rank", description = "LoRA rank of the AdamW case (default: ${DEFAULT-VALUE}).")
    int loraRank = 16;

    @Option(names = "--iterations", description = "Timed calls per case, after 2 warm-up calls (default: ${DEFAULT-VALUE}).")
    int iterations = 10;

    @Option(names = "--device", paramLabel = "KIND", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    DeviceConfig.Kind deviceKind;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Device device;

    /**
     * One case: medians of the reference and the kernel (forced on, so its self-check against the reference ran first).
     *
     * @param kernelMs    NaN when the kernel did not run: see {@code kernelError}
     * @param kernelError null when the kernel ran; else why not (no CUDA device, or its self-check or launch failed)
     */
    record Timing(String name, String shape, String dtype, String device, double referenceMs, double referencePeakMb,
                  double kernelMs, double kernelPeakMb, String kernelError) {}

    @Override
    public Integer call() {
        Device selected = Devices.select(new DeviceConfig(deviceKind, null));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("| kernel | shape | dtype | device | reference ms | kernel ms | speed-up | reference peak MB | kernel peak MB |%n");
        out.printf("|---|---|---|---|---|---|---|---|---|%n");
        out.flush();
        measure(selected, t -> {
            boolean ran = t.kernelError() == null;
            out.printf("| %s | %s | %s | %s | %.3f | %s | %s | %s | %s |%n", t.name(), t.shape(), t.dtype(), t.device(), t.referenceMs(),
                    ran ? String.format("%.3f", t.kernelMs()) : "— (" + t.kernelError() + ")",
                    ran ? String.format("%.2f×", t.referenceMs() / t.kernelMs()) : "—",
                    t.referencePeakMb() < 0 ? "—" : String.format("%.1f", t.referencePeakMb()), ran ? String.format("%.1f", t.kernelPeakMb()) : "—");
            out.flush();
        });
        return ExitCode.OK;
    }

    /** Times every case on {@code on}, handing each to {@code sink} as it is done. */
    void measure(Device on, Consumer<Timing> sink) {
        device = on;
        MusicgenConfig config = MusicgenConfig.preset(preset);
        int codebooks = config.decoder().numCodebooks();
        int card = (int) config.decoder().vocabSize();
        for (ScalarType dtype : List.of(ScalarType.BFloat16, ScalarType.Float)) {
            long[] shape = {batch, codebooks, frames, card};
            Tensor logits = torch.randn(shape, options(ScalarType.Float)).mul(new Scalar(3.0)).to(dtype);
            Tensor targets = torch.randint(card, new long[] {batch, codebooks, frames}, options(ScalarType.Long));
            Tensor mask = torch.rand(new long[] {batch, codebooks, frames}, options(ScalarType.Float)).gt(new Scalar(0.05));
            row(sink, "codebook loss fwd+bwd", Arrays.toString(shape), dtype, mode -> {
                new CodebookCrossEntropy(mode).forwardBackward(logits, targets, mask, 1.0);
            });
        }
        // LoRA's default targets: q, k, v, out of self- and cross-attention (d → d) and fc1 (d → ffn), fc2 (ffn → d).
        int layers = config.decoder().numHiddenLayers();
        long hidden = config.decoder().hiddenSize();
        long ffn = config.decoder().ffnDim();
        List<long[]> shapes = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            for (int linear = 0; linear < 8; linear++) {
                shapes.add(new long[] {loraRank, hidden});
                shapes.add(new long[] {hidden, loraRank});
            }
            shapes.addAll(List.of(new long[] {loraRank, hidden}, new long[] {ffn, loraRank}, new long[] {loraRank, ffn}, new long[] {hidden, loraRank}));
        }
        List<Tensor[]> tensors = new ArrayList<>();
        long elements = 0;
        for (long[] shape : shapes) {
            Tensor p = torch.randn(shape, options(ScalarType.Float));
            tensors.add(new Tensor[] {p, torch.randn(shape, options(ScalarType.Float)), torch.zeros_like(p), torch.zeros_like(p)});
            elements += p.numel();
        }
        long[] step = {0};
        row(sink, "AdamW step (LoRA r=" + loraRank + ")", tensors.size() + " tensors, " + elements / 1000 + " k elements", ScalarType.Float, mode -> {
            List<MultiTensorAdamW.Entry> entries = new ArrayList<>();
            for (Tensor[] t : tensors) {
                entries.add(new MultiTensorAdamW.Entry(t[0], t[1], t[2], t[3], 1e-4, 0.01));
            }
            new MultiTensorAdamW(mode).step(entries, new MultiTensorAdamW.Hyper(0.9, 0.999, 1e-8, ++step[0]));
        });
        for (ScalarType dtype : List.of(ScalarType.BFloat16, ScalarType.Float)) {
            Tensor cond = torch.randn(new long[] {batch, codebooks, card}, options(ScalarType.Float)).mul(new Scalar(2.0)).to(dtype);
            Tensor uncond = torch.randn(new long[] {batch, codebooks, card}, options(ScalarType.Float)).mul(new Scalar(2.0)).to(dtype);
            SamplingStep.Filter filter = new SamplingStep.Filter(3, 1, 250, 0);
            row(sink, "sampling step (CFG 3, top-k 250)", "[" + batch + ", " + codebooks + ", " + card + "] × 2", dtype, mode -> {
                new SamplingStep(mode).sample(cond, uncond, filter, 1, step[0]++);
            });
        }
    }

    private interface Case {
        void run(Mode mode);
    }

    private void row(Consumer<Timing> sink, String name, String shape, ScalarType dtype, Case body) {
        double[] reference = measure(body, Mode.OFF);
        double[] kernel = {Double.NaN, Double.NaN};
        String error = null;
        if (!device.is_cuda()) {
            error = "needs CUDA";
        } else {
            try {
                kernel = measure(body, Mode.ON);
            } catch (KernelException e) {
                error = e.getMessage();
            }
        }
        sink.accept(new Timing(name, shape, dtype.name().toLowerCase(), device.str().getString(), reference[0], reference[1], kernel[0], kernel[1], error));
    }

    /** {median ms, peak device MB above the memory in use before} of {@code iterations} calls. */
    private double[] measure(Case body, Mode mode) {
        double[] ms = new double[iterations];
        double peak = -1;
        for (int i = -2; i < iterations; i++) {
            try (PointerScope scope = new PointerScope()) {
                synchronize();
                long before = allocatedBytes();
                resetPeak();
                long started = System.nanoTime();
                body.run(mode);
                synchronize();
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - started) / 1e6;
                    if (device.is_cuda()) {
                        peak = Math.max(peak, (peakBytes() - before) / 1e6);
                    }
                }
            }
        }
        Arrays.sort(ms);
        return new double[] {ms[ms.length / 2], peak};
    }

    private TensorOptions options(ScalarType dtype) {
        return new TensorOptions(dtype).device(new DeviceOptional(device));
    }

    private void synchronize() {
        if (device.is_cuda()) {
            torch_cuda.device_synchronize();
        }
    }

    private long allocatedBytes() {
        return device.is_cuda() ? torch_cuda.getAllocator().getDeviceStats(device.index()).allocated_bytes().current() : 0;
    }

    private long peakBytes() {
        return torch_cuda.getAllocator().getDeviceStats(device.index()).allocated_bytes().peak();
    }

    private void resetPeak() {
        if (device.is_cuda()) {
            torch_cuda.getAllocator().resetPeakStats(device.index());
        }
    }
}
