package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.DescriptionMerger;
import dev.retune.data.Split;
import dev.retune.data.TokenCache;
import dev.retune.data.Track;
import dev.retune.model.DelayPattern;
import dev.retune.model.TextTokenizer;
import dev.retune.model.TinyTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches are checked where they are built, so the loss never has to check its targets on the device. */
class TrainingDataTest {

    private static final int K = 4;
    private static final int FRAMES = 10;
    private static final int SPECIAL = 256;

    @TempDir
    Path dir;

    private TrainingData data(short... badCodes) throws Exception {
        Path tokenizer = dir.resolve("tokenizer.json");
        TinyTokenizer.write(tokenizer);
        short[] good = new short[K * FRAMES];
        Arrays.fill(good, (short) 17);
        short[] bad = good.clone();
        for (int i = 0; i < badCodes.length; i++) {
            bad[3 * FRAMES + 5 + i] = badCodes[i];
        }
        List<TrainingData.Example> train = List.of(example(2, "fine.wav", good), example(3, "damaged.wav", bad));
        return new TrainingData(train, List.of(), TextTokenizer.load(tokenizer), DescriptionMerger.OFF, new DelayPattern(K, SPECIAL),
                new TrainingData.Options(2, FRAMES, 1.0, 0, 0, 0, TextTokenizer.MAX_PROMPT_TOKENS));
    }

    private static TrainingData.Example example(int line, String file, short[] codes) {
        Track track = new Track(line, file, Path.of(file), "a slow pad", Map.of(), Split.TRAIN);
        return new TrainingData.Example(track, new TokenCache.Codes(codes, K, FRAMES));
    }

    @Test
    void aCachedCodeOutsideTheCodebookIsNamedWithItsTrackWhenTheBatchIsBuilt() throws Exception {
        TrainingException e = assertThrows(TrainingException.class, () -> data((short) 300).trainBatch(0, 0));

        assertTrue(e.getMessage().contains("damaged.wav") && e.getMessage().contains("300") && e.getMessage().contains("[0, 256)"),
                e.getMessage());
        assertThrows(TrainingException.class, () -> data((short) -3).trainBatch(0, 0));
    }

    @Test
    void codesUpToTheSpecialTokenBuildABatch() throws Exception {
        Batch batch = data((short) 0, (short) 255, (short) SPECIAL).trainBatch(0, 0);

        assertEquals(2 * K * FRAMES, batch.tokens());
    }
}
