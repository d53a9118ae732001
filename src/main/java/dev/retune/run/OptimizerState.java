package dev.retune.run;

import java.util.Map;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;

/** An optimizer's state as a checkpoint keeps it: named tensors and each parameter's step count. */
public interface OptimizerState {

    /** The state as named tensors. */
    Map<String, Tensor> tensors();

    /** Each parameter's step count. */
    Map<String, Long> steps();

    /** Replaces the state with a checkpoint's: {@code tensors} reads a named tensor (fp32). */
    void load(Map<String, Long> steps, Function<String, Tensor> tensors);
}
