package dev.retune.train;

import dev.retune.config.DataConfig;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.AudioStream;
import dev.retune.data.TokenCache;
import dev.retune.model.EncodecModel;
import dev.retune.model.StateDict;
import dev.retune.model.StreamingEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Audio files → codec tokens for the token cache, and the identity of a codec for the cache's keys. */
public final class CodecTokens {

    private final EncodecModel codec;
    private final AudioFormat format;
    private final int chunkFrames;

    /** @param chunkFrames codec frames a file is encoded by per step (see {@link EncodePlan}) */
    CodecTokens(EncodecModel codec, AudioFormat format, int chunkFrames) {
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("expected chunkFrames >= 1, found " + chunkFrames);
        }
        this.codec = codec;
        this.format = format;
        this.chunkFrames = chunkFrames;
    }

    /**
     * A whole file's tokens, for the token cache, streamed: the file is decoded a chunk of audio at a time and each
     * chunk goes through the codec's {@link StreamingEncoder}, so what is held is one chunk's audio and activations
     * plus the codes (int16), whatever the file's length. After each chunk {@code encodedSeconds} gets the seconds of
     * the file encoded so far, then {@code stop} is asked: when it says stop, this throws
     * {@link StopRequestedException} and returns nothing, so no cache entry is written for the file.
     */
    TokenCache.Codes encode(Path file, DoubleConsumer encodedSeconds, BooleanSupplier stop) {
        int block = chunkFrames * codec.config().hopLength();
        try (AudioStream audio = AudioDecoder.stream(file, format);
             StreamingEncoder encoder = new StreamingEncoder(codec, chunkFrames);
             NoGradGuard noGrad = new NoGradGuard()) {
            CodeRows rows = new CodeRows(codec.config().quantizersForBandwidth(codec.config().targetBandwidths().get(0)));
            for (Audio part = audio.next(block); part.frames() > 0; part = audio.next(block)) {
                try (PointerScope scope = new PointerScope()) {
                    rows.append(encoder.push(codec.waveform(part.samples())));
                }
                encodedSeconds.accept((double) audio.position() / format.sampleRate());
                if (stop.getAsBoolean()) {
                    throw new StopRequestedException("stopped while encoding " + file + " (nothing of it is cached)");
                }
            }
            try (PointerScope scope = new PointerScope()) {
                rows.append(encoder.finish());
            }
            return rows.codes();
        }
    }

    /** Frames per encoding step for {@code codec} on its device, as the token cache encodes by default ({@link EncodePlan}). */
    public static int chunkFrames(EncodecModel codec) {
        return EncodePlan.of(codec, DataConfig.defaults()).chunkFrames();
    }

    /** sha256 over the codec's config and every weight: a retrained or different codec gets new cache keys. */
    String identity() {
        return identity(codec);
    }

    /** {@link #identity()} of {@code codec}: what names a codec wherever its outputs are kept or compared. */
    public static String identity(EncodecModel codec) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(codec.config().toString().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, Tensor> entry : StateDict.of(codec).entrySet()) {
                digest.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
                Tensor values = entry.getValue().detach().to(torch.ScalarType.Float).cpu().contiguous();
                float[] floats = new float[(int) values.numel()];
                values.data_ptr_float().get(floats);
                ByteBuffer bytes = ByteBuffer.allocate(floats.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(floats);
                digest.update(bytes);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The codes of a file as they come, one growing int16 row per codebook. */
    private final class CodeRows {
        private final short[][] rows;
        private int frames;

        CodeRows(int codebooks) {
            rows = new short[codebooks][1024];
        }

        /** Quantizes embeddings [1, D, t] and appends their codes. */
        void append(Tensor embeddings) {
            int t = (int) embeddings.size(2);
            if (t == 0) {
                return; // an empty tensor has no data pointer
            }
            Tensor codes = codec.quantize(embeddings).select(0, 0).to(torch.ScalarType.Short).cpu().contiguous(); // [K, t]
            short[] values = new short[rows.length * t];
            codes.data_ptr_short().get(values);
            if (frames + t > rows[0].length) {
                int capacity = Math.max(frames + t, 2 * rows[0].length);
                for (int k = 0; k < rows.length; k++) {
                    rows[k] = Arrays.copyOf(rows[k], capacity);
                }
            }
            for (int k = 0; k < rows.length; k++) {
                System.arraycopy(values, k * t, rows[k], frames, t);
            }
            frames += t;
        }

        /** [K, T] row-major, as the token cache stores it. */
        TokenCache.Codes codes() {
            short[] all = new short[rows.length * frames];
            for (int k = 0; k < rows.length; k++) {
                System.arraycopy(rows[k], 0, all, k * frames, frames);
            }
            return new TokenCache.Codes(all, rows.length, frames);
        }
    }
}
