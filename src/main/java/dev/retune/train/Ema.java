package dev.retune.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Exponential moving average of the trainable weights (ema ← decay·ema + (1 − decay)·w), used for validation and the
 * best checkpoint as audiocraft does. {@link #swapIn} / {@link #swapOut} put the averages into the model and back.
 */
final class Ema {

    private final Map<String, Tensor> parameters;
    private final Map<String, Tensor> averages = new LinkedHashMap<>();
    private final Map<String, Tensor> backup = new LinkedHashMap<>();
    private final double decay;

    Ema(Map<String, Tensor> parameters, double decay) {
        this.parameters = parameters;
        this.decay = decay;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parameters.forEach((name, p) -> averages.put(name, p.detach().clone()));
        }
    }

    Map<String, Tensor> averages() {
        return averages;
    }

    void update() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Scalar keep = new Scalar(decay);
            Scalar take = new Scalar(1 - decay);
            parameters.forEach((name, p) -> averages.get(name).mul_(keep).add_(p.detach(), take));
        }
    }

    void swapIn() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parameters.forEach((name, p) -> {
                backup.put(name, p.detach().clone());
                p.copy_(averages.get(name));
            });
        }
    }

    void swapOut() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parameters.forEach((name, p) -> p.copy_(backup.remove(name)));
        }
    }
}
