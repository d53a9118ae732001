package dev.retune.train;

import dev.retune.config.KernelsConfig.Mode;
import dev.retune.kernels.MultiTensorAdamW;
import dev.retune.run.Checkpointer;
import dev.retune.run.OptimizerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW with decoupled weight decay over the run's parameter groups, computing what libtorch's {@code torch::optim::AdamW}
 * does (per-parameter step counts included: a parameter's state starts at the first step it has a gradient, so a
 * parameter that opens with a later unfreezing stage gets its own bias correction).
 *
 * <p>The state is named tensors ({@code NAME.exp_avg}, {@code NAME.exp_avg_sq}) and step counts, which the
 * {@code Checkpointer} writes as safetensors; the update is one {@link MultiTensorAdamW} call per distinct step count,
 * the fused kernel on a GPU.
 */
public final class AdamWOptimizer implements OptimizerState {

    private record State(Tensor expAvg, Tensor expAvgSq, long[] step) {}

    private final List<ParamGroup> groups;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final MultiTensorAdamW update;
    private final Map<String, State> state = new LinkedHashMap<>();

    public AdamWOptimizer(List<ParamGroup> groups, double beta1, double beta2, double eps, Mode kernel) {
        this.groups = List.copyOf(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.update = new MultiTensorAdamW(kernel);
    }

    /** Drops every gradient (as {@code zero_grad(set_to_none=true)}): the next backward allocates fresh ones. */
    public void zeroGrad() {
        for (ParamGroup group : groups) {
            for (Tensor p : group.parameters().values()) {
                if (p.grad().defined()) {
                    p.mutable_grad().reset();
                }
            }
        }
    }

    /** One update of every parameter that has a gradient, group g at learning rate {@code lr[g]}. */
    public void step(double[] lr) {
        if (lr.length != groups.size()) {
            throw new IllegalArgumentException(lr.length + " learning rates for " + groups.size() + " groups");
        }
        Map<Long, List<MultiTensorAdamW.Entry>> byStep = new TreeMap<>();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int g = 0; g < groups.size(); g++) {
                ParamGroup group = groups.get(g);
                for (Map.Entry<String, Tensor> named : group.parameters().entrySet()) {
                    Tensor p = named.getValue();
                    Tensor grad = p.grad();
                    if (!grad.defined()) {
                        continue;
                    }
                    State s = state.computeIfAbsent(named.getKey(), n -> new State(lasting(torch.zeros_like(p)), lasting(torch.zeros_like(p)), new long[1]));
                    s.step()[0]++;
                    byStep.computeIfAbsent(s.step()[0], k -> new ArrayList<>())
                            .add(new MultiTensorAdamW.Entry(p, grad.contiguous(), s.expAvg(), s.expAvgSq(), lr[g], group.weightDecay()));
                }
            }
            byStep.forEach((step, entries) -> update.step(entries, new MultiTensorAdamW.Hyper(beta1, beta2, eps, step)));
        }
    }

    /**
     * State outlives the step's native-memory scope it is created in (the trainer scopes every step): an extra
     * reference keeps the scope from freeing it.
     */
    private static Tensor lasting(Tensor t) {
        t.retainReference();
        return t;
    }

    /** The state as named tensors, for the checkpoint. */
    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        state.forEach((name, s) -> {
            tensors.put(name + ".exp_avg", s.expAvg());
            tensors.put(name + ".exp_avg_sq", s.expAvgSq());
        });
        return tensors;
    }

    /** Each parameter's step count, for the checkpoint. */
    @Override
    public Map<String, Long> steps() {
        Map<String, Long> steps = new LinkedHashMap<>();
        state.forEach((name, s) -> steps.put(name, s.step()[0]));
        return steps;
    }

    /** Replaces the state with a checkpoint's: {@code tensors} reads NAME.exp_avg and NAME.exp_avg_sq as fp32. */
    @Override
    public void load(Map<String, Long> steps, Function<String, Tensor> tensors) {
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        groups.forEach(g -> parameters.putAll(g.parameters()));
        state.clear();
        steps.forEach((name, step) -> {
            Tensor p = parameters.get(name);
            if (p == null) {
                throw new TrainingException("the checkpoint's optimizer state names " + name + ", which this run does not train");
            }
            // Copied, never aliased: the source may be a memory-mapped file that closes after loading.
            Tensor expAvg = lasting(torch.zeros_like(p)).copy_(tensors.apply(name + ".exp_avg"));
            Tensor expAvgSq = lasting(torch.zeros_like(p)).copy_(tensors.apply(name + ".exp_avg_sq"));
            state.put(name, new State(expAvg, expAvgSq, new long[] {step}));
        });
    }
}
