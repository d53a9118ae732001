package dev.retune.adapt;

import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import dev.retune.data.AtomicFile;
import dev.retune.model.Linear;
import dev.retune.model.ModelException;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.Safetensors;
import dev.retune.model.SafetensorsWriter;
import dev.retune.model.Shapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * LoRA adapters as Hugging Face PEFT saves them, so {@code PeftModel.from_pretrained(musicgen, dir)} loads what we
 * train and we load what PEFT trains: {@code adapter_config.json} and {@code adapter_model.safetensors} with keys
 * {@code base_model.model.<module path>.lora_A.weight} [r, in] / {@code .lora_B.weight} [out, r]. Module paths are
 * transformers' MusicgenForConditionalGeneration paths, which are exactly our state-dict paths.
 *
 * <p>{@code target_modules} is written as the list of the adapted modules' full paths. PEFT matches a regex string
 * with {@code re.fullmatch} (our {@link LoraSection#targetModules()} is searched with {@code find()}) and has no
 * equivalent of {@link LoraSection#layers()} for a regex, so the explicit list is the one form that selects exactly the
 * same Linears in both. When reading, a list entry matches a path equal to it or ending in "." + it, a string must
 * match the whole path: PEFT's rules.
 */
public final class PeftAdapter {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** PEFT's prefix on saved keys: the PeftModel's {@code base_model} (LoraModel) wraps the model as {@code model}. */
    static final String KEY_PREFIX = "base_model.model.";

    private static final Pattern KEY = Pattern.compile("^" + Pattern.quote(KEY_PREFIX) + ".+\\.lora_[AB]\\.weight$");

    /**
     * An adapter read from disk.
     *
     * @param config              the LoRA settings, with {@code target_modules} turned into an equivalent regex
     * @param baseModelNameOrPath the model it was trained on (may be null)
     * @param weights             every tensor by state-dict name ({@code <path>.lora_A.weight}, without PEFT's
     *                            {@code base_model.model.} prefix), in its stored dtype, on the CPU
     */
    public record LoadedAdapter(LoraSection config, String baseModelNameOrPath, Map<String, Tensor> weights) {}

    private PeftAdapter() {}

    /** {@link #write(Path, Lora, LoraSection, String)} with the config the adapters were made with. */
    public static void write(Path dir, Lora lora, String baseModelNameOrPath) {
        write(dir, lora, lora.config(), baseModelNameOrPath);
    }

    /**
     * Writes {@code dir/adapter_config.json} and {@code dir/adapter_model.safetensors} (metadata {"format": "pt"}),
     * each atomically; creates {@code dir}. The weights are A and B as they are (merged or not), in their dtype.
     *
     * @param config must be the config {@code lora} was applied with
     */
    public static void write(Path dir, Lora lora, LoraSection config, String baseModelNameOrPath) {
        if (!config.equals(lora.config())) {
            throw new IllegalArgumentException("config " + config + " is not the one the adapters were made with: " + lora.config());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ModelException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        lora.trainable().forEach((name, tensor) -> tensors.put(KEY_PREFIX + name, tensor));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        }
        List<String> paths = lora.layers().stream().map(LoraLayer::path).toList();
        AtomicFile.writeString(dir.resolve(CONFIG_FILE), PeftConfigJson.write(config, paths, baseModelNameOrPath));
    }

    /** Reads both files of {@code dir}; every problem is a {@link ModelException} naming the file and key. */
    public static LoadedAdapter read(Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new ModelException(dir + " holds no PEFT adapter: " + CONFIG_FILE + " is missing");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new ModelException(dir + ": " + WEIGHTS_FILE + " is missing"
                    + (Files.exists(dir.resolve("adapter_model.bin")) ? " (only adapter_model.bin, a pickle, is there: "
                    + "save the adapter with safe_serialization=True)" : ""));
        }
        PeftConfigJson.Parsed parsed = PeftConfigJson.read(configFile);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        try (Safetensors file = Safetensors.open(weightsFile)) {
            for (String key : file.names()) {
                if (!KEY.matcher(key).matches()) {
                    throw new ModelException(weightsFile + ": unexpected key " + key + " (a LoRA adapter holds only "
                            + KEY_PREFIX + "<module path>.lora_A.weight and .lora_B.weight)");
                }
                weights.put(key.substring(KEY_PREFIX.length()), file.tensor(key));
            }
        }
        return new LoadedAdapter(parsed.config(), parsed.baseModelNameOrPath(), weights);
    }

    /**
     * Puts the adapter of {@code dir} on {@code model}: LoRA layers from the file's config (every base weight frozen),
     * then its weights. Everything is checked before the model is touched: each key must name a Linear the config
     * selects, with the shape r and that Linear imply, and each adapted Linear must find both its weights.
     */
    public static Lora applyTo(MusicgenForConditionalGeneration model, Path dir) {
        return applyTo(model, dir, 1.0);
    }

    /**
     * As {@link #applyTo(MusicgenForConditionalGeneration, Path)}, with every delta scaled by {@code weight} (≥ 0): 1
     * is the adapter as trained, 0 computes the base model's outputs, values between scale its effect.
     */
    public static Lora applyTo(MusicgenForConditionalGeneration model, Path dir, double weight) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("adapter weight: expected a finite number ≥ 0, found " + weight);
        }
        LoadedAdapter adapter = checked(model, dir);
        Lora lora = Lora.apply(model, adapter.config(), weight);
        Map<String, Tensor> trainable = lora.trainable();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            adapter.weights().forEach((name, value) -> trainable.get(name).copy_(value));
        }
        return lora;
    }

    /**
     * Composes several adapters on {@code model}: each adapter's delta scaled by its weight, all of them summed. One
     * adapter of weight &gt; 0 stays a delta beside the frozen weights ({@link #applyTo}: with weight 1 exactly the
     * adapter alone); with two or more, each is folded into the base weights in turn (W += Σ wᵢ · scaleᵢ · Bᵢ·Aᵢ),
     * since a Linear carries one adapter at a time. An adapter of weight 0 is read and checked against the model like
     * the others, then left off, so the model is exactly the base model where every weight is 0.
     *
     * @param weights one per adapter, each finite and ≥ 0
     */
    public static void compose(MusicgenForConditionalGeneration model, List<Path> dirs, List<Double> weights) {
        if (dirs.size() != weights.size()) {
            throw new IllegalArgumentException(dirs.size() + " adapters but " + weights.size() + " weights");
        }
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            checked(model, dirs.get(i));
            if (weights.get(i) > 0) {
                active.add(i);
            }
        }
        for (int i : active) {
            Lora lora = applyTo(model, dirs.get(i), weights.get(i));
            if (active.size() > 1) {
                lora.mergeIntoBase();
            }
        }
    }

    /** The adapter of {@code dir}, read and checked against {@code model} (see {@link #applyTo}); the model is untouched. */
    private static LoadedAdapter checked(MusicgenForConditionalGeneration model, Path dir) {
        LoadedAdapter adapter = read(dir);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        Map<String, long[]> expected = expectedShapes(model, adapter.config(), dir.resolve(CONFIG_FILE));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> entry : adapter.weights().entrySet()) {
            long[] shape = expected.get(entry.getKey());
            long[] found = Shapes.of(entry.getValue());
            if (shape == null) {
                String path = entry.getKey().substring(0, entry.getKey().lastIndexOf(".lora_"));
                problems.add("key " + KEY_PREFIX + entry.getKey() + " matches no adapted Linear of the model (no Linear "
                        + path + ", or target_modules does not select it)");
            } else if (!Arrays.equals(shape, found)) {
                problems.add("key " + KEY_PREFIX + entry.getKey() + ": expected shape " + Arrays.toString(shape)
                        + ", found " + Arrays.toString(found));
            }
        }
        List<String> missing = new ArrayList<>(expected.keySet());
        missing.removeAll(adapter.weights().keySet());
        if (!missing.isEmpty()) {
            problems.add("missing " + missing.size() + " key(s): " + KEY_PREFIX + String.join(", " + KEY_PREFIX, missing));
        }
        if (!problems.isEmpty()) {
            throw new ModelException(weightsFile + ": " + String.join("; ", problems));
        }
        return adapter;
    }

    /** State-dict name → shape of every A and B that {@code config} would create on {@code model}. */
    private static Map<String, long[]> expectedShapes(MusicgenForConditionalGeneration model, LoraSection config,
            Path configFile) {
        Map<String, Linear> linears = LinearLocator.linears(model);
        List<String> targets;
        try {
            targets = Lora.targets(linears.keySet(), config, model.decoder.model.decoder.layers.count());
        } catch (ConfigException e) {
            throw PeftConfigJson.inFileTerms(configFile, e);
        }
        Map<String, long[]> shapes = new TreeMap<>();
        for (String path : targets) {
            Linear linear = linears.get(path);
            shapes.put(path + ".lora_A.weight", new long[] {config.r(), linear.inFeatures()});
            shapes.put(path + ".lora_B.weight", new long[] {linear.outFeatures(), config.r()});
        }
        return shapes;
    }
}
