package dev.retune.experiment;

import java.util.List;
import java.util.Map;

/**
 * experiment.json: what was asked for and every sample, in {@link ExperimentPlan}'s order. It holds no times or
 * absolute paths, so the same file and seed give the same bytes, whether the experiment ran at once or was resumed.
 *
 * @param experiment    the experiment file's name
 * @param seed          the experiment seed
 * @param samplesPerConfiguration samples per source × parameter set × prompt
 * @param sources       each source's specification
 * @param parameterSets each parameter set, with every default filled in
 * @param promptSets    each prompt set's prompts
 * @param metrics       the measures taken per sample
 * @param samples       every sample
 */
public record ExperimentResult(String experiment, long seed, int samplesPerConfiguration, Map<String, String> sources,
                               Map<String, ExperimentConfig.ParameterSet> parameterSets, Map<String, List<String>> promptSets,
                               List<String> metrics, List<ExperimentSample> samples) {}
