package dev.retune.evaluate;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Reference-free technical measures of one audio file, as {@link ClipAnalyzer} computes them; each component is named
 * as its JSON key. A measure the clip does not define is null: loudness and true peak of digital silence, spectral
 * shape when every frame is silent, tempo when no onsets recur, key when no pitched energy is found. The definitions
 * are in the classes that compute them: {@link dev.retune.data.Loudness}, {@link LevelStatistics}, {@link SpectralFeatures},
 * {@link TempoEstimator}, {@link KeyEstimator}.
 *
 * @param file               the file as given
 * @param seconds            decoded length
 * @param sampleRate         the file's own rate, at which everything but loudness is measured (Hz)
 * @param channels           channels analysed: 1 for a mono file, 2 for anything wider (mixed down by FFmpeg)
 * @param lufs               EBU R128 integrated loudness (LUFS); null when every block falls under the -70 LUFS gate
 * @param truePeakDbtp       EBU R128 true peak (dBTP, 4x oversampled); null when every sample is zero
 * @param clippingRatio      share of samples with |x| &gt;= 0.999
 * @param silenceRatio       share of 50 ms blocks below -60 dBFS
 * @param spectralFlatness   mean per-frame geometric / arithmetic mean of the power spectrum, 0..1
 * @param spectralCentroidHz mean per-frame magnitude-weighted mean frequency (Hz)
 * @param spectralRolloffHz  mean per-frame frequency below which 85% of the magnitude lies (Hz)
 * @param spectralEntropy    mean per-frame Shannon entropy of the power spectrum over ln(bins), 0..1
 * @param energyEntropy      mean entropy of 10 sub-block energies per 50 ms block (bits, 0..3.32)
 * @param snrDb              mean block power over the 10th-percentile block power (dB)
 * @param tempoBpm           estimated tempo, 60..200 BPM
 * @param key                estimated key, e.g. "A minor" or "Eb major"
 * @param keyStrength        correlation of the clip's chroma with that key's profile, -1..1
 */
public record ClipMetrics(
        @JsonProperty("file") String file,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("sample_rate") int sampleRate,
        @JsonProperty("channels") int channels,
        @JsonProperty("lufs") Double lufs,
        @JsonProperty("true_peak_dbtp") Double truePeakDbtp,
        @JsonProperty("clipping_ratio") Double clippingRatio,
        @JsonProperty("silence_ratio") Double silenceRatio,
        @JsonProperty("spectral_flatness") Double spectralFlatness,
        @JsonProperty("spectral_centroid_hz") Double spectralCentroidHz,
        @JsonProperty("spectral_rolloff_hz") Double spectralRolloffHz,
        @JsonProperty("spectral_entropy") Double spectralEntropy,
        @JsonProperty("energy_entropy") Double energyEntropy,
        @JsonProperty("snr_db") Double snrDb,
        @JsonProperty("tempo_bpm") Double tempoBpm,
        @JsonProperty("key") String key,
        @JsonProperty("key_strength") Double keyStrength) {}
