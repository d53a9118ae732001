package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.Failure;
import dev.retune.Json;
import dev.retune.ProgressListener;
import dev.retune.RetuneException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.KernelsConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.SamplerOptions;
import dev.retune.run.RunFolder;
import dev.retune.train.DemoSubset;
import dev.retune.train.StopRequestedException;
import dev.retune.train.TrainRun;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tiny base model against a run trained twenty steps on six demo clips (four train, two valid; all six are the
 * "general" dataset here): four prompts, one second each, seed sets A and B from both models. The numbers are those of
 * the underlying scores, the files stay with their sidecars, the training moves the outputs beyond seed noise, and the
 * verdicts follow their rules.
 */
class AdapterEffectTest {

    private static final List<String> PROMPTS = List.of("chiptune triangle arpeggio", "drum and bass loop with snappy snare",
            "funky bass line", "cinematic strings theme");
    private static final long SEED = 11;

    @TempDir
    static Path dir;

    private static ModelLocation base;
    private static ModelLocation adapted;
    private static RetuneConfig target;
    private static EffectResult result;
    private static final List<double[]> progress = new ArrayList<>();

    @BeforeAll
    static void trainAndCompare() throws Exception {
        Path dataset = DemoSubset.copyTo(dir.resolve("data"));
        Path yaml = Files.writeString(dir.resolve("effect.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, batch_size: 2, cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant, warmup_steps: 0}",
                "train: {cfg_dropout_p: 0.2, seed: 5, max_steps: 20}",
                "eval: {every: 20}",
                "checkpoint: {every: 20}",
                ""));
        Path run = dir.resolve("run");
        new TrainRun(ConfigLoader.load(yaml, List.of()), run)
                .run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, null), new AtomicBoolean());
        target = new RunFolder(run).readConfig();
        base = ModelLocation.folder(dir.resolve("tiny"), List.of());
        adapted = ModelLocation.run(run, null);
        AdapterEffect.Request request = new AdapterEffect.Request(base, adapted, target, target, generating(PROMPTS, null),
                dir.resolve("out"));
        result = AdapterEffect.run(request, new AdapterEffect.Options(HeldOutFit.Clips.VALID, 200, 7),
                (done, total) -> progress.add(new double[] {done, total}),
                new AtomicBoolean());
    }

    @Test
    void theFitsAreHeldOutFitsComparisonsOfTheSameSources() {
        assertEquals(HeldOutFit.compare(target, List.of(base, adapted), new HeldOutFit.Options(HeldOutFit.Clips.VALID, 200, 7),
                ProgressListener.NONE, new AtomicBoolean()), result.targetFit());
        FitComparison general = HeldOutFit.compare(target, List.of(base, adapted), new HeldOutFit.Options(HeldOutFit.Clips.ALL, 200, 7),
                ProgressListener.NONE, new AtomicBoolean());
        assertEquals(general, result.generalFit(), "the general dataset is scored on all its clips");
        assertEquals(2, result.targetFit().clips());
        assertEquals(6, result.generalFit().clips());
        assertTrue(Math.abs(result.targetFit().differences().get(0).loss()) > 1e-3, "six steps move the fit: " + result.targetFit());
    }

    @Test
    void bothModelsGenerateTheSamePromptsAndSeedsAndTheFilesStayWithTheirSidecars() throws Exception {
        List<EffectResult.Clip> clips = result.outputs().clips();
        assertEquals(PROMPTS.size(), clips.size());
        for (int i = 0; i < clips.size(); i++) {
            EffectResult.Clip clip = clips.get(i);
            assertEquals(PROMPTS.get(i), clip.prompt());
            JsonNode baseA = sidecar(clip.baseA(), AdapterEffect.BASE_A);
            JsonNode adaptedA = sidecar(clip.adaptedA(), AdapterEffect.ADAPTED_A);
            JsonNode baseB = sidecar(clip.baseB(), AdapterEffect.BASE_B);
            JsonNode adaptedB = sidecar(clip.adaptedB(), AdapterEffect.ADAPTED_B);
            for (JsonNode sidecar : List.of(baseA, adaptedA, baseB, adaptedB)) {
                assertEquals(PROMPTS.get(i), sidecar.get("prompt").asString());
                assertEquals(1.0, sidecar.get("duration").asDouble());
                assertEquals(2, sidecar.get("batch_size").asInt());
            }
            assertEquals(SEED, baseA.get("seed").asLong());
            assertEquals(SEED, adaptedA.get("seed").asLong());
            assertEquals(SEED + 1, baseB.get("seed").asLong());
            assertEquals(SEED + 1, adaptedB.get("seed").asLong());
            assertEquals(baseA.get("source"), baseB.get("source"));
            assertEquals(adaptedA.get("source"), adaptedB.get("source"));
            assertNotEquals(baseA.get("source"), adaptedA.get("source"));
            assertNotEquals(baseA.get("sha256"), adaptedA.get("sha256"), "the trained model generates other audio");
            assertNotEquals(baseA.get("sha256"), baseB.get("sha256"), "another seed draws other audio");
        }
        assertEquals(PROMPTS.size(), result.provenance().prompts());
        assertEquals(SEED + 1, result.provenance().seedB());
        assertEquals(2, result.provenance().targetClips(), "the valid split's two clips are the target audio");
        assertEquals(64, result.provenance().codec().codecSha256().length());
    }

    @Test
    void theResultIsOneJsonObjectWithSnakeCaseKeys() {
        JsonNode json = JsonMapper.shared().readTree(Json.of(result));
        assertEquals(List.of("target_fit", "general_fit", "outputs", "effect", "base_seed_noise", "adapted_seed_noise", "base_to_target",
                "adapted_to_target", "alignment", "verdicts", "provenance"), List.copyOf(json.propertyNames()));
        assertEquals(result.effect().kad(), json.get("effect").get("kad").asDouble());
        assertEquals(result.outputs().clips().get(0).adaptedB(), json.get("outputs").get("clips").get(0).get("adapted_b").asString());
        assertEquals(SEED + 1, json.get("provenance").get("seed_b").asLong());
    }

    @Test
    void progressRisesThroughEveryStageToTheEnd() {
        // 4 generations, 2 fits, 5 embeddings (4 sets and the target), 5 distances, 4 alignment scorings.
        double[] last = progress.get(progress.size() - 1);
        assertEquals(20, last[1]);
        assertEquals(20, last[0]);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i)[0] >= progress.get(i - 1)[0], "progress fell at update " + i);
        }
    }

    @Test
    void theTrainedModelMovesTheOutputsBeyondSeedNoise() {
        SetDistance.Result effect = result.effect();
        assertEquals(PROMPTS.size(), effect.clipsA());
        assertTrue(effect.perClip().get(0).name().contains(AdapterEffect.ADAPTED_A), "set a is adapted-A: " + effect.perClip().get(0));
        assertTrue(result.baseSeedNoise().perClip().get(0).name().contains(AdapterEffect.BASE_B));
        assertTrue(result.adaptedSeedNoise().perClip().get(0).name().contains(AdapterEffect.ADAPTED_B));
        assertEquals(2, result.baseToTarget().clipsB());
        assertTrue(effect.kad() > result.baseSeedNoise().kad() && effect.kad() > result.adaptedSeedNoise().kad(),
                "effect " + effect.kad() + " vs seed noise " + result.baseSeedNoise().kad() + ", " + result.adaptedSeedNoise().kad());
        assertEquals("beyond", verdict("seed_noise").finding(), verdict("seed_noise").text());
    }

    @Test
    void theVerdictsFollowTheirRulesFromTheNumbers() {
        assertEquals(List.of("target_fit", "general_fit", "seed_noise", "target_distance", "prompt_alignment"),
                result.verdicts().stream().map(EffectResult.Verdict::aspect).toList());
        FitResult.Interval fit = result.targetFit().differences().get(0).interval();
        assertEquals(fit.high() < 0 ? "better" : fit.low() > 0 ? "worse" : "unclear", verdict("target_fit").finding());
        FitResult.Interval general = result.generalFit().differences().get(0).interval();
        assertEquals(general.high() < 0 ? "better" : general.low() > 0 ? "worse" : "unclear", verdict("general_fit").finding());
        double noiseHigh = Math.max(result.baseSeedNoise().kadCi95().high(), result.adaptedSeedNoise().kadCi95().high());
        assertEquals(result.effect().kadCi95().low() > noiseHigh ? "beyond" : "within", verdict("seed_noise").finding());
        SetDistance.Interval from = result.baseToTarget().kadCi95();
        SetDistance.Interval to = result.adaptedToTarget().kadCi95();
        assertEquals(to.high() < from.low() ? "closer" : to.low() > from.high() ? "farther" : "unclear", verdict("target_distance").finding());
        assertTrue(verdict("target_fit").text().contains(String.format(Locale.ROOT, "%+.3f nats/token",
                result.targetFit().differences().get(0).loss())), verdict("target_fit").text());

        List<EffectResult.Alignment> alignment = result.alignment();
        assertEquals(List.of("base", "adapted"), alignment.stream().map(EffectResult.Alignment::scorer).toList());
        for (EffectResult.Alignment scored : alignment) {
            assertEquals(scored.adapted().meanPmi() - scored.base().meanPmi(), scored.pmiGain(), 1e-15);
            assertTrue(scored.pmiGainCi95().low() <= scored.pmiGain() && scored.pmiGain() <= scored.pmiGainCi95().high(), scored.toString());
        }
        boolean above = alignment.stream().allMatch(a -> a.pmiGainCi95().low() > 0);
        boolean below = alignment.stream().allMatch(a -> a.pmiGainCi95().high() < 0);
        assertEquals(above ? "better" : below ? "worse" : "unclear", verdict("prompt_alignment").finding());
    }

    @Test
    void eachScorerScoresBothSetsAsPromptAlignmentDoes() {
        List<PromptAlignment.Pair> adaptedA = result.outputs().clips().stream()
                .map(c -> new PromptAlignment.Pair(Path.of(c.adaptedA()), c.prompt())).toList();
        AlignmentResult byBase = PromptAlignment.score(target, base, adaptedA, ProgressListener.NONE, new AtomicBoolean());
        assertEquals(byBase, result.alignment().get(0).adapted(), "adapted-A scored by the base LM");
        assertNotEquals(result.alignment().get(0).adapted().meanPmi(), result.alignment().get(1).adapted().meanPmi(),
                "the adapted LM scores the same clips otherwise");
    }

    @Test
    void aStopRequestEndsTheCallBeforeTheNextSet() {
        AtomicBoolean stop = new AtomicBoolean();
        Path out = dir.resolve("stopped");
        AdapterEffect.Request stopped = new AdapterEffect.Request(base, adapted, target, null, generating(PROMPTS, null), out);

        StopRequestedException e = assertThrows(StopRequestedException.class,
                () -> AdapterEffect.run(stopped, AdapterEffect.Options.DEFAULT, (done, total) -> stop.set(true), stop));

        assertEquals(Failure.INTERRUPTED, e.failure());
        assertTrue(e.getMessage().contains("stopped after generating into " + out.resolve(AdapterEffect.BASE_A)), e.getMessage());
        assertFalse(Files.exists(out.resolve(AdapterEffect.BASE_A).resolve("gen-000.wav")), "no batch started after the stop");
        assertFalse(Files.exists(out.resolve(AdapterEffect.ADAPTED_A)), "no later set was generated");
    }

    @Test
    void badInputIsNamedBeforeAnyModelLoads() throws Exception {
        Path out = dir.resolve("bad");
        ModelLocation sameBase = ModelLocation.folder(dir.resolve("run/../tiny"), List.of());
        RetuneException same = assertThrows(EvaluationException.class, () -> run(new AdapterEffect.Request(base, sameBase, target, null,
                generating(PROMPTS, null), out)));
        assertEquals(Failure.USAGE, same.failure());
        assertTrue(same.getMessage().startsWith("the adapted source (model " + sameBase.folder() + ") is the base source (model "
                + base.folder() + ")"), same.getMessage());

        RetuneException none = assertThrows(RetuneException.class, () -> run(new AdapterEffect.Request(base, adapted, target, null,
                generating(List.of(), null), out)));
        assertEquals(Failure.USAGE, none.failure());
        assertTrue(none.getMessage().contains("give at least one --prompt or a --prompts file"), none.getMessage());

        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n  \n");
        RetuneException blank = assertThrows(RetuneException.class, () -> run(new AdapterEffect.Request(base, adapted, target, null,
                generating(List.of(), empty), out)));
        assertTrue(blank.getMessage().contains(empty + " holds no prompts"), blank.getMessage());

        Path missing = dir.resolve("missing.txt");
        RetuneException absent = assertThrows(RetuneException.class, () -> run(new AdapterEffect.Request(base, adapted, target, null,
                generating(List.of(), missing), out)));
        assertTrue(absent.getMessage().contains("no such file: " + missing), absent.getMessage());

        RetuneConfig noData = ConfigLoader.load(Files.writeString(dir.resolve("nodata.yaml"), ConfigLoader.toYaml(target)),
                List.of("data.dataset=" + dir.resolve("nowhere")));
        RetuneException general = assertThrows(RetuneException.class, () -> run(new AdapterEffect.Request(base, adapted, target, noData,
                generating(PROMPTS, null), out)));
        assertTrue(general.getMessage().contains("dataset folder not found: " + dir.resolve("nowhere")), general.getMessage());

        assertEquals("give both a base and an adapted model source", assertThrows(EvaluationException.class,
                () -> new AdapterEffect.Request(base, null, target, null, generating(PROMPTS, null), out)).getMessage());
        EvaluationException resamples = assertThrows(EvaluationException.class, () -> new AdapterEffect.Options(HeldOutFit.Clips.VALID, 10, 0));
        assertTrue(resamples.getMessage().startsWith("resamples: expected at least 100"), resamples.getMessage());
        assertFalse(Files.exists(out.resolve(AdapterEffect.BASE_A).resolve("gen-000.wav")), "nothing was generated");
    }

    private static AdapterEffect.Generating generating(List<String> prompts, Path promptFile) {
        return new AdapterEffect.Generating(prompts, promptFile, new SamplerOptions(1.0, 0, 0.0, 3.0, KernelsConfig.Mode.AUTO), 1.0,
                SEED, 2, null, true);
    }

    private static EffectResult run(AdapterEffect.Request request) {
        return AdapterEffect.run(request, AdapterEffect.Options.DEFAULT, ProgressListener.NONE, new AtomicBoolean());
    }

    private static EffectResult.Verdict verdict(String aspect) {
        return result.verdicts().stream().filter(v -> v.aspect().equals(aspect)).findFirst().orElseThrow();
    }

    private static JsonNode sidecar(String file, String folder) throws Exception {
        Path audio = Path.of(file);
        assertEquals(dir.resolve("out").resolve(folder), audio.getParent());
        assertTrue(Files.size(audio) > 0, file);
        return JsonMapper.shared().readTree(Files.readString(audio.resolveSibling(audio.getFileName() + ".json")));
    }
}
