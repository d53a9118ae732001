package dev.retune.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.KernelsConfig.Mode;
import java.util.List;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultiTensorAdamWTest {

    private final MultiTensorAdamW adamw = new MultiTensorAdamW(Mode.AUTO);

    private static AdamWOptions options(double lr, double weightDecay) {
        AdamWOptions options = new AdamWOptions(lr);
        options.betas().put(0, 0.95).put(1, 0.9); // stored reversed in these bindings: β1 = 0.9, β2 = 0.95
        options.eps().put(1e-6);
        options.weight_decay().put(weightDecay);
        return options;
    }

    /**
     * On the CPU, auto runs libtorch's fused AdamW (its first moment a lerp: a last-bit difference, within 1e-6 at these
     * magnitudes); off runs the reference operator by operator, within 1e-7.
     */
    @ParameterizedTest
    @CsvSource({"AUTO, 1e-6", "OFF, 1e-7"})
    void matchesLibtorchsAdamWOverSeveralStepsAndGroups(Mode mode, double tolerance) {
        MultiTensorAdamW optimizer = new MultiTensorAdamW(mode);
        torch.manual_seed(5);
        long[][] shapes = {{7}, {4097}, {33, 5}, {1}};
        double[] lr = {1e-2, 1e-2, 3e-3, 3e-3};
        double[] decay = {0.1, 0.1, 0.0, 0.0};
        Tensor[] ours = new Tensor[shapes.length];
        Tensor[] theirs = new Tensor[shapes.length];
        Tensor[] expAvg = new Tensor[shapes.length];
        Tensor[] expAvgSq = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            ours[i] = torch.randn(shapes[i]);
            theirs[i] = ours[i].clone().requires_grad_(true);
            expAvg[i] = torch.zeros_like(ours[i]);
            expAvgSq[i] = torch.zeros_like(ours[i]);
        }
        TensorVector first = new TensorVector(theirs[0], theirs[1]);
        AdamW reference = new AdamW(first, options(1e-2, 0.1));
        reference.add_param_group(new OptimizerParamGroup(new TensorVector(theirs[2], theirs[3]), options(3e-3, 0.0)));
        for (long step = 1; step <= 6; step++) {
            Tensor[] grads = new Tensor[shapes.length];
            for (int i = 0; i < shapes.length; i++) {
                grads[i] = torch.randn(shapes[i]).mul(new org.bytedeco.pytorch.Scalar(0.1 * step));
                theirs[i].mutable_grad().put(grads[i].clone());
            }
            reference.step();
            List<MultiTensorAdamW.Entry> entries = new java.util.ArrayList<>();
            for (int i = 0; i < shapes.length; i++) {
                entries.add(new MultiTensorAdamW.Entry(ours[i], grads[i], expAvg[i], expAvgSq[i], lr[i], decay[i]));
            }
            optimizer.step(entries, new MultiTensorAdamW.Hyper(0.9, 0.95, 1e-6, step));
            for (int i = 0; i < shapes.length; i++) {
                double error = ours[i].sub(theirs[i].detach()).abs().max().item_double();
                assertTrue(error < tolerance, "tensor " + i + " after step " + step + " differs by " + error);
            }
        }
        assertTrue(ours[1].sub(theirs[1].detach()).abs().max().item_double() <= tolerance);
    }

    @Test
    void badArgumentsAreRejected() {
        Tensor p = torch.randn(4);
        Tensor s = torch.zeros(4);
        CodebookCrossEntropyTest.assertMessage("tensor 0 tensors must be [Float]",
                () -> adamw.step(List.of(new MultiTensorAdamW.Entry(p.to(ScalarType.Double), p, s, s, 1e-3, 0)), new MultiTensorAdamW.Hyper(0.9, 0.99, 1e-8, 1)));
        CodebookCrossEntropyTest.assertMessage("tensor 0 state has shape [5]",
                () -> adamw.step(List.of(new MultiTensorAdamW.Entry(p, p, torch.zeros(5), s, 1e-3, 0)), new MultiTensorAdamW.Hyper(0.9, 0.99, 1e-8, 1)));
        CodebookCrossEntropyTest.assertMessage("step ≥ 1",
                () -> adamw.step(List.of(new MultiTensorAdamW.Entry(p, p, s, s.clone(), 1e-3, 0)), new MultiTensorAdamW.Hyper(0.9, 0.99, 1e-8, 0)));
        CodebookCrossEntropyTest.assertMessage("tensor 0 tensors must be contiguous",
                () -> adamw.step(List.of(new MultiTensorAdamW.Entry(torch.randn(4, 3).t(), torch.randn(3, 4), torch.zeros(3, 4), torch.zeros(3, 4), 1e-3, 0)),
                        new MultiTensorAdamW.Hyper(0.9, 0.99, 1e-8, 1)));
    }

    @Test
    void theKernelsTableHoldsPointersSizesRatesAndChunkOffsets() {
        Tensor a = torch.zeros(4097); // two 4096-element chunks
        Tensor b = torch.zeros(3);
        Tensor ga = torch.ones(4097);
        Tensor gb = torch.ones(3);
        List<MultiTensorAdamW.Entry> entries = List.of(
                new MultiTensorAdamW.Entry(a, ga, torch.zeros(4097), torch.zeros(4097), 1e-3, 0.01),
                new MultiTensorAdamW.Entry(b, gb, torch.zeros(3), torch.zeros(3), 2e-3, 0.0));
        java.nio.ByteBuffer table = MultiTensorAdamW.table(entries);
        assertEquals(2 * MultiTensorAdamW.TABLE_ENTRY, table.remaining());
        assertEquals(a.data_ptr().address(), table.getLong(0));
        assertEquals(ga.data_ptr().address(), table.getLong(8));
        assertEquals(entries.get(0).expAvgSq().data_ptr().address(), table.getLong(24));
        assertEquals(4097, table.getLong(32));
        assertEquals(1e-3f, table.getFloat(40));
        assertEquals(0.01f, table.getFloat(44));
        assertEquals(0, table.getLong(48));
        assertEquals(b.data_ptr().address(), table.getLong(56));
        assertEquals(3, table.getLong(56 + 32));
        assertEquals(2, table.getLong(56 + 48), "tensor 1 starts after tensor 0's two chunks");
        byte[] bytes = new byte[table.remaining()];
        table.duplicate().get(bytes);
        Tensor asTensor = torch.tensor(bytes).to(ScalarType.Byte);
        assertEquals(bytes.length, asTensor.numel());
        assertEquals(Byte.toUnsignedInt(bytes[3]), asTensor.select(0, 3).item_int(), "bytes survive the device copy's dtype cast");
    }
}
