package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * EnCodec's SEANet encoder: waveform [B, C, N] → embeddings [B, hidden_size, T] with T = ceil(N / hop_length).
 * <pre>
 *   x = conv_k(audio)                                          F channels
 *   per stride s of reversed(upsampling_ratios):
 *       x = resblock_j(x) for each residual layer j            (dilation growth^j)
 *       x = conv_{2s, stride s}(ELU(x))                        channels doubled, frames / s
 *   x = LSTM(x) + x
 *   return conv_last(ELU(x))                                   hidden_size channels
 * </pre>
 * Children are registered as {@code layers.<i>} with transformers' indices, ELUs included in the count (they have no
 * parameters, so their slots stay empty): for the 32 kHz codec 0 conv | 1 res 2 ELU 3 conv | 4 res 5 ELU 6 conv |
 * 7 res 8 ELU 9 conv | 10 res 11 ELU 12 conv | 13 LSTM | 14 ELU | 15 conv.
 */
public final class SeanetEncoder extends Module {

    /** Containers are held here too: a Module made from Java must stay reachable from Java (see docs/bytedeco.md). */
    private final Module layers;
    private final EncodecConv1d first;
    private final List<List<EncodecResnetBlock>> residuals = new ArrayList<>(); // per stage
    private final List<EncodecConv1d> downsamples = new ArrayList<>(); // per stage
    private final EncodecLstm lstm;
    private final EncodecConv1d last;

    public SeanetEncoder(EncodecConfig config) {
        super("EncodecEncoder");
        layers = register_module("layers", new Module("ModuleList"));
        int index = 0;
        int channels = config.numFilters();
        first = layers.register_module(String.valueOf(index++),
                new EncodecConv1d(config, config.audioChannels(), channels, config.kernelSize()));
        for (int stage = config.upsamplingRatios().size() - 1; stage >= 0; stage--) {
            int stride = config.upsamplingRatios().get(stage);
            List<EncodecResnetBlock> blocks = new ArrayList<>();
            for (int j = 0; j < config.numResidualLayers(); j++) {
                int dilation = (int) Math.pow(config.dilationGrowthRate(), j);
                blocks.add(layers.register_module(String.valueOf(index++), new EncodecResnetBlock(config, channels, dilation)));
            }
            residuals.add(blocks);
            index++; // ELU
            downsamples.add(layers.register_module(String.valueOf(index++),
                    new EncodecConv1d(config, channels, 2 * channels, 2 * stride, stride, 1)));
            channels *= 2;
        }
        lstm = layers.register_module(String.valueOf(index++), new EncodecLstm(channels, config.numLstmLayers()));
        index++; // ELU
        last = layers.register_module(String.valueOf(index), new EncodecConv1d(config, channels, config.hiddenSize(),
                config.lastKernelSize()));
    }

    /** [B, C, N] → [B, hidden_size, T]. */
    public Tensor forward(Tensor audio) {
        return head(lstm.forward(convolutions(audio))); // [B, hidden_size, T]
    }

    /** The convolutions before the LSTM: [B, C, N] → [B, F·2^stages, T]. */
    Tensor convolutions(Tensor audio) {
        Tensor x = first.forward(audio); // [B, F, N]
        for (int stage = 0; stage < downsamples.size(); stage++) {
            for (EncodecResnetBlock block : residuals.get(stage)) {
                x = block.forward(x); // [B, F·2^stage, N_stage]
            }
            x = downsamples.get(stage).forward(torch.elu(x)); // [B, F·2^(stage+1), N_stage / stride]
        }
        return x;
    }

    /** y = LSTM(x) + x over the frames. */
    EncodecLstm lstm() {
        return lstm;
    }

    /** After the LSTM: [B, F·2^stages, T] → [B, hidden_size, T]. */
    Tensor head(Tensor y) {
        return last.forward(torch.elu(y)); // [B, hidden_size, T]
    }

    /**
     * Audio samples on either side of a frame that {@link #convolutions} may look at: the sum over its layers of
     * their reach times the samples per position at their input (a bound, not the exact receptive field).
     */
    long convolutionReachSamples() {
        long hop = 1;
        long reach = first.reach();
        for (int stage = 0; stage < downsamples.size(); stage++) {
            for (EncodecResnetBlock block : residuals.get(stage)) {
                reach += block.reach() * hop;
            }
            reach += downsamples.get(stage).reach() * hop;
            hop *= downsamples.get(stage).stride();
        }
        return reach;
    }

    /** Frames on either side of a frame that {@link #head} looks at. */
    long headReachFrames() {
        return last.reach();
    }
}
