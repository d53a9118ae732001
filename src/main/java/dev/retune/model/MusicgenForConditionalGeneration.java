package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The whole MusicGen model, named as in transformers: {@code text_encoder} (T5), {@code audio_encoder} (EnCodec),
 * {@code enc_to_dec_proj} (text width → decoder width) and {@code decoder} (the LM).
 */
public final class MusicgenForConditionalGeneration extends Module {

    /**
     * What the decoder cross-attends to.
     *
     * @param states [B, L, D] projected text states, zero at padded positions
     * @param mask   [B, L] 1 for real text tokens
     */
    public record Conditioning(Tensor states, Tensor mask) {

        /** The additive [B, 1, 1, L] cross-attention mask in the states' dtype. */
        public Tensor attentionMask() {
            return AttentionMask.fromKeyMask(mask, states.scalar_type());
        }

        /** Classifier-free guidance's null condition: zero states, zero mask, same shape. */
        public Conditioning nulled() {
            return new Conditioning(torch.zeros_like(states), torch.zeros_like(mask));
        }
    }

    public final T5EncoderModel text_encoder;
    public final EncodecModel audio_encoder;
    public final Linear enc_to_dec_proj;
    public final MusicgenForCausalLM decoder;
    private final MusicgenConfig config;

    public MusicgenForConditionalGeneration(MusicgenConfig config) {
        this.config = config;
        text_encoder = register_module("text_encoder", new T5EncoderModel(config.textEncoder()));
        audio_encoder = register_module("audio_encoder", EncodecModel.create(config.audioEncoder()));
        // PyTorch's default Linear init (uniform ±1/√in) is what transformers leaves on this layer.
        enc_to_dec_proj = config.hasTextProjection()
                ? register_module("enc_to_dec_proj", new Linear(config.textEncoder().dModel(), config.decoder().hiddenSize(), true,
                        1 / Math.sqrt(3.0 * config.textEncoder().dModel())))
                : null;
        decoder = register_module("decoder", new MusicgenForCausalLM(config.decoder()));
    }

    public MusicgenConfig config() {
        return config;
    }

    /**
     * Text → conditioning: T5, projection to the decoder's width, zeroed at padded positions.
     *
     * @param ids  [B, L] token ids
     * @param mask [B, L] 1 for real tokens
     */
    public Conditioning condition(Tensor ids, Tensor mask) {
        return project(text_encoder.forward(ids, mask), mask);
    }

    /**
     * The second half of {@link #condition}: text encoder states [B, L, D_text] → conditioning. Separate so a frozen
     * text encoder can run without autograd while the projection trains.
     */
    public Conditioning project(Tensor textStates, Tensor mask) {
        Tensor states = textStates;
        if (enc_to_dec_proj != null) {
            states = enc_to_dec_proj.forward(states); // [B, L, D]
        }
        states = states.mul(mask.unsqueeze(-1).to(states.scalar_type()));
        return new Conditioning(states, mask);
    }

    /**
     * @param ids [B, K, S] delayed decoder inputs
     * @return logits [B, K, S, V]
     */
    public Tensor logits(Tensor ids, Conditioning conditioning) {
        return decoder.forward(ids, 0, conditioning.states(), conditioning.attentionMask());
    }

    /**
     * The model's size, the one number every command reports as its parameters: the values of every tensor of its
     * state whose name starts with {@code prefix} ("" for all). That is every learned weight: the parameters, and the
     * codec's codebooks, which transformers registers as buffers. A checkpoint stores more values than this (see
     * {@link ModelSummary}).
     */
    public long parameterCount(String prefix) {
        long count = 0;
        for (var entry : StateDict.of(this).entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                count += entry.getValue().numel();
            }
        }
        return count;
    }
}
