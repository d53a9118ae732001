package dev.retune.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The text encoder's hyper-parameters, read from the {@code text_encoder} object of a MusicGen config.json
 * (Hugging Face names; missing keys take transformers' T5Config defaults).
 */
public record T5Config(
        @JsonProperty("vocab_size") Integer vocabSize,
        @JsonProperty("d_model") Integer dModel,
        @JsonProperty("d_kv") Integer dKv,
        @JsonProperty("d_ff") Integer dFf,
        @JsonProperty("num_layers") Integer numLayers,
        @JsonProperty("num_heads") Integer numHeads,
        @JsonProperty("relative_attention_num_buckets") Integer relativeAttentionNumBuckets,
        @JsonProperty("relative_attention_max_distance") Integer relativeAttentionMaxDistance,
        @JsonProperty("dropout_rate") Double dropoutRate,
        @JsonProperty("layer_norm_epsilon") Double layerNormEpsilon,
        @JsonProperty("feed_forward_proj") String feedForwardProj,
        @JsonProperty("pad_token_id") Integer padTokenId,
        @JsonProperty("eos_token_id") Integer eosTokenId) {

    public T5Config {
        vocabSize = vocabSize == null ? 32_128 : vocabSize;
        dModel = dModel == null ? 512 : dModel;
        dKv = dKv == null ? 64 : dKv;
        dFf = dFf == null ? 2048 : dFf;
        numLayers = numLayers == null ? 6 : numLayers;
        numHeads = numHeads == null ? 8 : numHeads;
        relativeAttentionNumBuckets = relativeAttentionNumBuckets == null ? 32 : relativeAttentionNumBuckets;
        relativeAttentionMaxDistance = relativeAttentionMaxDistance == null ? 128 : relativeAttentionMaxDistance;
        dropoutRate = dropoutRate == null ? 0.1 : dropoutRate;
        layerNormEpsilon = layerNormEpsilon == null ? 1e-6 : layerNormEpsilon;
        feedForwardProj = feedForwardProj == null ? "relu" : feedForwardProj;
        padTokenId = padTokenId == null ? 0 : padTokenId;
        eosTokenId = eosTokenId == null ? 1 : eosTokenId;
        if (!feedForwardProj.equals("relu")) {
            // MusicGen's encoders (t5-base, t5-large, t5-3b) all use the plain ReLU feed-forward.
            throw new ModelException("text_encoder.feed_forward_proj '" + feedForwardProj + "' is not supported; MusicGen's T5 encoders use 'relu'");
        }
    }

    /** t5-base, the text encoder of musicgen-small. */
    public static T5Config base() {
        return new T5Config(32_128, 768, 64, 3072, 12, 12, 32, 128, 0.1, 1e-6, "relu", 0, 1);
    }

    /** t5-large, the text encoder of musicgen-medium. */
    public static T5Config large() {
        return new T5Config(32_128, 1024, 64, 4096, 24, 16, 32, 128, 0.1, 1e-6, "relu", 0, 1);
    }

    /** t5-3b, the text encoder of musicgen-large. */
    public static T5Config xl3b() {
        return new T5Config(32_128, 1024, 128, 16_384, 24, 32, 32, 128, 0.1, 1e-6, "relu", 0, 1);
    }
}
