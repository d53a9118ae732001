package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.config.RetuneConfig;
import dev.retune.data.Dataset;
import dev.retune.data.DatasetOptions;
import dev.retune.data.Track;
import dev.retune.generate.GeneratedAudio;
import dev.retune.generate.Generation;
import dev.retune.generate.GenerationRequest;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.ModelSource;
import dev.retune.generate.SamplerOptions;
import dev.retune.train.StopRequestedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Device;

/**
 * Did an adaptation change the model, and for the better? One call that puts a base and an adapted model side by side:
 * <ol>
 *   <li>both generate the same prompts with the same seeds (set A); the base model generates them again with other
 *       seeds (set B), and so may the adapted model: how far a model's outputs move with the seed alone is the floor
 *       an effect must clear;</li>
 *   <li>held-out fit of both on the target's clips ({@link HeldOutFit}) and on every clip of a general dataset
 *       (forgetting);</li>
 *   <li>every set, and the target's audio, embedded by the base model's codec ({@link CodecEmbeddings}): KAD and FAD
 *       of adapted-A to base-A (the effect), of base-B to base-A (seed noise), and of each A set to the target audio
 *       ({@link SetDistance});</li>
 *   <li>prompt alignment ({@link PromptAlignment}) of both A sets, scored once by the base LM and once by the adapted:
 *       a model scoring its own outputs favours them, so each scorer scores both sets;</li>
 *   <li>verdicts by the rules of {@link EffectVerdicts}.</li>
 * </ol>
 * Generated audio is written to files and kept (with sidecars) for listening; only embeddings and scores are held.
 */
public final class AdapterEffect {

    /** The output folder's subfolders, one per generated set. */
    public static final String BASE_A = "base-a";
    public static final String ADAPTED_A = "adapted-a";
    public static final String BASE_B = "base-b";
    public static final String ADAPTED_B = "adapted-b";

    /**
     * The prompts and how every set generates them (as {@link GenerationRequest} takes them).
     *
     * @param prompts          prompts given directly (null: none)
     * @param promptFile       a prompts file, text or CSV (null: none)
     * @param sampling         how tokens are drawn
     * @param duration         seconds per prompt
     * @param seed             seed set A; set B is {@code seed + 1} (batch b draws with seed + b·2³², so the two sets
     *                         share no draw)
     * @param batchSize        prompts generated together; a prompt's draws depend on its batch, so every set uses it
     * @param format           the files' audio format (null: wav)
     * @param adaptedSeedNoise whether the adapted model generates set B too: a second seed-noise estimate, one more
     *                         generation
     */
    public record Generating(List<String> prompts, Path promptFile, SamplerOptions sampling, double duration, long seed, int batchSize,
                             String format, boolean adaptedSeedNoise) {

        public Generating {
            prompts = prompts == null ? List.of() : List.copyOf(prompts);
        }

        GenerationRequest request(ModelLocation model, RetuneConfig config, long seed, Path folder) {
            return new GenerationRequest(model, config.device().kind(), prompts, promptFile, sampling, seed, duration, null, batchSize,
                    GenerationRequest.Output.folder(folder, format));
        }
    }

    /**
     * @param base       the model before adaptation
     * @param adapted    the adapted model (a run, or a model folder with adapters)
     * @param target     the target domain: its {@code data.dataset}, and the segment length, precision, device and token
     *                   cache every score uses (a run's config.yaml scores as that run validated)
     * @param general    a config whose {@code data.dataset} is a general dataset, to show forgetting; null for none
     * @param generation the prompts and how they are generated
     * @param outDir     where the generated audio goes, one subfolder per set
     */
    public record Request(ModelLocation base, ModelLocation adapted, RetuneConfig target, RetuneConfig general, Generating generation,
                          Path outDir) {

        public Request {
            if (base == null || adapted == null) {
                throw new EvaluationException(Failure.USAGE, "give both a base and an adapted model source");
            }
            if (target == null || generation == null || outDir == null) {
                throw new EvaluationException(Failure.USAGE, "give a target dataset's config, the prompts to generate and an output folder");
            }
        }
    }

