package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.train.StopRequestedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How far a set of clips (a, the evaluated set: generated clips, an adapted model's outputs) is from a reference set
 * (b: the dataset's held-out audio, the base model's outputs) in the codec's embedding space: FAD and KAD over every
 * frame of every clip, FAD∞, 95% bootstrap intervals over clips, each clip's own FAD and KAD against the reference
 * (to find outliers), warnings where a number cannot be trusted, and the provenance of the embeddings.
 */
public final class SetDistance {

    /**
     * How a comparison is made.
     *
     * @param bootstrap      resamples of the clips for the 95% intervals (0: none)
     * @param seed           seeds every random choice (KAD's frame samples, FAD∞'s subsets, the resamples)
     * @param kadMaxFrames   frames of each set KAD uses at most (its cost grows with their square)
     * @param fadInfSteps    subset sizes FAD∞ is fitted over (0: no FAD∞)
     * @param fadInfMinFrames the smallest subset of FAD∞ (fewer when the set has fewer than twice as many frames)
     */
    public record Options(int bootstrap, long seed, int kadMaxFrames, int fadInfSteps, int fadInfMinFrames) {

        /** fadtk's FAD∞ schedule (25 sizes from 500 frames), 1000 resamples, KAD on at most 5000 frames a set. */
        public static final Options DEFAULT = new Options(1000, 0, 5000, 25, 500);

        public Options {
            check(bootstrap >= 0, "bootstrap resamples must be >= 0, found " + bootstrap);
            check(kadMaxFrames >= 2, "KAD frames must be >= 2, found " + kadMaxFrames);
            check(fadInfSteps == 0 || fadInfSteps >= 2, "FAD-inf steps must be 0 (none) or >= 2, found " + fadInfSteps);
            check(fadInfMinFrames >= 2, "FAD-inf's smallest subset must be >= 2 frames, found " + fadInfMinFrames);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new EvaluationException(Failure.USAGE, message);
            }
        }
    }

    /** A 95% percentile interval. */
    public record Interval(double low, double high) {}

    /**
     * FAD∞'s fit FAD(n) = fad_inf + slope / n over subsets of n frames of the evaluated set.
     *
     * @param slope  the fitted slope (FAD units × frames)
     * @param r2     the fit's coefficient of determination
     * @param frames the subset sizes n
     * @param fad    FAD of each subset against the whole reference
     */
    public record FadInfFit(double slope, double r2, int[] frames, double[] fad) {}

    /**
     * One clip of the evaluated set against the whole reference set.
     *
     * @param name   the clip
     * @param frames its frames
     * @param fad    the FAD of its frames' Gaussian to the reference's (fadtk's per-song FAD); null below 2 frames
     * @param kad    KAD of its frames (those in KAD's sample) to the reference's sample; null below 2 such frames
     */
    public record ClipScore(String name, int frames, Double fad, Double kad) {}

    /**
     * A comparison of set a (evaluated) with set b (reference).
     *
     * @param fad           FAD between all frames of a and all frames of b
     * @param fadCi95       its 95% bootstrap interval over clips; null without resamples or with a one-clip set
     * @param fadInf        FAD∞: the fit's value at n = ∞; null when not computed
     * @param fadInfFit     the fit behind it
     * @param kad           KAD (unscaled unbiased MMD²) between the sets' KAD samples
     * @param kadCi95       its 95% bootstrap interval over clips
     * @param kadBandwidth  σ of KAD's kernel
     * @param kadFramesA    frames of a KAD used
     * @param kadFramesB    frames of b KAD used
     * @param clipsA        clips in a
     * @param clipsB        clips in b
     * @param framesA       frames in a (FAD's samples)
     * @param framesB       frames in b
     * @param bootstrap     resamples behind the intervals
     * @param seed          the seed of every random choice
     * @param perClip       each clip of a against b, in a's order
     * @param warnings      what makes a number here unreliable
     * @param provenance    where the embeddings came from
     */
    public record Result(double fad, Interval fadCi95, Double fadInf, FadInfFit fadInfFit, double kad, Interval kadCi95,
                         double kadBandwidth, int kadFramesA, int kadFramesB, int clipsA, int clipsB, long framesA, long framesB,
                         int bootstrap, long seed, List<ClipScore> perClip, List<String> warnings,
                         CodecEmbeddings.Provenance provenance) {}

    private SetDistance() {}

    /**
     * Compares {@code a} (evaluated) with {@code b} (reference), both embedded by the codec {@code provenance}
     * describes (null for embeddings from elsewhere). Progress is told in steps (FAD∞'s subsets, then the resamples);
     * {@code stop} is asked between them.
     *
     * @throws EvaluationException   when a set has fewer than 2 frames, or the sets' embeddings differ in size
     * @throws StopRequestedException when {@code stop} was set
     */
    public static Result compare(EmbeddingSet a, EmbeddingSet b, CodecEmbeddings.Provenance provenance, Options options,
                                 ProgressListener progress, AtomicBoolean stop) {
        requireComparable(a, b);
        List<String> warnings = new ArrayList<>();
        warnIfSingular("a", a, warnings);
        warnIfSingular("b", b, warnings);
        FrameMoments[] clipsA = clipMoments(a);
        FrameMoments[] clipsB = clipMoments(b);
        FrechetDistance.Gaussian reference = total(clipsB, ones(clipsB.length)).gaussian();
        double fad = FrechetDistance.between(total(clipsA, ones(clipsA.length)).gaussian(), reference);

        KernelAudioDistance.Sample sampleA = KernelAudioDistance.sample(a, options.kadMaxFrames(), options.seed());
        KernelAudioDistance.Sample sampleB = KernelAudioDistance.sample(b, options.kadMaxFrames(), options.seed() + 1);
        KernelAudioDistance kad = new KernelAudioDistance(sampleA, sampleB);

        int steps = options.fadInfSteps() + options.bootstrap();
        Steps done = new Steps(progress, stop, steps);
        FadInfinity.Fit fadInf = options.fadInfSteps() == 0 ? null
                : FadInfinity.fit(a, reference, options.fadInfSteps(), options.fadInfMinFrames(), options.seed(), done::next);

        Interval fadInterval = null;
        Interval kadInterval = null;
        if (options.bootstrap() > 0 && (a.clips().size() < 2 || b.clips().size() < 2)) {
            warnings.add("no bootstrap intervals: a set has a single clip");
        } else if (options.bootstrap() > 0) {
            double[][] resampled = bootstrap(clipsA, clipsB, kad, options, done::next);
            fadInterval = percentile95(resampled[0]);
            kadInterval = percentile95(resampled[1]);
        }
        progress.update(steps, steps);
        return new Result(fad, fadInterval, fadInf == null ? null : fadInf.intercept(),
                fadInf == null ? null : new FadInfFit(fadInf.slope(), fadInf.r2(), fadInf.frames(), fadInf.fad()),
                kad.distance(), kadInterval, kad.bandwidth(), sampleA.frames(), sampleB.frames(), a.clips().size(), b.clips().size(),
                a.frames(), b.frames(), options.bootstrap(), options.seed(), perClip(a, clipsA, reference, kad), List.copyOf(warnings), provenance);
    }

    private static void requireComparable(EmbeddingSet a, EmbeddingSet b) {
        if (a.dimension() != b.dimension()) {
            throw new EvaluationException(Failure.BAD_INPUT, "the sets' embeddings differ in size (" + a.dimension() + " and "
                    + b.dimension() + "): they come from different codecs");
        }
        for (EmbeddingSet set : List.of(a, b)) {
            if (set.frames() < 2) {
                throw new EvaluationException(Failure.BAD_INPUT, "set " + (set == a ? "a" : "b") + " has " + set.frames()
                        + " codec frames; a distance needs at least 2 (" + set.clips().size() + " clips)");
            }
        }
    }

    /** A covariance from fewer samples than dimensions is singular: FAD is then far from its large-sample value. */
    private static void warnIfSingular(String name, EmbeddingSet set, List<String> warnings) {
        if (set.frames() <= set.dimension()) {
            warnings.add("set " + name + " has " + set.frames() + " frames, not more than the embedding dimension " + set.dimension()
                    + ": its covariance is singular and FAD is unreliable (compare with more or longer clips, or read KAD)");
        }
    }

    private static FrameMoments[] clipMoments(EmbeddingSet set) {
        double[] shift = FrameMoments.meanOf(set);
        FrameMoments[] moments = new FrameMoments[set.clips().size()];
        for (int c = 0; c < moments.length; c++) {
            EmbeddingSet.Clip clip = set.clips().get(c);
            moments[c] = FrameMoments.of(clip.values(), clip.frames(), shift);
        }
        return moments;
    }

    private static FrameMoments total(FrameMoments[] clips, int[] weights) {
        FrameMoments total = new FrameMoments(clips[0].shift());
        for (int c = 0; c < clips.length; c++) {
            if (weights[c] > 0) {
                total.add(clips[c], weights[c]);
            }
        }
        return total;
    }

    private static int[] ones(int n) {
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        return ones;
    }

    /** FAD and KAD of {@code options.bootstrap()} resamples: each set's clips drawn with replacement, as many as it has. */
    private static double[][] bootstrap(FrameMoments[] clipsA, FrameMoments[] clipsB, KernelAudioDistance kad, Options options, Runnable step) {
        SplittableRandom random = new SplittableRandom(options.seed() + 2);
        double[] fad = new double[options.bootstrap()];
        double[] kadValues = new double[options.bootstrap()];
        for (int r = 0; r < fad.length; r++) {
            int[] weightsA = draw(clipsA.length, random);
            int[] weightsB = draw(clipsB.length, random);
            FrameMoments a = total(clipsA, weightsA);
            FrameMoments b = total(clipsB, weightsB);
            fad[r] = a.count() < 2 || b.count() < 2 ? Double.NaN : FrechetDistance.between(a.gaussian(), b.gaussian());
            kadValues[r] = kad.distance(weightsA, weightsB);
            step.run();
        }
        return new double[][] {fad, kadValues};
    }

    /** How often each of {@code clips} is drawn in {@code clips} draws with replacement. */
    private static int[] draw(int clips, SplittableRandom random) {
        int[] weights = new int[clips];
        for (int i = 0; i < clips; i++) {
            weights[random.nextInt(clips)]++;
        }
        return weights;
    }

    /** The 2.5th and 97.5th percentiles, interpolated linearly between order statistics (numpy's default); NaNs left out. */
    static Interval percentile95(double[] values) {
        double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (sorted.length == 0) {
            return null;
        }
        return new Interval(percentile(sorted, 2.5), percentile(sorted, 97.5));
    }

    private static double percentile(double[] sorted, double percent) {
        double position = percent / 100 * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    private static List<ClipScore> perClip(EmbeddingSet a, FrameMoments[] clipsA, FrechetDistance.Gaussian reference, KernelAudioDistance kad) {
        List<ClipScore> scores = new ArrayList<>(clipsA.length);
        for (int c = 0; c < clipsA.length; c++) {
            EmbeddingSet.Clip clip = a.clips().get(c);
            Double fad = clipsA[c].count() < 2 ? null : FrechetDistance.between(clipsA[c].gaussian(), reference);
            double clipKad = kad.clipDistance(c);
            scores.add(new ClipScore(clip.name(), clip.frames(), fad, Double.isNaN(clipKad) ? null : clipKad));
        }
        return scores;
    }

    /** Progress over a known count of steps, and the stop request asked after each. */
    private static final class Steps {
        private final ProgressListener progress;
        private final AtomicBoolean stop;
        private final int total;
        private int done;

        Steps(ProgressListener progress, AtomicBoolean stop, int total) {
            this.progress = progress;
            this.stop = stop;
            this.total = total;
        }

        void next() {
            progress.update(++done, total);
            if (stop.get()) {
                throw new StopRequestedException("stopped while comparing the sets (" + done + " of " + total + " steps done)");
            }
        }
    }
}
