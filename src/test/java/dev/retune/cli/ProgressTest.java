package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The encoding bar's line: audio done and in all, speed as a multiple of real time, time left, within the width. */
class ProgressTest {

    @Test
    void hoursOfAudioWithTheRealtimeFactorAndTheTimeLeft() {
        // 1 h 23 min of 2 h 46 min of audio in 100 s: 49.8× realtime, 100 s left.
        String line = Progress.audioLine("encoding", 4_980_000, 9_960_000, Duration.ofSeconds(100), 120);

        assertTrue(line.startsWith("encoding  50% [=="), line);
        assertTrue(line.endsWith("] 1:23 of 2:46 h audio, 50× realtime, ETA 0:01:40"), line);
        assertEquals(119, line.length(), "the bar fills the width but its last column (where terminals wrap)");
    }

    @Test
    void lessThanAnHourCountsMinutesAndSeconds() {
        String line = Progress.audioLine("encoding", 30_000, 125_000, Duration.ofSeconds(20), 100);

        assertTrue(line.endsWith("] 0:30 of 2:05 min audio, 1.5× realtime, ETA 0:01:03"), line);
        assertTrue(line.startsWith("encoding  24% ["), line);
    }

    @Test
    void beforeAnyAudioIsDoneThereIsNoRateAndANarrowTerminalCutsTheLine() {
        assertTrue(Progress.audioLine("encoding", 0, 7_200_000, Duration.ofSeconds(3), 100).endsWith("] 0:00 of 2:00 h audio"));
        assertEquals(40, Progress.audioLine("encoding", 1_000, 7_200_000, Duration.ofSeconds(3), 40).length());
    }
}
