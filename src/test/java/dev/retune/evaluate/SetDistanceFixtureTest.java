package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.retune.ProgressListener;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * FAD and KAD equal numpy/scipy's on the same embeddings (fixtures/evaluate/distance, made by its make.py): the sets,
 * each clip of a against b, and b against itself, within 1e-6 relative.
 */
class SetDistanceFixtureTest {

    private static final double RELATIVE = 1e-6;
    /** Every frame in KAD's sample, no FAD∞, no resamples: the numbers numpy computed. */
    private static final SetDistance.Options EXACT = new SetDistance.Options(0, 0, 100_000, 0, 500);

    @ParameterizedTest
    @ValueSource(strings = {"small", "d16"})
    void fadAndKadEqualNumpyAndScipy(String name) throws Exception {
        JsonNode expected = JsonMapper.shared().readTree(Files.readString(folder().resolve("expected.json"))).get(name);
        EmbeddingSet a = set(name + "-a.f32", expected.get("clip_frames_a"), expected.get("dimension").asInt());
        EmbeddingSet b = set(name + "-b.f32", expected.get("clip_frames_b"), expected.get("dimension").asInt());

        SetDistance.Result result = SetDistance.compare(a, b, null, EXACT, ProgressListener.NONE, new AtomicBoolean());

        assertRelative(expected.get("fad").asDouble(), result.fad(), "fad");
        assertRelative(expected.get("kad").asDouble(), result.kad(), "kad");
        assertRelative(expected.get("kad_bandwidth").asDouble(), result.kadBandwidth(), "bandwidth");
        for (int c = 0; c < a.clips().size(); c++) {
            assertRelative(expected.get("per_clip_fad").get(c).asDouble(), result.perClip().get(c).fad(), "clip " + c + " fad");
            assertRelative(expected.get("per_clip_kad").get(c).asDouble(), result.perClip().get(c).kad(), "clip " + c + " kad");
        }
        assertEquals(a.frames(), result.framesA());
        assertEquals((int) a.frames(), result.kadFramesA());
        assertNull(result.fadCi95());
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "d16"})
    void aSetAgainstItselfHasFadZeroAndTheSlightlyNegativeUnbiasedKad(String name) throws Exception {
        JsonNode expected = JsonMapper.shared().readTree(Files.readString(folder().resolve("expected.json"))).get(name);
        EmbeddingSet b = set(name + "-b.f32", expected.get("clip_frames_b"), expected.get("dimension").asInt());

        SetDistance.Result result = SetDistance.compare(b, b, null, EXACT, ProgressListener.NONE, new AtomicBoolean());

        assertEquals(0, result.fad(), 1e-9);
        assertEquals(0, expected.get("fad_b_to_b").asDouble(), 1e-9);
        assertRelative(expected.get("kad_b_to_b").asDouble(), result.kad(), "kad of b to b");
    }

    static void assertRelative(double expected, double actual, String what) {
        assertEquals(expected, actual, RELATIVE * Math.abs(expected), what);
    }

    private static Path folder() throws URISyntaxException {
        return Path.of(SetDistanceFixtureTest.class.getResource("/fixtures/evaluate/distance/expected.json").toURI()).getParent();
    }

    /** Clips of {@code frames[c]} frames each, read one after the other from a [frames, D] little-endian float32 file. */
    private static EmbeddingSet set(String file, JsonNode frames, int dimension) throws IOException, URISyntaxException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(folder().resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        List<EmbeddingSet.Clip> clips = new ArrayList<>();
        for (int c = 0; c < frames.size(); c++) {
            float[] values = new float[frames.get(c).asInt() * dimension];
            bytes.asFloatBuffer().get(values);
            bytes.position(bytes.position() + values.length * Float.BYTES);
            clips.add(new EmbeddingSet.Clip(file + "#" + c, frames.get(c).asInt(), values));
        }
        assertEquals(0, bytes.remaining(), file + " holds more than the clips");
        return new EmbeddingSet(clips, dimension);
    }
}