    /**
     * @param targetClips the target's clips fitted and used as the target audio (valid: the clips training held out)
     * @param resamples   bootstrap resamples of every interval (at least 100)
     * @param seed        the seed of every bootstrap and of KAD's frame samples
     */
    public record Options(HeldOutFit.Clips targetClips, int resamples, long seed) {

        public static final Options DEFAULT = new Options(HeldOutFit.Clips.VALID, 1000, 0);

        public Options {
            new HeldOutFit.Options(targetClips, resamples, seed); // checked as the fit checks them
        }

        HeldOutFit.Options fit(HeldOutFit.Clips clips) {
            return new HeldOutFit.Options(clips, resamples, seed);
        }

        SetDistance.Options distance() {
            SetDistance.Options defaults = SetDistance.Options.DEFAULT;
            return new SetDistance.Options(resamples, seed, defaults.kadMaxFrames(), defaults.fadInfSteps(), defaults.fadInfMinFrames());
        }
    }

    /** One generated set: which model, which seed, which folder. */
    private record SetToGenerate(String folder, ModelLocation model, long seed) {}

    private AdapterEffect() {}

    /**
     * Runs every step above. What can be checked without a model (the sources differ, the generation settings, the
     * target's clips, the general dataset) is checked first; the prompts file is checked by the first generation
     * before its model loads.
     *
     * @param progress stages done (generations, fits, embeddings, distances, alignment scorings) of all stages
     * @param stop     checked between prompt batches, clips and stages; when set, a {@link StopRequestedException}
     */
    public static EffectResult run(Request request, Options options, ProgressListener progress, AtomicBoolean stop) {
        requireDistinct(request.base(), request.adapted());
        List<GenerationRequest> generations = generations(request);
        List<Path> targetAudio = clipFiles(request.target(), options.targetClips());
        if (request.general() != null) {
            clipFiles(request.general(), HeldOutFit.Clips.ALL); // a general dataset without clips is told before any work
        }
        Stages stages = new Stages(progress, stop, 3 * generations.size() + (request.general() == null ? 1 : 2) + 6);

        List<List<GeneratedAudio>> generated = new ArrayList<>();
        for (GenerationRequest generation : generations) {
            List<GeneratedAudio> files = new ArrayList<>();
            Generation.run(generation, files::add, stages.next(), stop);
            stages.done("generating into " + generation.output().folder());
            generated.add(files);
        }
        FitComparison targetFit = fit(request, request.target(), options.fit(options.targetClips()), stages);
        FitComparison generalFit = request.general() == null ? null
                : fit(request, request.general(), options.fit(HeldOutFit.Clips.ALL), stages);

        Device device = HeldOutFit.device(request.target());
        WithBase withBase = withBase(ModelSource.load(request.base(), device), device, request.target(), generated, targetAudio, options, stages);
        List<EmbeddingSet> sets = withBase.sets();
        Distances distances = new Distances(withBase.codec(), options.distance(), stages);
        SetDistance.Result effect = distances.between(sets.get(1), sets.get(0));
        SetDistance.Result baseNoise = distances.between(sets.get(2), sets.get(0));
        SetDistance.Result adaptedNoise = sets.size() > 3 ? distances.between(sets.get(3), sets.get(1)) : null;
        SetDistance.Result baseToTarget = distances.between(sets.get(0), withBase.target());
        SetDistance.Result adaptedToTarget = distances.between(sets.get(1), withBase.target());
        List<EffectResult.Alignment> alignment = List.of(withBase.alignment(),
                align("adapted", request.target(), ModelSource.load(request.adapted(), device), device, generated, options, stages));

        List<EffectResult.Verdict> verdicts = EffectVerdicts.of(targetFit, generalFit, effect, baseNoise, adaptedNoise, baseToTarget,
                adaptedToTarget, alignment);
        return new EffectResult(targetFit, generalFit, outputs(request.outDir(), generated), effect, baseNoise, adaptedNoise, baseToTarget,
                adaptedToTarget, alignment, verdicts, provenance(request, options, generated, targetFit, generalFit, targetAudio, withBase.codec()));
    }

