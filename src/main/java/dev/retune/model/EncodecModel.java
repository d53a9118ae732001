package dev.retune.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The EnCodec codec of MusicGen: audio [B, C, N] ⇄ codes [B, K, T], T = ceil(N / hop_length) frames
 * (50 per second at 32 kHz). Children {@code encoder}, {@code decoder} and {@code quantizer} carry the Hugging Face
 * names below {@code audio_encoder.} (weight-norm folded, see {@link WeightNorm}), so a checkpoint loads with
 * {@link StateDict#load}. Forward passes run under the caller's grad mode; the codec is frozen during fine-tuning, so
 * callers normally wrap them in a {@code NoGradGuard}. No normalisation. These passes hold every frame at once; for
 * audio of any length, {@link StreamingEncoder} and {@link StreamingDecoder} give the same results chunk by chunk.
 */
public final class EncodecModel extends Module {

    private final EncodecConfig config;
    private final SeanetEncoder encoder;
    private final SeanetDecoder decoder;
    private final ResidualVectorQuantizer quantizer;

    private EncodecModel(EncodecConfig config) {
        super("EncodecModel");
        this.config = config;
        encoder = register_module("encoder", new SeanetEncoder(config));
        decoder = register_module("decoder", new SeanetDecoder(config));
        quantizer = register_module("quantizer", new ResidualVectorQuantizer(config));
    }

    /** A randomly initialised codec (fp32, CPU); load weights with {@link StateDict#load}. */
    public static EncodecModel create(EncodecConfig config) {
        return new EncodecModel(config);
    }

    public EncodecConfig config() {
        return config;
    }

    public ResidualVectorQuantizer quantizer() {
        return quantizer;
    }

    /** One clip's channels {@code [C][n]} as the codec's input: [1, C, n], on its device and in its dtype. */
    public Tensor waveform(float[][] channels) {
        int frames = channels[0].length;
        float[] planar = new float[channels.length * frames];
        for (int c = 0; c < channels.length; c++) {
            System.arraycopy(channels[c], 0, planar, c * frames, frames);
        }
        Tensor reference = quantizer.codebook(0);
        return torch.tensor(planar).reshape(1, channels.length, frames).to(reference.device(), reference.scalar_type()); // [1, C, n]
    }

    /** Encoder output before quantisation: [B, C, N] → [B, hidden_size, T]. */
    public Tensor embed(Tensor audio) {
        requireAudio(audio);
        return encoder.forward(audio); // [B, D, T]
    }

    /**
     * Codes at the first target bandwidth (transformers' default when no bandwidth is given; MusicGen's codec has one):
     * [B, C, N] float → [B, K, T] int64.
     */
    public Tensor encode(Tensor audio) {
        return encode(audio, config.targetBandwidths().get(0));
    }

    /** Codes at {@code kbps}: as many quantizers as the bandwidth pays for (at least 1, at most K). */
    public Tensor encode(Tensor audio, double kbps) {
        Tensor embeddings = embed(audio); // [B, D, T]
        return quantizer.encode(embeddings, config.quantizersForBandwidth(kbps)); // [B, K, T]
    }

    /** Codes of embeddings at the first target bandwidth, as {@link #encode(Tensor)}: [B, D, T] → [B, K, T] int64. */
    public Tensor quantize(Tensor embeddings) {
        return quantizer.encode(embeddings, config.quantizersForBandwidth(config.targetBandwidths().get(0))); // [B, K, T]
    }

    SeanetEncoder encoder() {
        return encoder;
    }

    SeanetDecoder decoder() {
        return decoder;
    }

    /** Audio from codes: [B, K, T] int64 → [B, C, T·hop_length] float. */
    public Tensor decode(Tensor codes) {
        Tensor embeddings = quantizer.decode(codes); // [B, D, T]
        return decoder.forward(embeddings); // [B, C, T·hop_length]
    }

    private void requireAudio(Tensor audio) {
        Shapes.requireDims("audio", audio, 3, "[B, C, N]");
        if (audio.size(1) != config.audioChannels()) {
            throw new IllegalArgumentException("audio: expected [B, " + config.audioChannels() + ", N] (audio_channels = "
                    + config.audioChannels() + "), found " + Arrays.toString(Shapes.of(audio)));
        }
    }
}
