package dev.retune.evaluate;

import java.util.List;

/**
 * How much a model's language model ties clips to their prompts: pointwise mutual information between each clip's
 * codec tokens and each distinct prompt, and how well a clip's own prompt is retrieved among all of them.
 *
 * @param source             which model
 * @param seconds            the audio scored per clip: its first {@code data.segment_seconds}
 * @param chanceLevel        R@1 of a model that ignores the text: 1 / the number of distinct prompts
 * @param recallAt1          share of clips whose own prompt has the highest PMI (ties shared, see {@link Clip#rank})
 * @param meanReciprocalRank mean over clips of 1 / rank of the own prompt (ties shared)
 * @param meanPmi            mean over clips of the PMI with the own prompt, nats per token
 * @param clips              per clip, in the order given
 * @param prompts            the distinct prompts, the columns of {@code pmi}
 * @param pmi                [clip][prompt] mean over the clip's valid tokens of ln p(token | prompt) − ln p(token | null
 *                           condition), nats per token
 */
public record AlignmentResult(String source, double seconds, double chanceLevel, double recallAt1, double meanReciprocalRank,
                              double meanPmi, List<Clip> clips, List<String> prompts, List<List<Double>> pmi) {

    /**
     * @param file   the audio file
     * @param prompt its own prompt
     * @param tokens its valid target tokens (all codebooks)
     * @param pmi    PMI with its own prompt, nats per token
     * @param rank   the own prompt's rank by PMI among the distinct prompts, 1 = best; prompts that tie with it share
     *               the places (the expected rank when ties are broken at random)
     */
    public record Clip(String file, String prompt, long tokens, double pmi, double rank) {}

    public AlignmentResult {
        clips = List.copyOf(clips);
        prompts = List.copyOf(prompts);
        pmi = pmi.stream().map(List::copyOf).toList();
    }
}
