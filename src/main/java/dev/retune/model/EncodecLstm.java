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

    /** The recurrent state after some frames: hidden and cell state of every layer, each [layers, B, D]. */
    public record State(Tensor hidden, Tensor cell) {}

    /** The output frames and the state after the last of them. */
    public record Output(Tensor y, State state) {}

    /** [B, D, T] → [B, D, T], from the zero state. */
    public Tensor forward(Tensor x) {
        return forward(x, zeroState(x)).y();
    }

    /**
     * [B, D, T] → [B, D, T] continuing from {@code state}: running frames [0, a) and then [a, T) from the state after
     * the first part gives what running [0, T) at once gives (streaming codecs rely on it).
     */
    public Output forward(Tensor x, State state) {
        Tensor sequence = x.permute(2, 0, 1); // [T, B, D]
        T_TensorTensorTensor_T out = torch.lstm(sequence, new TensorVector(state.hidden(), state.cell()), new TensorVector(weights),
                true, layers, 0.0, false, false, false);
        // Owned handles: tensors taken from a returned tuple point into it (docs/bytedeco.md).
        Tensor y = new Tensor(out.get0()).add(sequence); // [T, B, D]
        return new Output(y.permute(1, 2, 0), new State(new Tensor(out.get1()), new Tensor(out.get2()))); // [B, D, T]
    }

    /** The state before the first frame: zeros, [layers, B, D] each. */
    public State zeroState(Tensor x) {
        Tensor zeros = torch.zeros(new long[] {layers, x.size(0), dim}, x.options()); // [layers, B, D]
        return new State(zeros, zeros);
    }
}
