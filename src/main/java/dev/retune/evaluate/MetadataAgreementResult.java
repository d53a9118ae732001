package dev.retune.evaluate;

import java.util.List;

/**
 * How often the tempo and key estimated from clips ({@link ClipMetrics}) agree with what their prompts or dataset rows
 * state ({@link StatedMusic}); see {@link MetadataAgreement} for the rules.
 *
 * @param clipsGiven every clip given, stating something or not
 * @param tempo      agreement of tempos, over the clips that state one
 * @param key        agreement of keys, over the clips that state one
 * @param clips      per clip that states a tempo or a key, in the order given
 */
public record MetadataAgreementResult(int clipsGiven, Agreement tempo, Agreement key, List<Clip> clips) {

    /**
     * @param stating      clips that state it
     * @param estimated    of those, clips the analyzer gave an estimate for
     * @param agreeExact   of those, estimates that agree exactly
     * @param agreeLenient of those, estimates that agree leniently (exact ones included)
     * @param shareExact   agreeExact / stating (a clip without an estimate counts as not agreeing); null when none states it
     * @param shareLenient agreeLenient / stating; null when none states it
     */
    public record Agreement(int stating, int estimated, int agreeExact, int agreeLenient, Double shareExact, Double shareLenient) {}

    /**
     * One clip; a comparison is null when the clip does not state that quantity or the analyzer found none.
     *
     * @param file               the audio file
     * @param statedIn           where the statement was read: "prompt", "sidecar", or the dataset row
     * @param statedBpm          the stated tempo
     * @param estimatedBpm       the analyzer's tempo
     * @param tempoAgreesExact   within ±4% of the stated tempo
     * @param tempoAgreesLenient within ±4% of the stated tempo, its double or its half
     * @param statedKey          the stated key ("A minor", or "Eb" without a mode)
     * @param estimatedKey       the analyzer's key
     * @param keyAgreesExact     same tonic and mode
     * @param keyAgreesLenient   same key, its relative, or a fifth above or below in the same mode
     */
    public record Clip(String file, String statedIn, Double statedBpm, Double estimatedBpm, Boolean tempoAgreesExact,
                       Boolean tempoAgreesLenient, String statedKey, String estimatedKey, Boolean keyAgreesExact,
                       Boolean keyAgreesLenient) {}

    public MetadataAgreementResult {
        clips = List.copyOf(clips);
    }
}
