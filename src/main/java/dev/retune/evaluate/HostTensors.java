package dev.retune.evaluate;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Java double arrays ⇄ float64 CPU tensors, for the distances' linear algebra. */
final class HostTensors {

    private HostTensors() {}

    /** An owned float64 tensor of {@code shape} holding {@code values} (row-major). */
    static Tensor of(double[] values, long... shape) {
        try (DoublePointer pointer = new DoublePointer(values)) {
            return torch.from_blob(pointer, shape, new TensorOptions(torch.ScalarType.Double)).clone(); // from_blob aliases: own a copy
        }
    }

    /** An owned float64 tensor [rows, D] of float32 values (row-major). */
    static Tensor of(float[] values, long rows, long dimension) {
        return torch.tensor(values).reshape(rows, dimension).to(torch.ScalarType.Double);
    }

    /** The values of a CPU tensor, as float64, row-major. */
    static double[] values(Tensor tensor) {
        Tensor doubles = tensor.to(torch.ScalarType.Double).contiguous();
        double[] values = new double[(int) doubles.numel()];
        if (values.length > 0) {
            doubles.data_ptr_double().get(values);
        }
        return values;
    }
}
