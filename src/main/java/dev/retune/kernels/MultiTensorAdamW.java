package dev.retune.kernels;

import dev.retune.config.KernelsConfig.Mode;
import dev.retune.kernels.Kernels.Kernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One AdamW step for many tensors. libtorch's C++ AdamW runs about seven operators per parameter tensor, so a LoRA run
 * with a few hundred small adapter tensors launches thousands of tiny kernels per step; the kernel updates every tensor
 * in one launch (blocks of 4096 elements, each finding its tensor in a table).
 *
 * <p>Per element, in libtorch's order: p ← p·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − (lr / bc1) · m / (√v / √bc2 + ε), with bias corrections bc = 1 − β^step.
 */
public final class MultiTensorAdamW {

    private static final String CALL = "AdamW step";
    static final int CHUNK = 4096;
    private static final int THREADS = 256;
    /** Bytes per tensor in the kernel's table (struct RetuneAdamwTensor in native/src/adamw.cu). */
    static final int TABLE_ENTRY = 56;

    /** One parameter with its gradient and AdamW state (all float32, same shape and device) and its group's settings. */
    public record Entry(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double weightDecay) {}

    /** Settings shared by every tensor of one step; {@code step} counts from 1 (the step being taken). */
    public record Hyper(double beta1, double beta2, double eps, long step) {

        double biasCorrection1() {
            return 1 - Math.pow(beta1, step);
        }

        double biasCorrection2() {
            return 1 - Math.pow(beta2, step);
        }
    }

    private final Mode mode;

    public MultiTensorAdamW(Mode mode) {
        this.mode = mode;
    }

    /** Updates every entry's parameter and state in place. */
    public void step(List<Entry> entries, Hyper hyper) {
        if (entries.isEmpty()) {
            return;
        }
        check(entries, hyper);
        Tensor first = entries.get(0).param();
        if (Kernels.use(Kernel.ADAMW, mode, first, dtype -> selfCheck(first.device()))) {
            kernel(entries, hyper);
        } else if (mode != Mode.OFF && first.is_cpu()) {
            libtorchCpu(entries, hyper);
        } else {
            reference(entries, hyper);
        }
    }

