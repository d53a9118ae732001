package dev.retune.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The MusicGen decoder LM's hyper-parameters, read from the {@code decoder} object of config.json (Hugging Face names;
 * missing keys take transformers' MusicgenDecoderConfig defaults, which are musicgen-small's). The special token
 * (pad = BOS) is {@code vocab_size}: each codebook embedding has {@code vocab_size + 1} rows.
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
        vocabSize = vocabSize == null ? 2048 : vocabSize;
        maxPositionEmbeddings = maxPositionEmbeddings == null ? 2048 : maxPositionEmbeddings;
        numHiddenLayers = numHiddenLayers == null ? 24 : numHiddenLayers;
        ffnDim = ffnDim == null ? 4096 : ffnDim;
        numAttentionHeads = numAttentionHeads == null ? 16 : numAttentionHeads;
        hiddenSize = hiddenSize == null ? 1024 : hiddenSize;
        numCodebooks = numCodebooks == null ? 4 : numCodebooks;
        audioChannels = audioChannels == null ? 1 : audioChannels;
        dropout = dropout == null ? 0.1 : dropout;
        attentionDropout = attentionDropout == null ? 0.0 : attentionDropout;
        activationDropout = activationDropout == null ? 0.0 : activationDropout;
        activationFunction = activationFunction == null ? "gelu" : activationFunction;
        scaleEmbedding = scaleEmbedding != null && scaleEmbedding;
        padTokenId = padTokenId == null ? vocabSize : padTokenId;
        bosTokenId = bosTokenId == null ? vocabSize : bosTokenId;
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ModelException("decoder.hidden_size " + hiddenSize + " is not divisible by decoder.num_attention_heads " + numAttentionHeads);
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
