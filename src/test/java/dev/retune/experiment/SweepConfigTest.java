package dev.retune.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.Failure;
import dev.retune.RetuneException;
import dev.retune.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep file's strict reading, the variants it expands to, and the run folders' config-delta hashes. */
class SweepConfigTest {

    @TempDir
    Path dir;

    private Path sweep(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve("base.yaml"), "model: {preset: tiny}\ndata: {dataset: data, segment_seconds: 1}\n");
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    @Test
    void sameDeltaInAnotherKeyOrderNamesTheSameFolderAndAnotherValueAnother() throws IOException {
        Sweep a = Sweep.plan(sweep("a.yaml", "base: base.yaml", "out: " + dir.resolve("out"), "seeds: [1]",
                "variants: [{name: v, set: {optim.lr: 0.001, train.max_steps: 4}}]"));
        Sweep b = Sweep.plan(sweep("b.yaml", "base: base.yaml", "out: " + dir.resolve("out"), "seeds: [1]",
                "variants: [{name: v, set: {train.max_steps: 4, optim.lr: 0.001}}]"));
        Sweep c = Sweep.plan(sweep("c.yaml", "base: base.yaml", "out: " + dir.resolve("out"), "seeds: [1]",
                "variants: [{name: v, set: {train.max_steps: 4, optim.lr: 0.002}}]"));

        assertEquals(a.runs().get(0).dir(), b.runs().get(0).dir());
        assertNotEquals(a.runs().get(0).dir(), c.runs().get(0).dir());
        // The hash is of the sorted key=value lines, seed included: a fixed, documented value.
        assertEquals("v-" + SweepRun.hash(new TreeMap<>(Map.of("optim.lr", "0.001", "train.max_steps", "4", "train.seed", "1"))),
                a.runs().get(0).dir().getFileName().toString());
        assertEquals(List.of("optim.lr=0.001", "train.max_steps=4", "train.seed=1"), a.runs().get(0).setArguments());
    }

    @Test
    void eachSeedIsItsOwnRunAndSetsTrainSeed() throws IOException {
        Sweep s = Sweep.plan(sweep("s.yaml", "base: base.yaml", "seeds: [3, 9]", "variants: [{name: v, set: {optim.lr: 0.001}}]"));

        assertEquals(List.of(3L, 9L), s.runs().stream().map(r -> (long) r.config().train().seed()).toList());
        assertNotEquals(s.runs().get(0).dir(), s.runs().get(1).dir());
        assertEquals(Path.of("sweeps", "s"), s.config().out()); // the default folder
    }

    @Test
    void aGridIsTheCartesianProductNamedByItsValues() throws IOException {
        Sweep s = Sweep.plan(sweep("g.yaml", "base: base.yaml", "seeds: [1]",
                "grid: {optim.lr: [0.001, 0.003], adapt.lora.r: [4, 8]}", "set: {adapt.method: lora}"));

        assertEquals(List.of("lr-0.001_r-4", "lr-0.001_r-8", "lr-0.003_r-4", "lr-0.003_r-8"),
                s.runs().stream().map(SweepRun::variant).toList());
        assertEquals(8, s.runs().get(1).config().adapt().lora().r());
        assertEquals(0.003, s.runs().get(3).config().optim().lr());
    }

    @Test
    void aVariantsOwnValueWinsOverTheCommonSet() throws IOException {
        Sweep s = Sweep.plan(sweep("w.yaml", "base: base.yaml", "seeds: [1]", "set: {optim.lr: 0.001}",
                "variants: [{name: a, set: {}}, {name: b, set: {optim.lr: 0.005}}]"));

        assertEquals(0.001, s.runs().get(0).config().optim().lr());
        assertEquals(0.005, s.runs().get(1).config().optim().lr());
    }

    @Test
    void aBadKeyInAVariantFailsAtPlanningNamingTheVariantAndTheKey() throws IOException {
        Path file = sweep("bad.yaml", "base: base.yaml", "seeds: [1]",
                "variants: [{name: fine, set: {optim.lr: 0.001}}, {name: typo, set: {optim.lrr: 0.001}}]");

        ConfigException e = assertThrows(ConfigException.class, () -> Sweep.plan(file));

        assertTrue(e.getMessage().contains("variant 'typo'") && e.getMessage().contains("optim.lrr"), e.getMessage());
        assertEquals(List.of("optim.lrr"), e.keys());
    }

