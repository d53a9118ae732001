package dev.retune.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Experiment files are read as strictly as training configs: each mistake names the file, the line and the key. */
class ExperimentConfigTest {

    private static final String VALID = String.join("\n",
            "seed: 3",
            "samples: 2",
            "sources: {base: models/tiny}",
            "prompt_sets:",
            "  calm: [soft piano, warm pad]",
            "parameter_sets:",
            "  baseline: {duration: 1, temperature: 1.0, cfg: 3.0}",
            "  paired: {seed_policy: paired}",
            "");

    @TempDir
    Path dir;

    @Test
    void aValidFileTakesGenerateDefaultsForWhatItLeavesOut() throws Exception {
        ExperimentConfig config = ExperimentConfig.load(Files.writeString(dir.resolve("calm.yaml"), VALID));

        ExperimentConfig.ParameterSet paired = config.parameterSets().get("paired");
        assertEquals(List.of(10.0, 1.0, 250, 0.0, 3.0), List.of(paired.duration(), paired.temperature(), paired.topK(), paired.topP(), paired.cfg()));
        assertEquals(ExperimentConfig.SeedPolicy.PAIRED, paired.seedPolicy());
        assertEquals(ExperimentConfig.SeedPolicy.INDEPENDENT, config.parameterSets().get("baseline").seedPolicy());
        assertEquals(ExperimentMetrics.NAMES, config.metrics());
        assertEquals("wav", config.format());
        assertEquals(Path.of("experiments", "calm"), config.outFolder(dir.resolve("calm.yaml")));
        assertEquals(List.of("baseline", "paired"), List.copyOf(config.parameterSets().keySet()), "the file's order");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown top-level key      | 'samples: 2'                        | 'sample: 2'                          | 'line 2'  | sample
            unknown parameter key      | '{duration: 1, temperature: 1.0'    | '{duration: 1, temprature: 1.0'      | 'line 7'  | temprature
            duplicate key              | 'seed: 3'                           | 'seed: 3\\nseed: 4'                  | 'lines 1 and 2' | seed
            no samples                 | 'samples: 2'                        | 'samples: 0'                         | 'line 2'  | samples
            negative temperature       | 'temperature: 1.0'                  | 'temperature: -1.0'                  | 'line 7'  | parameter_sets.baseline.temperature
            top_p above one            | 'cfg: 3.0}'                         | 'cfg: 3.0, top_p: 1.5}'              | 'line 7'  | parameter_sets.baseline.top_p
            zero guidance              | 'cfg: 3.0}'                         | 'cfg: 0}'                            | 'line 7'  | parameter_sets.baseline.cfg
            duration too long          | 'duration: 1,'                      | 'duration: 601,'                     | 'line 7'  | parameter_sets.baseline.duration
            unknown seed policy        | 'seed_policy: paired'               | 'seed_policy: shared'                | 'line 8'  | seed_policy
            empty prompt set           | '[soft piano, warm pad]'            | '[]'                                 | 'line 5'  | prompt_sets.calm
            blank prompt               | '[soft piano, warm pad]'            | '[soft piano, '' '']'                | 'line 5'  | prompt_sets.calm[1]
            no sources                 | 'sources: {base: models/tiny}'      | 'sources: {}'                        | 'line 3'  | sources
            misspelt section           | 'prompt_sets:'                      | 'prompt_set:'                        | 'line 4'  | prompt_set
            name with a slash          | 'calm:'                             | 'calm/x:'                            | 'line 5'  | prompt_sets.calm/x
            unknown measure            | 'seed: 3'                           | 'seed: 3\\nmetrics: [lufs, loudness]' | 'line 2' | loudness
            unknown format             | 'seed: 3'                           | 'seed: 3\\nformat: aiff'             | 'line 2'  | format
            blend and mix together     | 'cfg: 3.0}'                         | 'cfg: 3.0, blend: "m:0.5", mix: "m:0.5"}' | 'line 7' | parameter_sets.baseline.blend
            """)
    void aMistakeIsAConfigExceptionNamingTheLineAndTheKey(String what, String valid, String wrong, String line, String key) throws Exception {
        String text = VALID.replace(valid, wrong.replace("\\n", "\n"));
        assertTrue(!text.equals(VALID), what + ": the row changes nothing");
        Path file = Files.writeString(dir.resolve("bad.yaml"), text);

        ConfigException e = assertThrows(ConfigException.class, () -> ExperimentConfig.load(file), what);

        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(line), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void theShippedEmotionsExperimentIsTheChallenge() {
        ExperimentConfig emotions = ExperimentConfig.load(Path.of("configs/experiments/emotions.yaml"));

        assertEquals(List.of("joy", "sadness", "anger", "fear", "serenity"), List.copyOf(emotions.promptSets().keySet()));
        emotions.promptSets().values().forEach(prompts -> assertEquals(4, ((List<?>) prompts).size()));
        Map<String, List<Double>> expected = new LinkedHashMap<>();
        expected.put("baseline", List.of(1.0, 3.0));
        expected.put("high_temp", List.of(1.5, 3.0));
        expected.put("low_temp", List.of(0.5, 3.0));
        expected.put("high_guidance", List.of(1.0, 7.0));
        expected.put("low_guidance", List.of(1.0, 1.5));
        Map<String, List<Double>> found = new LinkedHashMap<>();
        emotions.parameterSets().forEach((name, p) -> found.put(name, List.of(p.temperature(), p.cfg())));
        assertEquals(expected, found);
        emotions.parameterSets().values().forEach(p -> assertEquals(10.0, p.duration()));
        assertEquals(2 * 4 * 5 * 5, ExperimentPlan.of(emotions).size());
        assertEquals(48, ExperimentPlan.of(ExperimentConfig.load(Path.of("configs/experiments/base-vs-demo.yaml"))).size());
    }

    @Test
    void aPairedParameterSetSeedsTheSamePromptAndIndexAlikeInEverySourceAndAnIndependentOneDoesNot() throws Exception {
        ExperimentConfig config = ExperimentConfig.load(Files.writeString(dir.resolve("two.yaml"),
                VALID.replace("sources: {base: models/tiny}", "sources: {base: models/tiny, demo: runs/demo}")));
        Map<String, Long> seeds = new LinkedHashMap<>();
        ExperimentPlan.of(config).forEach(item -> seeds.put(item.id(), item.seed()));

        assertEquals(2 * 2 * 2 * 2, seeds.size());
        assertEquals(seeds.get("base/paired/calm/p001-s001"), seeds.get("demo/paired/calm/p001-s001"));
        assertEquals(ExperimentSeeds.of(3, "", "", "warm pad", 1), seeds.get("demo/paired/calm/p001-s001"));
        assertEquals(ExperimentSeeds.of(3, "demo", "baseline", "warm pad", 1), seeds.get("demo/baseline/calm/p001-s001"));
        assertNotEquals(seeds.get("base/baseline/calm/p001-s001"), seeds.get("demo/baseline/calm/p001-s001"));
        assertEquals(16, new HashSet<>(seeds.values()).size() + 4, "only the 4 paired seeds of the second source repeat");
    }

    @Test
    void theShippedAdapterWeightExperimentBlendsTheDemoRunFromZeroToOne() {
        ExperimentConfig sweep = ExperimentConfig.load(Path.of("configs/experiments/adapter-weight.yaml"));

        Map<String, String> blends = new LinkedHashMap<>();
        sweep.parameterSets().forEach((name, p) -> blends.put(name, p.blend()));
        assertEquals(List.of("runs/demo@best:0", "runs/demo@best:0.25", "runs/demo@best:0.5", "runs/demo@best:0.75", "runs/demo@best:1"),
                List.copyOf(blends.values()));
        sweep.parameterSets().values().forEach(p -> assertEquals(ExperimentConfig.SeedPolicy.PAIRED, p.seedPolicy(), "one seed per point"));
        assertEquals(20, ExperimentPlan.of(sweep).size());
    }

    @Test
    void aBlendOrMixThatNamesNoSourceIsNamedByItsKeyBeforeAnySampleIsMade() throws Exception {
        ExperimentConfig config = ExperimentConfig.load(Files.writeString(dir.resolve("blend.yaml"),
                VALID.replace("{seed_policy: paired}", "{seed_policy: paired, blend: \"" + dir.resolve("nothing") + ":0.5\"}")));
        ExperimentConfig mixed = ExperimentConfig.load(Files.writeString(dir.resolve("mix.yaml"),
                VALID.replace("{seed_policy: paired}", "{seed_policy: paired, mix: \"" + dir.resolve("nothing") + ":2\"}")));

        ConfigException blend = assertThrows(ConfigException.class, () -> config.parameterSets().get("paired").blends("paired"));
        ConfigException mix = assertThrows(ConfigException.class, () -> mixed.parameterSets().get("paired").mixed("paired"));

        assertTrue(blend.getMessage().startsWith("parameter_sets.paired.blend " + dir.resolve("nothing") + ":0.5: "), blend.getMessage());
        assertTrue(blend.getMessage().contains("neither a model folder"), blend.getMessage());
        assertTrue(mix.getMessage().contains("the weight must lie in [0, 1], found 2.0"), mix.getMessage());
    }

    @Test
    void aSectionLeftOutIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("short.yaml"), VALID.replace("sources: {base: models/tiny}\n", ""));

        ConfigException e = assertThrows(ConfigException.class, () -> ExperimentConfig.load(file));

        assertEquals(file + ": sources is missing; give at least one named entry", e.getMessage());
    }

    @Test
    void aSourceThatIsNeitherAModelNorARunIsNamedByItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> ExperimentSource.parse("demo", dir.resolve("nothing").toString()));

        assertTrue(e.getMessage().startsWith("sources.demo: "), e.getMessage());
        assertTrue(e.getMessage().contains("neither a model folder"), e.getMessage());
    }

    @Test
    void studentTQuantilesMatchScipy() {
        // scipy.stats.t.ppf(0.975, df) for df = 5, 40, 100
        assertEquals(2.5705818356363146, AnalysisStatistics.t975(5), 1e-6);
        assertEquals(2.021075390306273, AnalysisStatistics.t975(40), 1e-7);
        assertEquals(1.9839715185235518, AnalysisStatistics.t975(100), 1e-7);
        AnalysisStatistics s = AnalysisStatistics.of(new double[] {1, 2, 3, 4, 5, 6});
        assertEquals(3.5, s.mean(), 1e-12);
        assertEquals(Math.sqrt(3.5), s.std(), 1e-12);
        assertEquals(3.5 - 2.5705818356363146 * Math.sqrt(3.5 / 6), s.low(), 1e-6);
    }
}
