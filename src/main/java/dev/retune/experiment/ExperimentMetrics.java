package dev.retune.experiment;

import dev.retune.evaluate.ClipMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The technical measures an experiment records per sample: the numeric measures of {@link ClipMetrics}, by JSON key. */
final class ExperimentMetrics {

    private static final Map<String, Function<ClipMetrics, Double>> MEASURES = measures();

    /** Every measure's name, in {@link ClipMetrics}'s order. */
    static final List<String> NAMES = List.copyOf(MEASURES.keySet());

    private ExperimentMetrics() {}

    /** The {@code names} measures of {@code metrics}, in the given order; a measure the clip does not define is null. */
    static Map<String, Double> of(ClipMetrics metrics, List<String> names) {
        Map<String, Double> values = new LinkedHashMap<>();
        names.forEach(name -> values.put(name, MEASURES.get(name).apply(metrics)));
        return values;
    }

    private static Map<String, Function<ClipMetrics, Double>> measures() {
        Map<String, Function<ClipMetrics, Double>> measures = new LinkedHashMap<>();
        measures.put("lufs", ClipMetrics::lufs);
        measures.put("true_peak_dbtp", ClipMetrics::truePeakDbtp);
        measures.put("clipping_ratio", ClipMetrics::clippingRatio);
        measures.put("silence_ratio", ClipMetrics::silenceRatio);
        measures.put("spectral_flatness", ClipMetrics::spectralFlatness);
        measures.put("spectral_centroid_hz", ClipMetrics::spectralCentroidHz);
        measures.put("spectral_rolloff_hz", ClipMetrics::spectralRolloffHz);
        measures.put("spectral_entropy", ClipMetrics::spectralEntropy);
        measures.put("energy_entropy", ClipMetrics::energyEntropy);
        measures.put("snr_db", ClipMetrics::snrDb);
        measures.put("tempo_bpm", ClipMetrics::tempoBpm);
        measures.put("key_strength", ClipMetrics::keyStrength);
        return measures;
    }
}
