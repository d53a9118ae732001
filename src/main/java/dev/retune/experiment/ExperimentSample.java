package dev.retune.experiment;

import java.util.Map;

/**
 * One finished sample, as experiment.json lists it.
 *
 * @param id           {@code source/parameter_set/prompt_set/pNNN-sNNN}
 * @param promptIndex  the prompt's place in its prompt set (0-based)
 * @param sample       the sample's index among the samples of its prompt (0-based)
 * @param seed         the seed it was generated with ({@link ExperimentSeeds})
 * @param path         the audio file, relative to the experiment's folder
 * @param seconds      the audio file's length
 * @param sha256       the audio file's SHA-256, in hex
 * @param metrics      the measures taken, by name; null where the clip does not define one
 */
public record ExperimentSample(String id, String source, String parameterSet, String promptSet, int promptIndex, String prompt,
                               int sample, long seed, String path, double seconds, String sha256, Map<String, Double> metrics) {}
