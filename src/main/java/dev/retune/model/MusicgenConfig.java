package dev.retune.model;

import dev.retune.data.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.global.torch.ScalarType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A MusicGen model's composite config.json: the T5 text encoder, the EnCodec codec and the decoder LM. Unknown keys are
 * ignored, as transformers does; known ones are checked for type, range and agreement between the sections before
 * any tensor exists. The original JSON is kept and written back unchanged, so a model saved by Retune carries every
 * field transformers wrote.
 */
public record MusicgenConfig(T5Config textEncoder, EncodecConfig audioEncoder, DecoderConfig decoder, ObjectNode json) {

    private static final ObjectMapper JSON = HfConfigJson.MAPPER;

    /** The decoder predicts the codec's codes: both sides must agree on their number and range. */
    public MusicgenConfig {
        if (decoder.vocabSize().intValue() != audioEncoder.codebookSize().intValue()) {
            throw new ModelException("decoder.vocab_size " + decoder.vocabSize() + " must equal audio_encoder.codebook_size "
                    + audioEncoder.codebookSize() + ": the decoder predicts the codec's codes");
        }
        int codes = audioEncoder.quantizersForBandwidth(audioEncoder.targetBandwidths().get(0));
        if (decoder.numCodebooks() != codes) {
            throw new ModelException("decoder.num_codebooks " + decoder.numCodebooks() + " must equal the " + codes
                    + " codebooks the codec encodes at audio_encoder.target_bandwidths[0] = " + audioEncoder.targetBandwidths().get(0) + " kbps");
        }
    }

    /**
     * Reads and validates config.json; every error names the file and the key path. Nothing is allocated for a model
     * until this has passed.
     */
    public static MusicgenConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new ModelException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode object) || !"musicgen".equals(text(root, "model_type"))) {
            throw new ModelException(file + ": expected a MusicGen config (model_type \"musicgen\"), found model_type "
                    + (root == null ? "none" : text(root, "model_type")));
        }
        T5Config text = section(object, "text_encoder", "t5", T5Config.class, file);
        EncodecConfig codec = section(object, "audio_encoder", "encodec", EncodecConfig.class, file);
        DecoderConfig decoder = section(object, "decoder", "musicgen_decoder", DecoderConfig.class, file);
        try {
            return new MusicgenConfig(text, codec, decoder, object);
        } catch (ModelException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    /** A config built from its parts, in the layout transformers writes. */
    public static MusicgenConfig of(T5Config text, EncodecConfig codec, DecoderConfig decoder) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("MusicgenForConditionalGeneration");
        root.put("model_type", "musicgen");
        root.put("is_encoder_decoder", true);
        root.put("torch_dtype", "float32");
        ObjectNode textJson = JSON.valueToTree(text);
        textJson.put("model_type", "t5");
        textJson.put("dense_act_fn", "relu");
        textJson.put("is_gated_act", false);
        ObjectNode codecJson = JSON.valueToTree(codec);
        codecJson.put("model_type", "encodec");
        ObjectNode decoderJson = JSON.valueToTree(decoder);
        decoderJson.put("model_type", "musicgen_decoder");
        root.set("text_encoder", textJson);
        root.set("audio_encoder", codecJson);
        root.set("decoder", decoderJson);
        return new MusicgenConfig(text, codec, decoder, root);
    }

    /** Preset names accepted by {@link #preset}. */
    public static final List<String> PRESETS = List.of("tiny", "small", "medium", "large");

    /**
     * A preset as {@code retune model init} writes it: tiny with the vocabulary of the tokenizer it ships with
     * ({@link TinyTokenizer}), so every command that builds "tiny" builds the same model.
     */
    public static MusicgenConfig preset(String name) {
        return preset(name, TinyTokenizer.vocabularySize());
    }

    /**
     * The architectures of facebook/musicgen-small, -medium and -large, and {@code tiny}: the same structure small
     * enough for tests and the CPU demo (its text vocabulary is the size of the tokenizer it is created with).
     */
    public static MusicgenConfig preset(String name, int tinyTextVocabulary) {
        return switch (name) {
            case "tiny" -> of(
                    new T5Config(tinyTextVocabulary, 32, 8, 64, 2, 4, 32, 128, 0.1, 1e-6, "relu", 0, 1),
                    tinyCodec(),
                    new DecoderConfig(256, 512, 2, 256, 4, 64, 4, 1, 0.1, 0.0, 0.0, "gelu", false, 256, 256));
            case "small" -> of(T5Config.base(), EncodecConfig.musicgen32khz(), DecoderConfig.of(1024, 24, 16, 4096));
            case "medium" -> of(T5Config.large(), EncodecConfig.musicgen32khz(), DecoderConfig.of(1536, 48, 24, 6144));
            case "large" -> of(T5Config.xl3b(), EncodecConfig.musicgen32khz(), DecoderConfig.of(2048, 48, 32, 8192));
            default -> throw new ModelException("unknown preset '" + name + "'; choose one of " + PRESETS);
        };
    }

    /** EnCodec's structure at 1/8 of the width: hop 640 (50 frames/s at 32 kHz), 4 codebooks of 256 entries. */
    private static EncodecConfig tinyCodec() {
        ObjectNode codec = JSON.valueToTree(EncodecConfig.musicgen32khz());
        codec.put("num_filters", 8);
        codec.put("codebook_size", 256);
        codec.put("codebook_dim", 16);
        codec.put("hidden_size", 16);
        return EncodecConfig.bind(codec, "tiny preset");
    }

    /**
     * The parameter count of the model this config describes: {@link MusicgenForConditionalGeneration#parameterCount}
     * of a model built with uninitialised weights (whose memory is never touched), so no weights are needed.
     */
    public long parameterCount() {
        try (WeightInit.Scope shapesOnly = WeightInit.skip()) {
            return new MusicgenForConditionalGeneration(this).parameterCount("");
        }
    }

    /** Whether the text states need projecting to the decoder's width (always, for the released models). */
    public boolean hasTextProjection() {
        return textEncoder.dModel().intValue() != decoder.hiddenSize().intValue();
    }

    /**
     * Writes the config, with {@code torch_dtype} (and {@code dtype}, its newer name, when the original has it) saying
     * what the weights beside it are stored in.
     */
    public void write(Path file, ScalarType weights) {
        ObjectNode out = json.deepCopy();
        out.put("torch_dtype", dtypeName(weights));
        if (out.has("dtype")) {
            out.put("dtype", dtypeName(weights));
        }
        AtomicFile.writeString(file, JSON.writeValueAsString(out) + "\n");
    }

    /** transformers' name of a floating-point dtype, as config.json spells it. */
    private static String dtypeName(ScalarType type) {
        return switch (type) {
            case Float -> "float32";
            case Half -> "float16";
            case BFloat16 -> "bfloat16";
            default -> throw new IllegalArgumentException("weights are stored as float32, float16 or bfloat16, not " + type);
        };
    }

    /** The object under {@code key}, of the sub-config type transformers writes when it names one. */
    private static <T extends Record> T section(ObjectNode root, String key, String modelType, Class<T> type, Path file) {
        JsonNode node = root.get(key);
        if (node == null || !node.isObject()) {
            throw new ModelException(file + ": missing the \"" + key + "\" object of a MusicGen config");
        }
        String found = text(node, "model_type");
        if (found != null && !found.equals(modelType)) {
            throw new ModelException(file + ": " + key + ".model_type must be \"" + modelType + "\", found \"" + found + "\"");
        }
        return HfConfigJson.bind(node, type, file.toString(), key);
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value == null ? null : value.asString();
    }
}
