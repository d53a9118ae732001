package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Spectral shape against scipy on a fixed random signal: see fixtures/evaluate/spectral/README.md. */
class SpectralFixtureTest {

    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/evaluate/spectral");

    @Test
    void spectralShapeMatchesScipy() {
        JsonNode expected = JsonMapper.builder().build().readTree(FIXTURE.resolve("expected.json").toFile());
        assertEquals(expected.get("frame").asInt(), ClipAnalyzer.frameLength(expected.get("sample_rate").asInt()));

        ClipMetrics m = ClipAnalyzer.analyze(FIXTURE.resolve("signal.wav"));

        assertEquals(expected.get("sample_rate").asInt(), m.sampleRate());
        assertRelative(expected.get("spectral_flatness").asDouble(), m.spectralFlatness());
        assertRelative(expected.get("spectral_centroid_hz").asDouble(), m.spectralCentroidHz());
        assertRelative(expected.get("spectral_rolloff_hz").asDouble(), m.spectralRolloffHz());
        assertRelative(expected.get("spectral_entropy").asDouble(), m.spectralEntropy());
    }

    private static void assertRelative(double expected, double actual) {
        assertEquals(expected, actual, 1e-9 * Math.abs(expected));
    }
}
