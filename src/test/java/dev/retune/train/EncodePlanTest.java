package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.retune.config.ConfigLoader;
import dev.retune.config.DataConfig;
import dev.retune.model.EncodecConfig;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chunk and worker rules of {@link EncodePlan}, and the config keys that override them. */
class EncodePlanTest {

    private static final EncodecConfig SMALL = MusicgenConfig.preset("small").audioEncoder();
    private static final EncodecConfig TINY = MusicgenConfig.preset("tiny").audioEncoder();

    @Test
    void cpuChunksKeepTheFirstActivationWithin16MiB() {
        assertEquals(102, EncodePlan.cpuFrames(SMALL), "64 filters × 640 samples × 4 bytes per frame: about 2 s");
        assertEquals(819, EncodePlan.cpuFrames(TINY), "8 filters: about 16 s");
    }

    @Test
    void cudaChunksGrowWithFreeMemoryBetweenTheCpuChunkAndAMinute() {
        long perFrame = 64L * 640 * 4 * EncodePlan.LIVE_ACTIVATIONS; // 2.6 MB for musicgen-small's codec
        assertEquals(762, EncodePlan.cudaFrames(SMALL, 8_000_000_000L), "a quarter of 8 GB over 2.6 MB per frame");
        assertEquals(3_000, EncodePlan.cudaFrames(SMALL, 130_000_000_000L), "at most 60 s");
        assertEquals(102, EncodePlan.cudaFrames(SMALL, 4 * perFrame * 10), "at least the CPU's chunk");
        assertEquals(102, EncodePlan.cudaFrames(SMALL, 0), "free memory unknown: the CPU's chunk");
    }

    @Test
    void onTheCpuTwoWorkersAndTheCodecsChunkUnlessTheConfigSaysOtherwise() {
        EncodecModel codec = EncodecModel.create(TINY);

        assertEquals(new EncodePlan(819, 2), EncodePlan.of(codec, data()));
        assertEquals(new EncodePlan(150, 2), EncodePlan.of(codec, data("data.encode_chunk_seconds=3")));
        assertEquals(new EncodePlan(5, 1), EncodePlan.of(codec, data("data.encode_chunk_seconds=0.1", "data.encode_workers=1")));
        assertEquals(new EncodePlan(819, 6), EncodePlan.of(codec, data("data.encode_workers=6")));
    }

    private static DataConfig data(String... overrides) {
        return ConfigLoader.fromOverrides(List.of(overrides)).data();
    }
}
