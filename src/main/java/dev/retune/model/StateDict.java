package dev.retune.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/**
 * A module's parameters and buffers by their dotted names. Because every block registers its children under the
 * Hugging Face names, these names are the checkpoint's names: loading is a lookup, not a translation.
 */
public final class StateDict {

    private StateDict() {}

    /** Parameters then buffers of {@code module}, in registration order, keyed by dotted name. */
    public static Map<String, Tensor> of(Module module) {
        Map<String, Tensor> entries = new LinkedHashMap<>();
        addAll(entries, module.named_parameters(true));
        addAll(entries, module.named_buffers(true));
        return entries;
    }

    /**
     * Copies {@code source.get(prefix + name)} into every parameter and buffer of {@code module}; see
     * {@link #load(Module, Function)}.
     *
     * @return the source keys under {@code prefix} that no destination used (for an "unexpected keys" report)
     */
    public static List<String> load(Module module, Map<String, Tensor> source, String prefix) {
        load(module, name -> source.get(prefix + name));
        Map<String, Tensor> destinations = of(module);
        TreeSet<String> unused = new TreeSet<>();
        for (String key : source.keySet()) {
            if (key.startsWith(prefix) && !destinations.containsKey(key.substring(prefix.length()))) {
                unused.add(key);
            }
        }
        return List.copyOf(unused);
    }

    /**
     * Fills every parameter and buffer of {@code module} from {@code source} (name → tensor, or null when absent),
     * one tensor at a time, converting dtype and device to the destination's; so a checkpoint is never held twice in
     * memory. Every destination must be found with its exact shape: errors name the key and both shapes.
     */
    public static void load(Module module, Function<String, Tensor> source) {
        List<String> missing = new ArrayList<>();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> destination : of(module).entrySet()) {
                String key = destination.getKey();
                try (PointerScope scope = new PointerScope()) {
                    Tensor value = source.apply(key);
                    if (value == null) {
                        missing.add(key);
                        continue;
                    }
                    long[] expected = Shapes.of(destination.getValue());
                    long[] found = Shapes.of(value);
                    if (!Arrays.equals(expected, found)) {
                        throw new ModelException("weight " + key + ": expected shape " + Arrays.toString(expected)
                                + ", found " + Arrays.toString(found));
                    }
                    destination.getValue().copy_(value);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new ModelException("missing weights (" + missing.size() + "): " + String.join(", ", missing));
        }
    }

    private static void addAll(Map<String, Tensor> entries, StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            // The dict's items point into its own storage: take our own reference to each tensor.
            entries.put(dict.get(i).key().getString(), new Tensor(dict.get(i).value()));
        }
    }
}
