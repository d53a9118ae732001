package dev.retune.model;

import dev.retune.data.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A model folder in the Hugging Face layout: {@code config.json}, {@code model.safetensors} (or shards with
 * {@code model.safetensors.index.json}) and {@code tokenizer.json}. Loads into and saves from
 * {@link MusicgenForConditionalGeneration}.
 */
public final class ModelFolder {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";

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
        model.config().write(dir.resolve(CONFIG));
        if (tokenizer != null) {
            AtomicFile.write(dir.resolve(TOKENIZER), temp -> Files.copy(tokenizer, temp, StandardCopyOption.REPLACE_EXISTING));
        }
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