    @Test
    void aBadValueInAVariantFailsNamingTheVariantAndTheKey() throws IOException {
        Path file = sweep("value.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: neg, set: {optim.lr: -1}}]");

        ConfigException e = assertThrows(ConfigException.class, () -> Sweep.plan(file));

        assertTrue(e.getMessage().contains("variant 'neg'") && e.getMessage().contains("optim.lr"), e.getMessage());
    }

    @Test
    void aLayerRangeTheModelLacksFailsAtPlanning() throws IOException {
        Path file = sweep("layers.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: deep, set: {adapt.unfreeze.stages: "
                + "[{name: s, start_step: 0, groups: ['layers[8:22]']}]}}]");

        RetuneException e = assertThrows(RetuneException.class, () -> Sweep.plan(file));

        assertEquals(Failure.BAD_INPUT, e.failure());
        assertTrue(e.getMessage().contains("variant 'deep'") && e.getMessage().contains("layers[8:22]"), e.getMessage());
    }

    @Test
    void unknownAndRepeatedKeysOfTheSweepFileAreNamed() throws IOException {
        assertMessage(sweep("u.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: a, set: {}}]", "parallell: 2"),
                "unknown key 'parallell'");
        assertMessage(sweep("uv.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: a, sett: {}}]"),
                "unknown key 'variants[0].sett'");
        assertMessage(sweep("d.yaml", "base: base.yaml", "seeds: [1]", "seeds: [2]", "variants: [{name: a, set: {}}]"),
                "line 3: the key 'seeds' is given twice");
        assertMessage(sweep("dv.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: a, set: {optim.lr: 1, optim.lr: 2}}]"),
                "the key 'optim.lr' is given twice");
    }

    @Test
    void missingOrContradictoryPartsAreNamed() throws IOException {
        assertMessage(sweep("nb.yaml", "seeds: [1]", "variants: [{name: a, set: {}}]"), "base:");
        assertMessage(sweep("mb.yaml", "base: nothing.yaml", "seeds: [1]", "variants: [{name: a, set: {}}]"), "nothing.yaml is not a config file");
        assertMessage(sweep("ns.yaml", "base: base.yaml", "variants: [{name: a, set: {}}]"), "seeds:");
        assertMessage(sweep("ds.yaml", "base: base.yaml", "seeds: [1, 1]", "variants: [{name: a, set: {}}]"), "each seed once");
        assertMessage(sweep("nv.yaml", "base: base.yaml", "seeds: [1]"), "found neither");
        assertMessage(sweep("bv.yaml", "base: base.yaml", "seeds: [1]", "grid: {optim.lr: [0.1]}", "variants: [{name: a, set: {}}]"),
                "not both");
        assertMessage(sweep("dn.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: a, set: {}}, {name: a, set: {}}]"),
                "variants[1].name: 'a' is already");
        assertMessage(sweep("bn.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: 'a/b', set: {}}]"), "variants[0].name");
        assertMessage(sweep("sd.yaml", "base: base.yaml", "seeds: [1]", "variants: [{name: a, set: {train.seed: 4}}]"),
                "train.seed");
        assertMessage(sweep("eg.yaml", "base: base.yaml", "seeds: [1]", "grid: {optim.lr: []}"), "grid.optim.lr");
        assertMessage(sweep("pl.yaml", "base: base.yaml", "seeds: [1]", "parallel: 0", "variants: [{name: a, set: {}}]"), "parallel");
    }

    @Test
    void aStringThatYamlWouldReadAsANumberKeepsItsQuotes() {
        assertEquals("\"1e-3\"", SweepConfig.valueText(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("1e-3")));
        assertEquals("lora", SweepConfig.valueText(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("lora")));
    }

    @Test
    void meanAndSampleStdOverSeedsLeaveOutMissingFigures() {
        SweepResult.Stat s = SweepResult.Stat.of(java.util.Arrays.asList(1.0, 2.0, 3.0, Double.NaN));

        assertEquals(2.0, s.mean(), 1e-12);
        assertEquals(1.0, s.std(), 1e-12);
        assertEquals(3, s.n());
    }

    private static void assertMessage(Path file, String fragment) {
        SweepException e = assertThrows(SweepException.class, () -> Sweep.plan(file));
        assertEquals(Failure.BAD_INPUT, e.failure());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()) || e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    }
}
