package dev.retune.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Folds weight-normalised convolutions into plain weights at load time: weight = g · v / ‖v‖, the norm taken over
 * every dimension but 0. Both spellings found in checkpoints are accepted: {@code X.weight_g / X.weight_v} (older
 * {@code nn.utils.weight_norm}) and {@code X.parametrizations.weight.original0 / original1} (its successor).
 */
public final class WeightNorm {

    private static final String[][] SPELLINGS = {
        {".weight_g", ".weight_v"},
        {".parametrizations.weight.original0", ".parametrizations.weight.original1"},
    };

    private WeightNorm() {}

    /** A copy of {@code tensors} in which each (g, v) pair is replaced by {@code X.weight}. */
    public static Map<String, Tensor> fold(Map<String, Tensor> tensors) {
        Map<String, Tensor> folded = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            String key = entry.getKey();
            String[] spelling = spellingOf(key);
            if (spelling == null) {
                folded.put(key, entry.getValue());
            } else if (key.endsWith(spelling[0])) {
                String base = key.substring(0, key.length() - spelling[0].length());
                Tensor v = tensors.get(base + spelling[1]);
                if (v == null) {
                    throw new ModelException("weight-norm magnitude " + key + " has no direction " + base + spelling[1]);
                }
                folded.put(base + ".weight", v.mul(entry.getValue().div(torch.norm_except_dim(v, 2, 0))));
            } else if (!tensors.containsKey(key.substring(0, key.length() - spelling[1].length()) + spelling[0])) {
                throw new ModelException("weight-norm direction " + key + " has no magnitude");
            }
        }
        return folded;
    }

    private static String[] spellingOf(String key) {
        for (String[] spelling : SPELLINGS) {
            if (key.endsWith(spelling[0]) || key.endsWith(spelling[1])) {
                return spelling;
            }
        }
        return null;
    }
}