    /** Base-A and adapted-A with seed set A, base-B (and adapted-B) with seed set B, each into its own folder. */
    private static List<GenerationRequest> generations(Request request) {
        Generating generating = request.generation();
        List<SetToGenerate> sets = new ArrayList<>(List.of(new SetToGenerate(BASE_A, request.base(), generating.seed()),
                new SetToGenerate(ADAPTED_A, request.adapted(), generating.seed()),
                new SetToGenerate(BASE_B, request.base(), generating.seed() + 1)));
        if (generating.adaptedSeedNoise()) {
            sets.add(new SetToGenerate(ADAPTED_B, request.adapted(), generating.seed() + 1));
        }
        return sets.stream()
                .map(set -> generating.request(set.model(), request.target(), set.seed(), request.outDir().resolve(set.folder()))).toList();
    }

    private static FitComparison fit(Request request, RetuneConfig config, HeldOutFit.Options options, Stages stages) {
        FitComparison fit = HeldOutFit.compare(config, List.of(request.base(), request.adapted()), options, stages.next(), stages.stop);
        stages.done("fitting " + config.data().dataset());
        return fit;
    }

    /** What the base model does: its codec embeds every set and the target audio, its LM scores both A sets. */
    private record WithBase(CodecEmbeddings.Provenance codec, List<EmbeddingSet> sets, EmbeddingSet target, EffectResult.Alignment alignment) {}

    /** The base model's work, done in one load; it is unreachable once this returns. */
    private static WithBase withBase(ModelSource base, Device device, RetuneConfig config, List<List<GeneratedAudio>> generated,
                                     List<Path> targetAudio, Options options, Stages stages) {
        CodecEmbeddings codec = new CodecEmbeddings(base.model().audio_encoder);
        List<EmbeddingSet> sets = new ArrayList<>();
        for (List<GeneratedAudio> files : generated) {
            sets.add(codec.embed(files.stream().map(GeneratedAudio::file).toList(), stages.next(), stages.stop));
            stages.done("embedding the generated audio");
        }
        EmbeddingSet target = codec.embed(targetAudio, stages.next(), stages.stop);
        stages.done("embedding the target audio");
        return new WithBase(codec.provenance(), sets, target, align("base", config, base, device, generated, options, stages));
    }

    private static EffectResult.Provenance provenance(Request request, Options options, List<List<GeneratedAudio>> generated,
                                                      FitComparison targetFit, FitComparison generalFit, List<Path> targetAudio,
                                                      CodecEmbeddings.Provenance codec) {
        Generating generating = request.generation();
        return new EffectResult.Provenance(generated.get(0).get(0).sidecar().settings().source(),
                generated.get(1).get(0).sidecar().settings().source(), targetFit.dataset(), options.targetClips().id(), targetAudio.size(),
                generalFit == null ? null : generalFit.dataset(), generated.get(0).size(), generating.seed(), generating.seed() + 1,
                generating.duration(), generating.batchSize(), generating.sampling(), codec, options.resamples(), options.seed());
    }

    /** The same place and the same checkpoint choice is the same model: nothing to compare. */
    private static void requireDistinct(ModelLocation base, ModelLocation adapted) {
        if (normalized(base).equals(normalized(adapted))) {
            throw new EvaluationException(Failure.USAGE, "the adapted source (" + describe(adapted) + ") is the base source (" + describe(base)
                    + "): give the adapted model as a run, or as the base model folder with its adapters");
        }
    }

    private static ModelLocation normalized(ModelLocation location) {
        return new ModelLocation(absolute(location.folder()), location.adapters().stream().map(AdapterEffect::absolute).toList(),
                location.adapterWeights(), absolute(location.run()), location.folder() == null ? location.checkpoint() : null);
    }

    private static Path absolute(Path path) {
        return path == null ? null : path.toAbsolutePath().normalize();
    }

    private static String describe(ModelLocation location) {
        return location.run() != null ? "run " + location.run()
                : "model " + location.folder() + (location.adapters().isEmpty() ? "" : " + adapters " + location.describeAdapters());
    }

