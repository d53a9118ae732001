package dev.retune.experiment;

import dev.retune.config.ConfigException;
import dev.retune.generate.PromptReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every sample an experiment file asks for, in a fixed order: source, parameter set, prompt set, prompt, sample index
 * (each in the file's order). experiment.json lists samples in this order whatever order they were generated in.
 *
 * @param config     the experiment
 * @param promptSets each prompt set's prompts, read from its file where it names one
 */
record ExperimentPlan(ExperimentConfig config, Map<String, List<String>> promptSets) {

    /** A sample to generate: where it comes from, its seed, and its file relative to the experiment's folder. */
    record Item(String source, String parameterSet, String promptSet, int promptIndex, String prompt, int sample, long seed) {

        String id() {
            return String.format(Locale.ROOT, "%s/%s/%s/p%03d-s%03d", source, parameterSet, promptSet, promptIndex, sample);
        }

        String path(String format) {
            return "audio/" + id() + "." + format;
        }
    }

    static ExperimentPlan of(ExperimentConfig config) {
        Map<String, List<String>> promptSets = new LinkedHashMap<>();
        config.promptSets().forEach((name, value) -> promptSets.put(name, prompts(name, value)));
        return new ExperimentPlan(config, Collections.unmodifiableMap(promptSets));
    }

    long size() {
        long prompts = promptSets.values().stream().mapToLong(List::size).sum();
        return (long) config.sources().size() * config.parameterSets().size() * prompts * config.samples();
    }

    /** Hands every item to {@code each}, in the plan's order. */
    void forEach(Consumer<Item> each) {
        for (String source : config.sources().keySet()) {
            config.parameterSets().forEach((parameterSet, parameters) -> promptSets.forEach((promptSet, prompts) -> {
                for (int p = 0; p < prompts.size(); p++) {
                    for (int s = 0; s < config.samples(); s++) {
                        boolean paired = parameters.seedPolicy() == ExperimentConfig.SeedPolicy.PAIRED;
                        long seed = ExperimentSeeds.of(config.seed(), paired ? "" : source, paired ? "" : parameterSet, prompts.get(p), s);
                        each.accept(new Item(source, parameterSet, promptSet, p, prompts.get(p), s, seed));
                    }
                }
            }));
        }
    }

    /** A prompt set's prompts: the list itself, or every prompt of the text or CSV file it names. */
    private static List<String> prompts(String name, Object value) {
        if (value instanceof String file) {
            List<String> prompts = new ArrayList<>();
            try (PromptReader reader = PromptReader.open(List.of(), Path.of(file))) {
                reader.forEachRemaining(prompts::add);
            }
            if (prompts.isEmpty()) {
                throw new ConfigException("prompt_sets." + name + ": " + file + " holds no prompts", "prompt_sets." + name);
            }
            return List.copyOf(prompts);
        }
        return ((List<?>) value).stream().map(String.class::cast).toList();
    }
}