    static void check(List<Entry> entries, Hyper hyper) {
        Tensor first = entries.get(0).param();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String at = "tensor " + i + " ";
            Args.defined(CALL, at + "param", e.param());
            Args.defined(CALL, at + "grad", e.grad());
            Args.defined(CALL, at + "exp_avg", e.expAvg());
            Args.defined(CALL, at + "exp_avg_sq", e.expAvgSq());
            for (Tensor t : new Tensor[] {e.param(), e.grad(), e.expAvg(), e.expAvgSq()}) {
                Args.dtype(CALL, at + "tensors", t, ScalarType.Float);
                Args.contiguous(CALL, at + "tensors", t);
                Args.sameShape(CALL, at + "state", t, "its param", e.param());
                Args.sameDevice(CALL, at + "tensors", t, "tensor 0", first);
            }
            if (!Double.isFinite(e.lr()) || e.lr() < 0 || !Double.isFinite(e.weightDecay()) || e.weightDecay() < 0) {
                throw Args.bad(CALL, at + "needs finite lr ≥ 0 and weight decay ≥ 0, found " + e.lr() + " and " + e.weightDecay());
            }
        }
        if (hyper.step() < 1 || !(hyper.beta1() >= 0 && hyper.beta1() < 1) || !(hyper.beta2() >= 0 && hyper.beta2() < 1)
                || !(hyper.eps() > 0)) {
            throw Args.bad(CALL, "needs step ≥ 1, betas in [0, 1) and eps > 0, found " + hyper);
        }
    }

    /** libtorch's AdamW arithmetic, operator by operator (the unfused path this kernel replaces). */
    static void reference(List<Entry> entries, Hyper hyper) {
        double bc1 = hyper.biasCorrection1();
        double bc2 = hyper.biasCorrection2();
        for (Entry e : entries) {
            // √v and its quotient are temporaries of one parameter's size: freed before the next parameter's.
            try (PointerScope scope = new PointerScope()) {
                e.param().mul_(new Scalar(1 - e.lr() * e.weightDecay()));
                e.expAvg().mul_(new Scalar(hyper.beta1())).add_(e.grad(), new Scalar(1 - hyper.beta1()));
                e.expAvgSq().mul_(new Scalar(hyper.beta2())).addcmul_(e.grad(), e.grad(), new Scalar(1 - hyper.beta2()));
                Tensor denom = e.expAvgSq().sqrt().div(new Scalar(Math.sqrt(bc2))).add_(new Scalar(hyper.eps()));
                e.param().addcdiv_(e.expAvg(), denom, new Scalar(-e.lr() / bc1));
            }
        }
    }

    /**
     * libtorch's own fused CPU AdamW ({@code aten::_fused_adamw_}, one vectorized pass over each parameter, its gradient
     * and state instead of the reference's seven operators with two temporaries: measured 5× faster, issue #19), once
     * per learning rate and weight decay. The bindings have no method for it, so it is called through the dispatcher.
     * Same arithmetic as the reference; the first moment is updated as a lerp, so results may differ in the last bit.
     */
    static void libtorchCpu(List<Entry> entries, Hyper hyper) {
        Map<List<Double>, List<Entry>> byRate = new LinkedHashMap<>();
        for (Entry e : entries) {
            byRate.computeIfAbsent(List.of(e.lr(), e.weightDecay()), k -> new ArrayList<>()).add(e);
        }
        try (PointerScope scope = new PointerScope()) {
            OperatorHandle fused = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adamw_", "");
            Tensor step = torch.scalar_tensor(new Scalar((double) hyper.step())); // float32, read by the op, never written
            byRate.forEach((rate, group) -> fused.callBoxed(new IValueVector(
                    tensorList(group, Entry::param), tensorList(group, Entry::grad), tensorList(group, Entry::expAvg),
                    tensorList(group, Entry::expAvgSq), tensorList(List.of(), Entry::param), tensorList(group, e -> step),
                    new IValue(rate.get(0)), new IValue(hyper.beta1()), new IValue(hyper.beta2()), new IValue(rate.get(1)),
                    new IValue(hyper.eps()), new IValue(false), new IValue(false), new IValue(), new IValue()))); // amsgrad, maximize, no grad scale, no found_inf
        }
    }

    /** A boxed Tensor[] argument: a list typed as tensors (the op's unboxing checks the element type). */
    private static IValue tensorList(List<Entry> entries, Function<Entry, Tensor> tensor) {
        GenericList list = new GenericList(new Type.TypePtr(TensorType.get()));
        for (Entry e : entries) {
            list.push_back(new IValue(tensor.apply(e)));
        }
        return new IValue(list);
    }

    /** The kernel's tensor table (struct RetuneAdamwTensor[], little-endian) for {@code entries}. */
    static ByteBuffer table(List<Entry> entries) {
        ByteBuffer table = ByteBuffer.allocate(entries.size() * TABLE_ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        long chunks = 0;
        for (Entry e : entries) {
            table.putLong(e.param().data_ptr().address()).putLong(e.grad().data_ptr().address())
                    .putLong(e.expAvg().data_ptr().address()).putLong(e.expAvgSq().data_ptr().address())
                    .putLong(e.param().numel()).putFloat((float) e.lr()).putFloat((float) e.weightDecay()).putLong(chunks);
            chunks += chunks(e);
        }
        return table.flip();
    }

    private static long chunks(Entry e) {
        return (e.param().numel() + CHUNK - 1) / CHUNK;
    }

    private static void kernel(List<Entry> entries, Hyper hyper) {
        long chunks = entries.stream().mapToLong(MultiTensorAdamW::chunks).sum();
        Tensor first = entries.get(0).param();
        // The table travels with the launch on the same stream; the caching allocator keeps its memory until then.
        Tensor onDevice = torch.tensor(table(entries).array()).to(first.device(), ScalarType.Byte);
        try (LaunchArgs args = new LaunchArgs(7)) {
            args.pointer(onDevice).i32(entries.size()).f32((float) hyper.beta1()).f32((float) hyper.beta2()).f32((float) hyper.eps())
                    .f32((float) hyper.biasCorrection1()).f32((float) hyper.biasCorrection2());
            Kernels.module(first).launch("retune_adamw_f32", chunks, THREADS, 0, args);
        }
    }

    /** Largest relative difference of the parameters after three steps, kernel against reference. */
    private static double selfCheck(Device device) {
        long[] sizes = {1, 4095, 4096, 4097, 65_536, 300};
        List<Entry> fused = new ArrayList<>();
        List<Entry> plain = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            Tensor param = SelfCheckInputs.normal(20 + i, 1.0, device, sizes[i]);
            Tensor grad = SelfCheckInputs.normal(40 + i, 0.1, device, sizes[i]);
            double decay = i % 2 == 0 ? 0.01 : 0.0;
            fused.add(new Entry(param.clone(), grad, torch.zeros_like(param), torch.zeros_like(param), 1e-3, decay));
            plain.add(new Entry(param.clone(), grad, torch.zeros_like(param), torch.zeros_like(param), 1e-3, decay));
        }
        for (long step = 1; step <= 3; step++) {
            kernel(fused, new Hyper(0.9, 0.999, 1e-8, step));
            reference(plain, new Hyper(0.9, 0.999, 1e-8, step));
        }
        double worst = 0;
        for (int i = 0; i < sizes.length; i++) {
            Tensor diff = fused.get(i).param().sub(plain.get(i).param()).abs().max();
            worst = Math.max(worst, diff.item_double() / Math.max(1e-12, plain.get(i).param().abs().max().item_double()));
        }
        return worst;
    }
}
