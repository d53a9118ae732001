package dev.retune.train;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.TokenCache;
import dev.retune.model.EncodecModel;
import dev.retune.model.StateDict;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Audio → codec tokens, and the identity of a codec for the token cache's keys. */
public final class CodecTokens {

    private final EncodecModel codec;
    private final AudioFormat format;

    public CodecTokens(EncodecModel codec, AudioFormat format) {
        this.codec = codec;
        this.format = format;
    }

    /** A whole file's tokens, for the token cache. */
    TokenCache.Codes encode(Path file) {
        Audio audio = AudioDecoder.decode(file, format);
        try (PointerScope scope = new PointerScope()) {
            Tensor codes = codes(audio).select(0, 0).to(torch.ScalarType.Short).contiguous(); // [K, T]
            short[] values = new short[(int) codes.numel()];
            codes.data_ptr_short().get(values);
            return new TokenCache.Codes(values, (int) codes.size(0), (int) codes.size(1));
        }
    }

    /** Audio (already at the codec's rate and channels) → codes [1, K, T] int64 on the CPU, without autograd. */
    public Tensor codes(Audio audio) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            int frames = audio.frames();
            float[] planar = new float[audio.channels() * frames];
            for (int c = 0; c < audio.channels(); c++) {
                System.arraycopy(audio.samples()[c], 0, planar, c * frames, frames);
            }
            Tensor wave = torch.tensor(planar).reshape(1, audio.channels(), frames); // [1, C, N]
            Tensor reference = codec.quantizer().codebook(0);
            return codec.encode(wave.to(reference.device(), reference.scalar_type())).cpu(); // [1, K, T]
        }
    }

    /** sha256 over the codec's config and every weight: a retrained or different codec gets new cache keys. */
    String identity() {
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
}
