package dev.retune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.retune.model.DecoderConfig;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.T5Config;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainFlopsTest {

    /** d = 4, ffn 8, 1 layer, K = 2 codebooks of V = 5; T5: d_model 6, 2 heads × d_kv 2 (inner 4), d_ff 10, 1 layer. */
    private static final DecoderConfig DECODER = new DecoderConfig(5, 64, 1, 8, 1, 4, 2, 1, 0.0, 0.0, 0.0, "gelu", false, null, null);
    private static final T5Config TEXT = new T5Config(32, 6, 2, 10, 1, 2, null, null, 0.0, null, "relu", null, null);

    // B = 1, S = 3 positions (2 frames + K − 1), L = 2 text tokens: n = 3, m = 2. A [n, a] × [a, b] matmul is 2·n·a·b.
    private static final double DECODER_LINEAR = 4 * 2 * 3 * 4 * 4 // self q, k, v, out: 384
            + 2 * 2 * 3 * 4 * 4 // cross q, out: 192
            + 2 * 2 * 2 * 4 * 4 // cross k, v on the text: 128
            + 2 * 2 * 3 * 4 * 8 // fc1, fc2: 384
            + 2 * 3 * 4 * 5 * 2; // two heads: 240
    private static final double CROSS_KV = 2 * 2 * 2 * 4 * 4;
    private static final double ATTENTION = 2 * 2 * 3 * 3 * 4 // self QKᵀ, AV: 144
            + 2 * 2 * 3 * 2 * 4; // cross: 96
    private static final double PROJECTION = 2 * 2 * 6 * 4; // 96
    private static final double T5 = 4 * 2 * 2 * 6 * 4 // q, k, v, o: 384
            + 2 * 2 * 2 * 2 * 4 // attention: 64
            + 2 * 2 * 2 * 6 * 10; // wi, wo: 480

    @Test
    void fullFineTuningIsTheForwardPlusTwiceWhatTrains() {
        double trained = DECODER_LINEAR + ATTENTION + PROJECTION;
        assertEquals(5920, trained + T5 + 2 * trained);
        assertEquals(5920, new TrainFlops(1, 3, 2, DECODER, TEXT, 0).perStep());
    }

    @Test
    void loraPaysActivationGradientsThroughTheFrozenDecoderAndWeightGradientsOnlyForTheAdapters() {
        double adapters = 6 * 2 * 3 * 1 * (4 + 4) // self q, k, v, out; cross q, out at r = 1: 288
                + 2 * 2 * 2 * 1 * (4 + 4) // cross k, v on the text: 64
                + 2 * 2 * 3 * 1 * (4 + 8); // fc1, fc2: 144
        double forward = DECODER_LINEAR + ATTENTION + adapters + PROJECTION + T5;
        assertEquals(5760, forward + (DECODER_LINEAR - CROSS_KV) + 2 * ATTENTION + 2 * adapters);
        assertEquals(5760, new TrainFlops(1, 3, 2, DECODER, TEXT, 1).perStep());
    }

    @Test
    void thePositionsOfAPresetIncludeTheDelayPatternsTail() {
        MusicgenConfig small = MusicgenConfig.preset("small");
        TrainFlops flops = TrainFlops.of(small, 4, 500, 12, 0);
        assertEquals(503, flops.positions());
        // 6 × 360.7 M weights used per position (24 × (6 d² + 2 d·ffn) + 4 heads × d × 2048) × 2012 positions = 4.354
        // TFLOP, plus 3 × attention's 24 × 4 · 4 · 503² · 1024 = 0.298 TFLOP; the 4 × 12 text tokens add ~0.03 TFLOP
        // (T5's forward 8 G, cross-attention's k, v and scores on them 22 G).
        assertEquals(4.354e12 + 0.298e12 + 0.03e12, flops.perStep(), 0.005e12);
    }

    @Test
    void peaksComeFromTheGpusNameWithTheMostSpecificEntryFirst() {
        assertEquals(Optional.of(989.0), GpuPeaks.of("NVIDIA H100 80GB HBM3"));
        assertEquals(Optional.of(756.0), GpuPeaks.of("NVIDIA H100 PCIe"));
        assertEquals(Optional.of(989.0), GpuPeaks.of("NVIDIA H200"));
        assertEquals(Optional.of(312.0), GpuPeaks.of("NVIDIA A100-SXM4-80GB"));
        assertEquals(Optional.of(121.0), GpuPeaks.of("NVIDIA L4"));
        assertEquals(Optional.of(362.0), GpuPeaks.of("NVIDIA L40S"));
        assertEquals(Optional.of(125.0), GpuPeaks.of("NVIDIA A10"));
        assertEquals(Optional.empty(), GpuPeaks.of("NVIDIA A10G")); // another chip: no guess
        assertEquals(Optional.of(82.6), GpuPeaks.of("NVIDIA GeForce RTX 4090"));
    }
}
