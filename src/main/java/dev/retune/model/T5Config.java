package dev.retune.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The text encoder's hyper-parameters, read from the {@code text_encoder} object of a MusicGen config.json
 * (Hugging Face names). The sizes are required; other missing keys take transformers' T5Config defaults.
 *
 * <p>Upper bounds admit every T5 size (t5-3b: d_kv 128, d_ff 16384, 32 heads; t5-11b: d_ff 65536, 128 heads;
 * flan-t5-xxl: d_model 4096; mT5's vocabulary of 250,112) and refuse sizes that would allocate tens of GB from one key.
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
        vocabSize = ConfigBounds.required("text_encoder.vocab_size", vocabSize, 1, 262_144);
        dModel = ConfigBounds.required("text_encoder.d_model", dModel, 1, 8192);
        dKv = ConfigBounds.required("text_encoder.d_kv", dKv, 1, 1024);
        dFf = ConfigBounds.required("text_encoder.d_ff", dFf, 1, 65_536);
        numLayers = ConfigBounds.required("text_encoder.num_layers", numLayers, 1, 128);
        numHeads = ConfigBounds.required("text_encoder.num_heads", numHeads, 1, 128);
        // The bucketing gives each direction buckets / 2, the first half of those exact distances: at least one.
        relativeAttentionNumBuckets = ConfigBounds.optional("text_encoder.relative_attention_num_buckets",
                relativeAttentionNumBuckets, 32, 4, 1024);
        relativeAttentionMaxDistance = ConfigBounds.optional("text_encoder.relative_attention_max_distance",
                relativeAttentionMaxDistance, 128, relativeAttentionNumBuckets / 4 + 1, 65_536);
        dropoutRate = ConfigBounds.probability("text_encoder.dropout_rate", dropoutRate, 0.1);
        layerNormEpsilon = layerNormEpsilon == null ? 1e-6 : layerNormEpsilon;
        feedForwardProj = feedForwardProj == null ? "relu" : feedForwardProj;
        padTokenId = ConfigBounds.optional("text_encoder.pad_token_id", padTokenId, 0, 0, vocabSize - 1);
        eosTokenId = ConfigBounds.optional("text_encoder.eos_token_id", eosTokenId, 1, 0, vocabSize - 1);
        if (!(layerNormEpsilon > 0 && layerNormEpsilon < 1)) {
            throw new ModelException("text_encoder.layer_norm_epsilon must be within (0, 1), found " + layerNormEpsilon);
        }
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
