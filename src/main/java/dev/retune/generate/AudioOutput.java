package dev.retune.generate;

import dev.retune.data.Audio;
import dev.retune.data.AudioException;
import dev.retune.data.AudioEncoder;
import dev.retune.model.AtomicFile;
import dev.retune.model.EncodecModel;
import dev.retune.train.FileHash;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Codes → audio through the codec → a file (format by extension, via FFmpeg) and a JSON sidecar describing it. */
public final class AudioOutput {

    private AudioOutput() {}

    /** Decodes codes [K, T] of one item to audio at the codec's rate. */
    public static Audio decode(EncodecModel codec, Tensor codes) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor wave = codec.decode(codes.unsqueeze(0)).select(0, 0).to(torch.ScalarType.Float).cpu().contiguous(); // [C, N]
            int channels = (int) wave.size(0);
            int frames = (int) wave.size(1);
            float[] flat = new float[channels * frames];
            wave.data_ptr_float().get(flat);
            float[][] samples = new float[channels][frames];
            for (int c = 0; c < channels; c++) {
                System.arraycopy(flat, c * frames, samples[c], 0, frames);
            }
            return new Audio(samples, codec.config().samplingRate());
        }
    }

    /**
     * Writes the audio (atomically, by FFmpeg), then {@code FILE.json} (atomically) with the given fields plus the
     * file's sha256: a sidecar only ever describes a complete audio file. Every failure names the file.
     */
    public static void write(Audio audio, Path file, Map<String, Object> fields) {
        AudioEncoder.encode(audio, file);
        Map<String, Object> sidecar = new LinkedHashMap<>(fields);
        sidecar.put("file", file.getFileName().toString());
        sidecar.put("sample_rate", audio.sampleRate());
        sidecar.put("seconds", audio.seconds());
        try {
            sidecar.put("sha256", FileHash.sha256(file));
        } catch (UncheckedIOException e) {
            throw new AudioException(file, "cannot read back what was written: " + e.getMessage());
        }
        AtomicFile.writeString(file.resolveSibling(file.getFileName() + ".json"),
                JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(sidecar) + "\n");
    }
}
