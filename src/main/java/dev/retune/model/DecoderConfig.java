package dev.retune.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The MusicGen decoder LM's hyper-parameters, read from the {@code decoder} object of config.json (Hugging Face names).
 * The sizes are required; other missing keys take transformers' MusicgenDecoderConfig defaults. The special token
 * (pad = BOS) is {@code vocab_size}: each codebook embedding has {@code vocab_size + 1} rows.
 *
 * <p>Upper bounds leave 2-8x room above musicgen-large (48 layers, hidden 2048, 32 heads, ffn 8192, 4 codebooks of
 * 2048, 2048 positions; stereo models have 8 codebooks) and refuse sizes that would allocate tens of GB from one key.
 */
public record DecoderConfig(
        @JsonProperty("vocab_size") Integer vocabSize,
        @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
        @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
        @JsonProperty("ffn_dim") Integer ffnDim,
        @JsonProperty("num_attention_heads") Integer numAttentionHeads,
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("num_codebooks") Integer numCodebooks,
        @JsonProperty("audio_channels") Integer audioChannels,
        @JsonProperty("dropout") Double dropout,
        @JsonProperty("attention_dropout") Double attentionDropout,
        @JsonProperty("activation_dropout") Double activationDropout,
        @JsonProperty("activation_function") String activationFunction,
        @JsonProperty("scale_embedding") Boolean scaleEmbedding,
        @JsonProperty("pad_token_id") Integer padTokenId,
        @JsonProperty("bos_token_id") Integer bosTokenId) {

    public DecoderConfig {
        vocabSize = ConfigBounds.required("decoder.vocab_size", vocabSize, 1, 16_384);
        numHiddenLayers = ConfigBounds.required("decoder.num_hidden_layers", numHiddenLayers, 1, 128);
        hiddenSize = ConfigBounds.required("decoder.hidden_size", hiddenSize, 4, 8192);
        numAttentionHeads = ConfigBounds.required("decoder.num_attention_heads", numAttentionHeads, 1, 128);
        ffnDim = ConfigBounds.required("decoder.ffn_dim", ffnDim, 1, 32_768);
        numCodebooks = ConfigBounds.required("decoder.num_codebooks", numCodebooks, 1, 16);
        maxPositionEmbeddings = ConfigBounds.optional("decoder.max_position_embeddings", maxPositionEmbeddings, 2048,
                numCodebooks + 1, 16_384);
        audioChannels = audioChannels == null ? 1 : audioChannels;
        dropout = ConfigBounds.probability("decoder.dropout", dropout, 0.1);
        attentionDropout = ConfigBounds.probability("decoder.attention_dropout", attentionDropout, 0.0);
        activationDropout = ConfigBounds.probability("decoder.activation_dropout", activationDropout, 0.0);
        activationFunction = activationFunction == null ? "gelu" : activationFunction;
        scaleEmbedding = scaleEmbedding != null && scaleEmbedding;
        padTokenId = ConfigBounds.optional("decoder.pad_token_id", padTokenId, vocabSize, 0, vocabSize);
        bosTokenId = ConfigBounds.optional("decoder.bos_token_id", bosTokenId, vocabSize, 0, vocabSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ModelException("decoder.hidden_size " + hiddenSize + " is not divisible by decoder.num_attention_heads " + numAttentionHeads);
        }
        if (hiddenSize % 2 != 0) {
            throw new ModelException("decoder.hidden_size must be even (the position table is half cosines, half sines), found " + hiddenSize);
        }
        if (!activationFunction.equals("gelu")) {
            throw new ModelException("decoder.activation_function '" + activationFunction + "' is not supported; MusicGen uses 'gelu'");
        }
        if (audioChannels != 1) {
            throw new ModelException("decoder.audio_channels " + audioChannels + ": only mono MusicGen models are supported");
        }
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** The pad/BOS id that fills the delay pattern's triangles. */
    public int specialToken() {
        return padTokenId;
    }

    static DecoderConfig of(int hidden, int layers, int heads, int ffn) {
        return new DecoderConfig(2048, 2048, layers, ffn, heads, hidden, 4, 1, 0.1, 0.0, 0.0, "gelu", false, 2048, 2048);
    }
}
