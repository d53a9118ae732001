package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A stacked unidirectional LSTM over the frames with a skip connection: y = LSTM(x) + x, zero initial state. Each
 * layer n, at each frame t (PyTorch's gate order i, f, g, o; both biases added):
 * <pre>
 *   [i, f, g, o] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
 *   c_t = σ(f)·c_{t−1} + σ(i)·tanh(g),   h_t = σ(o)·tanh(c_t)
 * </pre>
 * computed by libtorch's fused {@code lstm} op (the kernel of PyTorch's {@code nn.LSTM}). Registered as
 * {@code lstm.weight_ih_l{n}} [4D, D], {@code lstm.weight_hh_l{n}} [4D, D], {@code lstm.bias_ih_l{n}} [4D] and
 * {@code lstm.bias_hh_l{n}} [4D].
 */
public final class EncodecLstm extends Module {

    private final Module lstm;
    private final Tensor[] weights; // per layer: weight_ih [4D, D], weight_hh [4D, D], bias_ih [4D], bias_hh [4D]
    private final int layers;
    private final int dim;

    public EncodecLstm(int dim, int layers) {
        super("EncodecLSTM");
        this.dim = dim;
        this.layers = layers;
        this.weights = new Tensor[4 * layers];
        // Xavier-uniform weights and zero biases, as transformers' _init_weights; usually overwritten.
        lstm = register_module("lstm", new Module("LSTM"));
        for (int n = 0; n < layers; n++) {
            weights[4 * n] = new Tensor(lstm.register_parameter("weight_ih_l" + n,
                    WeightInit.xavierUniform(4L * dim, dim)));
            weights[4 * n + 1] = new Tensor(lstm.register_parameter("weight_hh_l" + n,
                    WeightInit.xavierUniform(4L * dim, dim)));
            weights[4 * n + 2] = new Tensor(lstm.register_parameter("bias_ih_l" + n, WeightInit.zeros(4L * dim)));
            weights[4 * n + 3] = new Tensor(lstm.register_parameter("bias_hh_l" + n, WeightInit.zeros(4L * dim)));
        }
    }

    /** [B, D, T] → [B, D, T]. */
    public Tensor forward(Tensor x) {
        Tensor sequence = x.permute(2, 0, 1); // [T, B, D]
        Tensor state = torch.zeros(new long[] {layers, x.size(0), dim}, x.options()); // [layers, B, D]
        T_TensorTensorTensor_T out = torch.lstm(sequence, new TensorVector(state, state), new TensorVector(weights),
                true, layers, 0.0, false, false, false);
        Tensor y = new Tensor(out.get0()).add(sequence); // [T, B, D]
        return y.permute(1, 2, 0); // [B, D, T]
    }
}
