package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.data.Track;
import dev.retune.train.StopRequestedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Metadata agreement: where a prompt or a dataset row states a tempo or a key, whether the clip's estimate
 * ({@link ClipAnalyzer}'s {@code tempo_bpm} and {@code key}) agrees, per clip and as shares.
 *
 * <p>Tempo agrees exactly when the estimate is within ±{@link #TEMPO_TOLERANCE} (4%) of the stated tempo, and
 * leniently when it is within 4% of the stated tempo, its double or its half (the octave errors every beat tracker
 * makes: a 70 BPM groove tapped at 140). A key agrees exactly when tonic and mode are the same (a key stated without
 * its mode: the tonic), and leniently when the estimate is also the relative key or a fifth away in the same mode
 * (C major against A minor, G major or F major): the confusions of chroma-profile estimators, which see nearly the same
 * notes in those keys. Shares are over the clips that state the quantity; a clip the analyzer gives no estimate for
 * (no recurring onsets, no pitched energy) counts as not agreeing.
 */
public final class MetadataAgreement {

    /** Relative deviation of an estimated tempo from the stated one (or its double or half) that still agrees. */
    public static final double TEMPO_TOLERANCE = 0.04;

    /**
     * An audio file and what is stated about it.
     *
     * @param statedIn where the statement was read, for the report
     */
    public record Clip(Path audio, String statedIn, StatedMusic stated) {

        public Clip {
            if (audio == null || stated == null) {
                throw new EvaluationException(Failure.USAGE, "every clip needs a file and what is stated about it");
            }
        }

        /** A clip with the tempo and key its prompt states. */
        public static Clip fromPrompt(Path audio, String prompt) {
            return new Clip(audio, "prompt", StatedMusic.fromText(prompt));
        }

        /** A generated file with what the prompt in its sidecar ({@code FILE.json}) states. */
        public static Clip fromSidecar(Path audio) {
            return new Clip(audio, "sidecar", StatedMusic.fromText(PromptAlignment.Pair.fromSidecar(audio).prompt()));
        }

        /**
         * A dataset row: its tempo and key columns ({@link StatedMusic#fromColumns}), and for what they leave out, its
         * description.
         *
         * @param csv the dataset's metadata.csv, for naming the row
         */
        public static Clip fromTrack(Track track, Path csv) {
            String where = csv + " line " + track.line();
            StatedMusic stated = StatedMusic.fromColumns(track.metadata(), where).orElse(StatedMusic.fromText(track.description()));
            return new Clip(track.path(), where, stated);
        }
    }

    private MetadataAgreement() {}

    /** Analyzes each clip that states something ({@link ClipAnalyzer#analyze}) and compares. */
    public static MetadataAgreementResult score(List<Clip> clips, ProgressListener progress, AtomicBoolean stop) {
        return score(clips, ClipAnalyzer::analyze, progress, stop);
    }

    /**
     * Compares each clip that states something with its measures; clips that state nothing are counted and skipped
     * (not measured).
     *
     * @param metrics  the measures of a file: {@link ClipAnalyzer#analyze}, or measures already made
     * @param progress clips done, of all given
     * @param stop     checked before each clip; when set, a {@link StopRequestedException} (a share over the clips
     *                 done so far would pass for the whole set's)
     */
    public static MetadataAgreementResult score(List<Clip> clips, Function<Path, ClipMetrics> metrics, ProgressListener progress,
                                                AtomicBoolean stop) {
        Tally tempo = new Tally();
        Tally key = new Tally();
        List<MetadataAgreementResult.Clip> compared = new ArrayList<>();
        progress.update(0, clips.size());
        int done = 0;
        for (Clip clip : clips) {
            if (stop.get()) {
                throw new StopRequestedException("stopped while comparing stated tempos and keys, after " + done + " of " + clips.size() + " clips");
            }
            if (clip.stated().statesSomething()) {
                MetadataAgreementResult.Clip result = compare(clip, metrics.apply(clip.audio()));
                tempo.add(result.statedBpm(), result.estimatedBpm(), result.tempoAgreesExact(), result.tempoAgreesLenient());
                key.add(result.statedKey(), result.estimatedKey(), result.keyAgreesExact(), result.keyAgreesLenient());
                compared.add(result);
            }
            progress.update(++done, clips.size());
        }
        return new MetadataAgreementResult(clips.size(), tempo.agreement(), key.agreement(), compared);
    }

    /** One clip's statement against its measures. */
    public static MetadataAgreementResult.Clip compare(Clip clip, ClipMetrics metrics) {
        StatedMusic stated = clip.stated();
        Double bpm = stated.bpm() == null ? null : metrics.tempoBpm();
        Boolean tempoExact = bpm == null ? null : tempoAgrees(stated.bpm(), bpm);
        Boolean tempoLenient = bpm == null ? null : tempoAgrees(stated.bpm(), bpm) || tempoAgrees(2 * stated.bpm(), bpm)
                || tempoAgrees(stated.bpm() / 2, bpm);
        MusicalKey statedKey = stated.key() == null ? null : StatedMusic.parseKey(stated.key());
        MusicalKey estimated = statedKey == null || metrics.key() == null ? null : StatedMusic.parseKey(metrics.key());
        if (estimated != null && estimated.major() == null) {
            estimated = null; // the analyzer always names a mode; measures from elsewhere may not
        }
        return new MetadataAgreementResult.Clip(clip.audio().toString(), clip.statedIn(), stated.bpm(), bpm, tempoExact, tempoLenient,
                stated.key(), estimated == null ? null : metrics.key(),
                estimated == null ? null : statedKey.agreesExactly(estimated),
                estimated == null ? null : statedKey.agreesLeniently(estimated));
    }

    private static boolean tempoAgrees(double stated, double estimated) {
        return Math.abs(estimated - stated) <= TEMPO_TOLERANCE * stated;
    }

    /** Counts for one quantity over the clips that state it. */
    private static final class Tally {
        private int stating;
        private int estimated;
        private int exact;
        private int lenient;

        void add(Object stated, Object estimate, Boolean agreesExact, Boolean agreesLenient) {
            if (stated == null) {
                return;
            }
            stating++;
            if (estimate != null) {
                estimated++;
                exact += agreesExact ? 1 : 0;
                lenient += agreesLenient ? 1 : 0;
            }
        }

        MetadataAgreementResult.Agreement agreement() {
            return new MetadataAgreementResult.Agreement(stating, estimated, exact, lenient,
                    stating == 0 ? null : (double) exact / stating, stating == 0 ? null : (double) lenient / stating);
        }
    }
}