    /** The audio files of {@code clips} of {@code config}'s dataset, in the dataset's order. */
    private static List<Path> clipFiles(RetuneConfig config, HeldOutFit.Clips clips) {
        List<Path> files = Dataset.scan(Path.of(config.data().dataset()),
                        new DatasetOptions(config.data().validFraction(), config.data().allowOutsidePaths())).tracks().stream()
                .filter(track -> clips.includes(track.split())).map(Track::path).toList();
        if (files.isEmpty()) {
            throw new EvaluationException(Failure.NO_USABLE_DATA, config.data().dataset() + ": no usable clips in the " + clips.id()
                    + " split to compare with" + (clips == HeldOutFit.Clips.ALL ? "" : "; use another split (train, valid or all)"));
        }
        return files;
    }

    /** Both A sets scored by {@code scorer}'s LM, and the paired gain of adapted over base. */
    private static EffectResult.Alignment align(String role, RetuneConfig config, ModelSource scorer, Device device, List<List<GeneratedAudio>> generated,
                                                Options options, Stages stages) {
        AlignmentResult base = PromptAlignment.score(config, scorer, device, pairs(generated.get(0)), stages.next(), stages.stop);
        stages.done("scoring prompt alignment");
        AlignmentResult adapted = PromptAlignment.score(config, scorer, device, pairs(generated.get(1)), stages.next(), stages.stop);
        stages.done("scoring prompt alignment");
        double[] basePmi = base.clips().stream().mapToDouble(AlignmentResult.Clip::pmi).toArray();
        double[] adaptedPmi = adapted.clips().stream().mapToDouble(AlignmentResult.Clip::pmi).toArray();
        long[] ones = new long[basePmi.length];
        Arrays.fill(ones, 1); // one weight per clip: the gain of the mean over clips, as meanPmi is
        FitResult.Interval interval = basePmi.length < 2 ? null
                : new ClipBootstrap(options.resamples(), options.seed()).difference(basePmi, ones, adaptedPmi, ones);
        return new EffectResult.Alignment(role, base, adapted, adapted.meanPmi() - base.meanPmi(), interval);
    }

    private static List<PromptAlignment.Pair> pairs(List<GeneratedAudio> files) {
        return files.stream().map(audio -> new PromptAlignment.Pair(audio.file(), audio.prompt())).toList();
    }

    private static EffectResult.Outputs outputs(Path outDir, List<List<GeneratedAudio>> generated) {
        List<EffectResult.Clip> clips = new ArrayList<>();
        for (int i = 0; i < generated.get(0).size(); i++) {
            GeneratedAudio baseA = generated.get(0).get(i);
            clips.add(new EffectResult.Clip(baseA.index(), baseA.prompt(), baseA.file().toString(), generated.get(1).get(i).file().toString(),
                    generated.get(2).get(i).file().toString(), generated.size() > 3 ? generated.get(3).get(i).file().toString() : null));
        }
        return new EffectResult.Outputs(outDir.toAbsolutePath().normalize().toString(), clips);
    }

    /** Set distances with one codec, one set of options, each one stage. */
    private record Distances(CodecEmbeddings.Provenance provenance, SetDistance.Options options, Stages stages) {
        SetDistance.Result between(EmbeddingSet a, EmbeddingSet b) {
            SetDistance.Result result = SetDistance.compare(a, b, provenance, options, stages.next(), stages.stop);
            stages.done("comparing the sets");
            return result;
        }
    }

    /** Overall progress: a known count of stages, each reporting its own share; the stop request asked between them. */
    private static final class Stages {
        private final ProgressListener progress;
        private final AtomicBoolean stop;
        private final int total;
        private int done;

        Stages(ProgressListener progress, AtomicBoolean stop, int total) {
            this.progress = progress;
            this.stop = stop;
            this.total = total;
        }

        /** The listener of the next stage. */
        ProgressListener next() {
            int before = done;
            return (part, whole) -> progress.update(before + (whole > 0 ? Math.min(1, part / whole) : 0), total);
        }

        /** Ends a stage; a stop request set during it (which generation only obeys between batches) ends the call. */
        void done(String what) {
            progress.update(++done, total);
            if (stop.get()) {
                throw new StopRequestedException("stopped after " + what + " (" + done + " of " + total + " stages done)");
            }
        }
    }
}
