package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * EnCodec's SEANet decoder, the mirror of {@link SeanetEncoder}: embeddings [B, hidden_size, T] → waveform
 * [B, C, T·hop_length].
 * <pre>
 *   x = conv_k(embeddings)                                     F·2^stages channels
 *   x = LSTM(x) + x
 *   per stride s of upsampling_ratios:
 *       x = convT_{2s, stride s}(ELU(x))                       channels halved, frames · s
 *       x = resblock_j(x) for each residual layer j
 *   return conv_last(ELU(x))                                   audio_channels
 * </pre>
 * Children are registered as {@code layers.<i>} with transformers' indices, ELUs included in the count: for the
 * 32 kHz codec 0 conv | 1 LSTM | 2 ELU 3 convT 4 res | 5 ELU 6 convT 7 res | 8 ELU 9 convT 10 res |
 * 11 ELU 12 convT 13 res | 14 ELU | 15 conv.
 */
public final class SeanetDecoder extends Module {

    /** Containers are held here too: a Module made from Java must stay reachable from Java (see docs/bytedeco.md). */
    private final Module layers;
    private final EncodecConv1d first;
    private final EncodecLstm lstm;
    private final List<EncodecConvTranspose1d> upsamples = new ArrayList<>(); // per stage
    private final List<List<EncodecResnetBlock>> residuals = new ArrayList<>(); // per stage
    private final EncodecConv1d last;

    public SeanetDecoder(EncodecConfig config) {
        super("EncodecDecoder");
        layers = register_module("layers", new Module("ModuleList"));
        int index = 0;
        int channels = config.innerChannels();
        first = layers.register_module(String.valueOf(index++),
                new EncodecConv1d(config, config.hiddenSize(), channels, config.kernelSize()));
        lstm = layers.register_module(String.valueOf(index++), new EncodecLstm(channels, config.numLstmLayers()));
        for (int stride : config.upsamplingRatios()) {
            index++; // ELU
            upsamples.add(layers.register_module(String.valueOf(index++),
                    new EncodecConvTranspose1d(channels, channels / 2, 2 * stride, stride)));
            channels /= 2;
            List<EncodecResnetBlock> blocks = new ArrayList<>();
            for (int j = 0; j < config.numResidualLayers(); j++) {
                int dilation = (int) Math.pow(config.dilationGrowthRate(), j);
                blocks.add(layers.register_module(String.valueOf(index++), new EncodecResnetBlock(config, channels, dilation)));
            }
            residuals.add(blocks);
        }
        index++; // ELU
        last = layers.register_module(String.valueOf(index), new EncodecConv1d(config, channels, config.audioChannels(),
                config.lastKernelSize()));
    }

    /** [B, hidden_size, T] → [B, C, T·hop_length]. */
    public Tensor forward(Tensor embeddings) {
        return upsampling(lstm.forward(stem(embeddings))); // [B, C, T·hop_length]
    }

    /** The convolution before the LSTM: [B, hidden_size, T] → [B, F·2^stages, T]. */
    Tensor stem(Tensor embeddings) {
        return first.forward(embeddings); // [B, F·2^stages, T]
    }

    /** y = LSTM(x) + x over the frames. */
    EncodecLstm lstm() {
        return lstm;
    }

    /** After the LSTM: [B, F·2^stages, T] → [B, C, T·hop_length]. */
    Tensor upsampling(Tensor y) {
        Tensor x = y;
        for (int stage = 0; stage < upsamples.size(); stage++) {
            x = upsamples.get(stage).forward(torch.elu(x)); // [B, F·2^(stages−stage−1), T_stage · stride]
            for (EncodecResnetBlock block : residuals.get(stage)) {
                x = block.forward(x);
            }
        }
        return last.forward(torch.elu(x)); // [B, C, T·hop_length]
    }

    /** Frames on either side of a frame that {@link #stem} looks at. */
    long stemReachFrames() {
        return first.reach();
    }

    /**
     * Audio samples on either side of an output sample that {@link #upsampling} may take from, in frames of
     * {@code hop} samples: the sum over its layers of their reach times the samples per position at their input,
     * rounded up (a bound, not the exact receptive field).
     */
    long upsamplingReachFrames(long hop) {
        long samplesPerPosition = hop;
        long reach = 0;
        for (int stage = 0; stage < upsamples.size(); stage++) {
            reach += upsamples.get(stage).reach() * samplesPerPosition;
            samplesPerPosition /= upsamples.get(stage).stride();
            for (EncodecResnetBlock block : residuals.get(stage)) {
                reach += block.reach() * samplesPerPosition;
            }
        }
        reach += last.reach() * samplesPerPosition;
        return Math.floorDiv(reach + hop - 1, hop);
    }
}
