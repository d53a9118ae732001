package dev.retune.evaluate;

import dev.retune.generate.SamplerOptions;
import java.util.List;

/**
 * What an adaptation changed ({@link AdapterEffect}): how both models fit the target data (and a general dataset),
 * how far apart their outputs for the same prompts and seeds are compared with the seed noise of one model, how far
 * each model's outputs are from the target audio, how strongly each ties its outputs to their prompts, and verdicts
 * read off those numbers by fixed rules.
 *
 * @param targetFit        base and adapted on the target's clips; {@code differences[0]} is adapted − base (negative:
 *                         the adapted model fits the target better)
 * @param generalFit       the same on every clip of the general dataset (positive difference: forgetting); null when
 *                         no general dataset was given
 * @param outputs          the generated files, one row per prompt
 * @param effect           adapted-A (set a) against base-A (set b): how far the adaptation moved the outputs
 * @param baseSeedNoise    base-B (a) against base-A (b): how far the base model's outputs move with the seed alone
 * @param adaptedSeedNoise adapted-B (a) against adapted-A (b); null when not generated
 * @param baseToTarget     base-A (a) against the target's audio (b)
 * @param adaptedToTarget  adapted-A (a) against the target's audio (b)
 * @param alignment        the prompt alignment of base-A and adapted-A, once scored by the base LM, once by the adapted
 * @param verdicts         what the numbers say, one line per aspect, by the rules of {@link EffectVerdicts}
 * @param provenance       what was compared, and how
 */
public record EffectResult(FitComparison targetFit, FitComparison generalFit, Outputs outputs, SetDistance.Result effect,
                           SetDistance.Result baseSeedNoise, SetDistance.Result adaptedSeedNoise, SetDistance.Result baseToTarget,
                           SetDistance.Result adaptedToTarget, List<Alignment> alignment, List<Verdict> verdicts, Provenance provenance) {

    /**
     * The generated audio: every file with its JSON sidecar, kept so that a person can listen.
     *
     * @param folder the output folder (subfolders base-a, adapted-a, base-b and adapted-b)
     * @param clips  one row per prompt, in prompt order
     */
    public record Outputs(String folder, List<Clip> clips) {
        public Outputs {
            clips = List.copyOf(clips);
        }
    }

    /**
     * One prompt's outputs: A files share the seed set A, B files the seed set B.
     *
     * @param adaptedB null when adapted-B was not generated
     */
    public record Clip(long index, String prompt, String baseA, String adaptedA, String baseB, String adaptedB) {}

    /**
     * Both A sets scored for prompt alignment by one scorer's LM: the same scorer for both sets, so that its bias
     * towards its own outputs does not favour either.
     *
     * @param scorer      whose LM scored: base or adapted
     * @param base        base-A's alignment
     * @param adapted     adapted-A's alignment
     * @param pmiGain     adapted's mean PMI − base's, nats per token
     * @param pmiGainCi95 paired bootstrap 95% interval of {@code pmiGain} over prompts (null for a single prompt)
     */
    public record Alignment(String scorer, AlignmentResult base, AlignmentResult adapted, double pmiGain, FitResult.Interval pmiGainCi95) {}

    /**
     * One conclusion.
     *
     * @param aspect  target_fit, general_fit, seed_noise, target_distance or prompt_alignment
     * @param finding the rule's outcome: better, worse or unclear (target_fit, general_fit, prompt_alignment); beyond,
     *                within or unknown (seed_noise); closer, farther or unclear (target_distance)
     * @param text    the finding with its numbers, for a report
     */
    public record Verdict(String aspect, String finding, String text) {}

    /**
     * @param base           the base model's identity
     * @param adapted        the adapted model's identity
     * @param targetDataset  the target dataset folder
     * @param targetSplit    its clips fitted and used as the target audio: valid, train or all
     * @param targetClips    files of the target audio
     * @param generalDataset the general dataset folder (null: none)
     * @param prompts        prompts generated per set
     * @param seedA          seed of set A (both models)
     * @param seedB          seed of set B
     * @param duration       seconds generated per prompt
     * @param batchSize      prompts generated together (the draws of a prompt depend on its batch: the same for every set)
     * @param sampling       how tokens were drawn
     * @param codec          the codec that embedded every set (the base model's)
     * @param resamples      bootstrap resamples of every interval
     * @param bootstrapSeed  the seed of every bootstrap and of KAD's frame samples
     */
    public record Provenance(String base, String adapted, String targetDataset, String targetSplit, int targetClips, String generalDataset,
                             int prompts, long seedA, long seedB, double duration, int batchSize, SamplerOptions sampling,
                             CodecEmbeddings.Provenance codec, int resamples, long bootstrapSeed) {}

    public EffectResult {
        alignment = List.copyOf(alignment);
        verdicts = List.copyOf(verdicts);
    }
}
