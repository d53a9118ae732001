package dev.retune.model;

import dev.retune.data.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A model folder in the Hugging Face layout: {@code config.json}, {@code model.safetensors} (or shards with
 * {@code model.safetensors.index.json}) and {@code tokenizer.json}, and for transformers' processor and
 * {@code generate()} the {@link #HAND_OFF_FILES}. Loads into and saves from {@link MusicgenForConditionalGeneration}.
 */
public final class ModelFolder {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    /**
     * The files besides config and weights that transformers reads to use a MusicGen folder: the T5 tokenizer (fast
     * and SentencePiece forms), the feature extractor of the processor, and generate()'s defaults.
     */
    public static final List<String> HAND_OFF_FILES = List.of(TOKENIZER, "tokenizer_config.json", "special_tokens_map.json",
            "spiece.model", "preprocessor_config.json", GENERATION_CONFIG);

    /** A Hugging Face repository id ({@code facebook/musicgen-small}, {@code musicgen-small}), not a local path. */
    private static final Pattern REPOSITORY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    /** MusicGen's sampling as audiocraft and transformers' released generation configs set it. */
    private static final int TOP_K = 250;
    private static final double GUIDANCE_SCALE = 3.0;

    /** A loaded model and what the checkpoint held that nothing used. */
    public record Loaded(MusicgenForConditionalGeneration model, Path dir, List<String> unexpectedKeys) {}

    private ModelFolder() {}

    /** Reads config and weights; the model is left in eval mode, on {@code device}, in {@code dtype}. */
    public static Loaded load(Path dir, ScalarType dtype, Device device) {
        MusicgenConfig config = MusicgenConfig.read(require(dir.resolve(CONFIG)));
        MusicgenForConditionalGeneration model;
        try (WeightInit.Scope uninitialised = WeightInit.skip()) {
            model = new MusicgenForConditionalGeneration(config); // every parameter is overwritten below
        }
        model.to(device, dtype, false);
        List<String> unexpected;
        try (TensorSource source = openWeights(dir)) {
            HfWeights weights = new HfWeights(source);
            StateDict.load(model, weights::lookup);
            unexpected = weights.unexpected();
        }
        model.train(false);
        return new Loaded(model, dir, unexpected);
    }

    /** The folder's weights: one file, or the shards named by the index. */
    public static TensorSource openWeights(Path dir) {
        Path index = dir.resolve(WEIGHTS_INDEX);
        if (Files.isRegularFile(index)) {
            return Safetensors.openIndex(index);
        }
        return Safetensors.open(require(dir.resolve(WEIGHTS)));
    }

    /**
     * The model's own name: config.json's {@code _name_or_path} when it is a repository id (transformers writes the
     * name a model was loaded by, {@code facebook/musicgen-small} for a downloaded one), else the folder's name.
     */
    public static String name(Path dir) {
        JsonNode recorded = MusicgenConfig.read(require(dir.resolve(CONFIG))).json().get("_name_or_path");
        if (recorded != null && recorded.isString() && REPOSITORY_ID.matcher(recorded.stringValue()).matches()) {
            return recorded.stringValue();
        }
        return dir.toAbsolutePath().normalize().getFileName().toString();
    }

    /**
     * A folder that transformers loads and generates with as {@code base} does: {@link #save} without a tokenizer,
     * then each of the {@link #HAND_OFF_FILES} that {@code base} has, copied; without a generation_config.json in
     * {@code base}, one with MusicGen's sampling defaults (sampling, top-k 250, guidance scale 3) for {@code maxLength}
     * decoder steps, so {@code generate()} samples as Retune does rather than greedily for 20 tokens. Each file is
     * written atomically.
     *
     * @param maxLength decoder steps {@code generate()} takes by default (the released models: 1500, 30 s at 50 Hz)
     */
    public static void export(MusicgenForConditionalGeneration model, Path dir, ScalarType dtype, Path base, int maxLength) {
        save(model, dir, dtype, null);
        for (String name : HAND_OFF_FILES) {
            Path file = base.resolve(name);
            if (Files.isRegularFile(file)) {
                AtomicFile.write(dir.resolve(name), temp -> Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING));
            }
        }
        if (!Files.isRegularFile(base.resolve(GENERATION_CONFIG))) {
            writeGenerationConfig(dir.resolve(GENERATION_CONFIG), model.config().decoder(), maxLength);
        }
    }

    private static void writeGenerationConfig(Path file, DecoderConfig decoder, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("max_length must be at least 1, found " + maxLength);
        }
        ObjectNode json = HfConfigJson.MAPPER.createObjectNode();
        json.put("bos_token_id", decoder.bosTokenId());
        json.put("decoder_start_token_id", decoder.bosTokenId());
        json.put("pad_token_id", decoder.padTokenId());
        json.put("do_sample", true);
        json.put("top_k", TOP_K);
        json.put("guidance_scale", GUIDANCE_SCALE);
        json.put("max_length", maxLength);
        AtomicFile.writeString(file, HfConfigJson.MAPPER.writeValueAsString(json) + "\n");
    }

    /**
     * Writes config.json, model.safetensors (in {@code dtype}, with the Hugging Face names, weight-normalised codec
     * convolutions stored as weight_g / weight_v) and copies {@code tokenizer} as tokenizer.json. Each file is written
     * atomically.
     */
    public static void save(MusicgenForConditionalGeneration model, Path dir, ScalarType dtype, Path tokenizer) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ModelException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            SafetensorsWriter.write(dir.resolve(WEIGHTS), hfStateDict(model, dtype), Map.of("format", "pt"));
        }
        model.config().write(dir.resolve(CONFIG), dtype);
        if (tokenizer != null) {
            AtomicFile.write(dir.resolve(TOKENIZER), temp -> Files.copy(tokenizer, temp, StandardCopyOption.REPLACE_EXISTING));
        }
    }

    /**
     * Writes a preset's architecture with fresh random weights drawn from {@code seed} into {@code dir}. The tiny
     * preset also gets its word-level tokenizer ({@link TinyTokenizer}); the released architectures need the T5
     * tokenizer.json of their release copied in.
     */
    public static MusicgenForConditionalGeneration createPreset(String preset, long seed, Path dir, ScalarType dtype) {
        torch.manual_seed(seed);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset(preset));
        save(model, dir, dtype, null);
        if (preset.equals("tiny")) {
            TinyTokenizer.write(dir.resolve(TOKENIZER));
        }
        return model;
    }

    /** Our state dict in the checkpoint's spelling (the inverse of {@link HfWeights}). */
    static Map<String, Tensor> hfStateDict(MusicgenForConditionalGeneration model, ScalarType dtype) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> entry : StateDict.of(model).entrySet()) {
            String name = entry.getKey();
            Tensor value = entry.getValue().detach().cpu();
            if (name.startsWith("audio_encoder.") && name.endsWith("conv.weight")) {
                String base = name.substring(0, name.length() - ".weight".length());
                // weight = g · v / ‖v‖ holds with v = weight and g = ‖weight‖.
                out.put(base + ".weight_g", torch.norm_except_dim(value.to(ScalarType.Float), 2, 0).to(dtype));
                out.put(base + ".weight_v", value.to(dtype));
            } else {
                out.put(name, value.to(dtype));
            }
        }
        DecoderConfig decoder = model.config().decoder();
        out.put(HfWeights.POSITIONS, model.decoder.decoder().positions(decoder.maxPositionEmbeddings()).to(dtype));
        ResidualVectorQuantizer quantizer = model.audio_encoder.quantizer();
        for (int k = 0; k < quantizer.numQuantizers(); k++) {
            String prefix = "audio_encoder.quantizer.layers." + k + ".codebook.";
            Tensor embed = quantizer.codebook(k).detach().cpu().to(ScalarType.Float);
            out.put(prefix + "inited", torch.ones(1));
            out.put(prefix + "cluster_size", torch.ones(embed.size(0)));
            out.put(prefix + "embed_avg", embed.clone());
        }
        return out;
    }

    private static Path require(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelException("not a model folder: " + file + " is missing (expected config.json, model.safetensors and tokenizer.json)");
        }
        return file;
    }
}
