package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole model against transformers, through the same code as {@code retune model verify}: every tensor of the
 * fixture's reference file within 1e-4 (fp32, CPU), integer tensors (codes, delay patterns) exact.
 */
class ModelParityTest {

    private static ModelFolder.Loaded loaded;

    @BeforeAll
    static void load() {
        loaded = ModelFolder.load(Fixtures.tinyRef(), ScalarType.Float, new Device("cpu"));
    }

    @Test
    void everyReferenceTensorMatches() {
        ModelVerifier.Report report;
        try (TensorSource reference = Safetensors.open(Fixtures.tinyRef().resolve("reference.safetensors"))) {
            report = new ModelVerifier(loaded.model(), 1e-4).verify(reference);
        }
        String table = report.checks().stream()
                .map(c -> String.format("%-28s %-20s %s %.3g %s", c.tensor(), c.stage(), c.exact() ? "exact" : "float", c.maxAbsError(), c.passed() ? "ok" : "FAIL"))
                .collect(Collectors.joining("\n"));
        assertTrue(report.passed(), table + "\nunchecked: " + report.unchecked());
        // 23 tensors, of which 8 are only inputs (text ids and mask, audio, decoder ids, labels, the delay inputs).
        assertEquals(23 - 8, report.checks().size(), "every output tensor of the fixture is compared:\n" + table);
    }

    @Test
    void savedFolderHasTheTensorNamesShapesAndDtypesTransformersWrote(@TempDir Path dir) {
        ModelFolder.save(loaded.model(), dir, ScalarType.Float, null);

        try (Safetensors original = Safetensors.open(Fixtures.tinyRef().resolve("model.safetensors"));
             Safetensors written = Safetensors.open(dir.resolve("model.safetensors"))) {
            assertEquals(original.names(), written.names());
            for (String name : original.names()) {
                assertArrayEquals(original.info(name).shape(), written.info(name).shape(), name);
                assertEquals(original.info(name).dtype(), written.info(name).dtype(), name);
            }
            assertEquals("pt", written.metadata().get("format"));
        }
        // And it still computes what transformers computes.
        ModelFolder.Loaded reloaded = ModelFolder.load(dir, ScalarType.Float, new Device("cpu"));
        try (TensorSource reference = Safetensors.open(Fixtures.tinyRef().resolve("reference.safetensors"))) {
            assertTrue(new ModelVerifier(reloaded.model(), 1e-4).verify(reference).passed());
        }
    }

    @Test
    void loadsInBfloat16AndStillTracksTheReference() {
        ModelFolder.Loaded bf16 = ModelFolder.load(Fixtures.tinyRef(), ScalarType.BFloat16, new Device("cpu"));
        ModelVerifier.Report report;
        try (TensorSource reference = Safetensors.open(Fixtures.tinyRef().resolve("reference.safetensors"))) {
            report = new ModelVerifier(bf16.model(), 0.1).verify(reference);
        }

        assertEquals(ScalarType.BFloat16, bf16.model().decoder.lm_heads.get(0).weight.scalar_type().intern());
        ModelVerifier.Check logits = report.checks().stream().filter(c -> c.tensor().equals("logits")).findFirst().orElseThrow();
        assertTrue(logits.passed() && logits.maxAbsError() > 0, "bf16 logits error " + logits.maxAbsError());
        assertTrue(report.checks().stream().filter(c -> c.tensor().equals("audio_codes")).allMatch(c -> c.maxAbsError() < 256));
    }

    @Test
    void theSummaryCountsTheLoadedModelsParametersAndExplainsEveryOtherStoredValue() {
        ModelSummary summary = ModelSummary.read(Fixtures.tinyRef());

        assertEquals(loaded.model().parameterCount(""), summary.parameters());
        assertEquals(1_194_777, summary.parameters());
        // positions [256, 64]; 4 quantizers × (inited, cluster_size [256], embed_avg [256, 16]); one weight-norm
        // magnitude per output channel of each codec convolution.
        assertEquals(Map.of("position table (computed from the config)", 256L * 64,
                "codebook k-means state (only used to train the codec)", 4 * (1 + 256 + 256 * 16L),
                "weight-norm magnitudes (folded into the codec's conv weights)", 993L), summary.storedNotParameters());
        assertEquals(summary.storedValues(), summary.parameters() + 256L * 64 + 4 * (1 + 256 + 256 * 16L) + 993);
    }

    @Test
    void onlyTheDocumentedCheckpointKeysAreLeftUnused() {
        assertEquals(List.of(), loaded.unexpectedKeys());
    }
}
