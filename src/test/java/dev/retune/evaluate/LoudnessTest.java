package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.retune.data.AudioFormat;
import org.junit.jupiter.api.Test;

class LoudnessTest {

    @Test
    void sineProbe() {
        dev.retune.data.AudioDecoder.ffmpegVersion();
        AudioFormat format = new AudioFormat(48_000, 1);
        float[] x = new float[48_000 * 15];
        double a = Math.pow(10, -20 / 20.0);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (a * Math.sin(2 * Math.PI * 1000 * i / 48_000.0));
        }
        try (Loudness l = new Loudness(java.nio.file.Path.of("x.wav"), format)) {
            for (int i = 0; i < x.length; i += 4096) {
                int n = Math.min(4096, x.length - i);
                l.add(new float[][] {java.util.Arrays.copyOfRange(x, i, i + n)}, n);
            }
            Loudness.Result r = l.finish();
            System.out.println(r);
            assertEquals(-23.0, r.integratedLufs(), 0.1);
        }
    }
}
