package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.KernelsConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AdamWOptimizerTest {

    private static AdamWOptions options(double lr, double weightDecay) {
        AdamWOptions options = new AdamWOptions(lr);
        options.betas().put(0, 0.999).put(1, 0.9); // stored reversed in these bindings
        options.eps().put(1e-8);
        options.weight_decay().put(weightDecay);
        return options;
    }

    /**
     * Two groups at their own rates; the second group's parameter has no gradient for the first three steps (a later
     * unfreezing stage), so its state and bias correction start later: libtorch's AdamW does exactly that too.
     */
    @Test
    void equalsLibtorchsAdamWWithGroupsAndLateParameters() {
        torch.manual_seed(9);
        Tensor a = torch.randn(5, 3).requires_grad_(true);
        Tensor b = torch.randn(7).requires_grad_(true);
        Tensor a2 = a.detach().clone().requires_grad_(true);
        Tensor b2 = b.detach().clone().requires_grad_(true);
        AdamW libtorch = new AdamW(new TensorVector(a2), options(1e-2, 0.05));
        libtorch.add_param_group(new OptimizerParamGroup(new TensorVector(b2), options(1e-2, 0.0)));
        Map<String, Tensor> first = new LinkedHashMap<>(Map.of("a", a));
        Map<String, Tensor> second = new LinkedHashMap<>(Map.of("b", b));
        AdamWOptimizer ours = new AdamWOptimizer(List.of(new ParamGroup("decay", first, 0.05, 1.0, null),
                new ParamGroup("late", second, 0.0, 0.3, null)), 0.9, 0.999, 1e-8, KernelsConfig.Mode.AUTO);
        for (int step = 0; step < 8; step++) {
            boolean late = step >= 3;
            ours.zeroGrad();
            libtorch.zero_grad(true);
            Tensor x = torch.randn(3);
            a.matmul(x).pow(new Scalar(2)).sum().add(late ? b.pow(new Scalar(3)).sum() : b.sum().mul(new Scalar(0.0)).detach()).backward();
            a2.matmul(x).pow(new Scalar(2)).sum().add(late ? b2.pow(new Scalar(3)).sum() : b2.sum().mul(new Scalar(0.0)).detach()).backward();
            libtorch.param_groups().get(1).options().set_lr(3e-3);
            ours.step(new double[] {1e-2, 3e-3});
            libtorch.step();
            assertTrue(a.sub(a2).abs().max().item_double() < 1e-7, "step " + step);
            assertTrue(b.sub(b2).abs().max().item_double() < 1e-7, "step " + step);
        }
        assertTrue(b.sub(b2.detach()).abs().max().item_double() < 1e-7);
        assertTrue(ours.steps().get("b") == 5L && ours.steps().get("a") == 8L, "per-parameter step counts: " + ours.steps());
    }
}
