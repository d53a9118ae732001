package dev.retune.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.retune.config.KernelsConfig.Mode;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each CUDA kernel, forced on, against its libtorch reference on the same GPU tensors (the other kernel tests run the
 * references on the CPU). Skipped without a CUDA device; native/gpu-check.sh runs it on the GPU build.
 */
class CudaParityTest {

    private Device cuda;

    @BeforeEach
    void needsCuda() {
        assumeTrue(torch.cuda_is_available(), "no CUDA device: the kernels cannot run here");
        cuda = new Device("cuda:0");
        torch.manual_seed(11);
    }

    private TensorOptions on(ScalarType dtype) {
        return new TensorOptions(dtype).device(new DeviceOptional(cuda));
    }

    @Test
    void codebookLossAndItsGradientMatchTheReference() {
        for (ScalarType dtype : List.of(ScalarType.Float, ScalarType.BFloat16, ScalarType.Half)) {
            Tensor logits = torch.randn(new long[] {2, 4, 37, 2048}, on(ScalarType.Float)).mul(new Scalar(3.0)).to(dtype);
            Tensor targets = torch.randint(2048, new long[] {2, 4, 37}, on(ScalarType.Long));
            Tensor mask = torch.rand(new long[] {2, 4, 37}, on(ScalarType.Float)).gt(new Scalar(0.1));
            CodebookCrossEntropy.Result kernel = new CodebookCrossEntropy(Mode.ON).forwardBackward(logits.clone(), targets, mask, 0.5);
            CodebookCrossEntropy.Result reference = new CodebookCrossEntropy(Mode.OFF).forwardBackward(logits.clone(), targets, mask, 0.5);
            double loss = reference.loss().item_double();
            assertEquals(loss, kernel.loss().item_double(), 1e-5 + 1e-5 * Math.abs(loss), dtype + " loss"); // both in fp32
            double scale = reference.logitsGrad().to(ScalarType.Float).abs().max().item_double();
            double error = kernel.logitsGrad().to(ScalarType.Float).sub(reference.logitsGrad().to(ScalarType.Float)).abs().max().item_double();
            // Half precision: one rounding step of the output dtype (bf16 2⁻⁸, fp16 2⁻¹¹) of the largest gradient, with the
            // self-check's margin; fp32: both compute in fp32, in different orders.
            double allowed = scale * (dtype == ScalarType.BFloat16 ? 1.0 / 128 : dtype == ScalarType.Half ? 1.0 / 1024 : 1e-4);
            assertTrue(error <= allowed, dtype + " gradient differs by " + error + " (allowed " + allowed + ")");
            assertTrue(scale > 0, "the comparison must not be between zeros");
        }
    }

    @Test
    void adamwStepsMatchTheReference() {
        long[][] shapes = {{16, 1024}, {1024, 16}, {4097}, {3}};
        List<Tensor[]> ours = new ArrayList<>();
        List<Tensor[]> theirs = new ArrayList<>();
        for (long[] shape : shapes) {
            Tensor p = torch.randn(shape, on(ScalarType.Float));
            Tensor g = torch.randn(shape, on(ScalarType.Float));
            ours.add(new Tensor[] {p.clone(), g, torch.zeros_like(p), torch.zeros_like(p)});
            theirs.add(new Tensor[] {p.clone(), g, torch.zeros_like(p), torch.zeros_like(p)});
        }
        for (long step = 1; step <= 3; step++) {
            new MultiTensorAdamW(Mode.ON).step(entries(ours), new MultiTensorAdamW.Hyper(0.9, 0.999, 1e-8, step));
            new MultiTensorAdamW(Mode.OFF).step(entries(theirs), new MultiTensorAdamW.Hyper(0.9, 0.999, 1e-8, step));
        }
        for (int i = 0; i < shapes.length; i++) {
            for (int part : new int[] {0, 2, 3}) {
                Tensor ref = theirs.get(i)[part];
                double error = ours.get(i)[part].sub(ref).abs().max().item_double();
                double allowed = 1e-6 + 1e-5 * ref.abs().max().item_double();
                assertTrue(error <= allowed, "tensor " + i + " part " + part + " differs by " + error);
            }
        }
        assertTrue(ours.get(0)[0].sub(ours.get(0)[1]).abs().sum().item_double() > 0, "the parameters moved");
    }

    private static List<MultiTensorAdamW.Entry> entries(List<Tensor[]> tensors) {
        List<MultiTensorAdamW.Entry> entries = new ArrayList<>();
        for (Tensor[] t : tensors) {
            entries.add(new MultiTensorAdamW.Entry(t[0], t[1], t[2], t[3], 1e-3, 0.01));
        }
        return entries;
    }

    @Test
    void samplingDrawsTheReferencesTokens() {
        for (ScalarType dtype : List.of(ScalarType.Float, ScalarType.BFloat16, ScalarType.Half)) {
            Tensor cond = torch.randn(new long[] {8, 4, 2048}, on(ScalarType.Float)).mul(new Scalar(2.0)).to(dtype);
            Tensor uncond = torch.randn(new long[] {8, 4, 2048}, on(ScalarType.Float)).mul(new Scalar(2.0)).to(dtype);
            for (SamplingStep.Filter filter : List.of(new SamplingStep.Filter(3, 1, 1, 0), new SamplingStep.Filter(3, 1, 250, 0),
                    new SamplingStep.Filter(1, 0.7f, 0, 0.9f))) {
                int differing = 0;
                for (long step = 0; step < 25; step++) {
                    Tensor kernel = new SamplingStep(Mode.ON).sample(cond, uncond, filter, 5, step);
                    Tensor reference = new SamplingStep(Mode.OFF).sample(cond, uncond, filter, 5, step);
                    differing += (int) kernel.ne(reference).sum().item_long();
                }
                // 800 draws; a token may differ only where the uniform lands within fp32 rounding of a CDF step.
                assertTrue(differing <= 8, dtype + " " + filter + ": " + differing + " of 800 tokens differ");
            }
        }
    }
}
