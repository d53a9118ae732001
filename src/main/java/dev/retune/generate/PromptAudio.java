package dev.retune.generate;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioException;
import dev.retune.data.AudioFormat;
import dev.retune.model.EncodecModel;
import dev.retune.model.StreamingEncoder;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The audio {@code --continue} names → codec tokens. The file is decoded a piece at a time (seeking crops, which equal
 * the same span of a whole decode) and each piece goes through the codec's {@link StreamingEncoder}, so the codes
 * equal those of the whole file encoded at once while memory holds one piece and the frames kept, whatever the
 * file's length.
 */
final class PromptAudio {

    /** Seconds decoded per piece. */
    static final double PIECE_SECONDS = 30;

    private PromptAudio() {}

    /**
     * The last {@code keepFrames} frames of the file's codes (all of them when there are fewer): [1, K, ≤ keepFrames]
     * int64 on the CPU, retained in the caller's native scope (or, outside any, until the garbage collector frees it).
     *
     * @throws AudioException naming the file when it cannot be decoded or holds no audio
     */
    static Tensor codes(EncodecModel codec, Path file, int keepFrames) {
        return codes(codec, file, keepFrames, PIECE_SECONDS, AudioOutput.CHUNK_FRAMES);
    }

    static Tensor codes(EncodecModel codec, Path file, int keepFrames, double pieceSeconds, int chunkFrames) {
        AudioFormat format = new AudioFormat(codec.config().samplingRate(), codec.config().audioChannels());
        long pieceSamples = Math.round(pieceSeconds * format.sampleRate());
        PointerScope caller = PointerScope.getInnerScope();
        Tensor kept = null; // retained across the pieces' scopes
        try (StreamingEncoder encoder = new StreamingEncoder(codec, chunkFrames)) {
            for (long piece = 0; ; piece++) {
                try (PointerScope scope = new PointerScope()) {
                    Audio audio = AudioDecoder.read(file, format, (double) (piece * pieceSamples) / format.sampleRate(), pieceSeconds);
                    Tensor embeddings = encoder.push(codec.waveform(audio.samples())); // [1, D, t]
                    boolean last = audio.frames() < pieceSamples;
                    if (last) {
                        embeddings = torch.cat(new TensorVector(embeddings, encoder.finish()), 2);
                    }
                    if (embeddings.size(2) > 0) {
                        kept = keepLast(kept, codec.quantize(embeddings).cpu(), keepFrames);
                    }
                    if (last) {
                        break;
                    }
                }
            }
        } catch (RuntimeException e) {
            if (kept != null) {
                kept.releaseReference();
            }
            throw e;
        }
        if (kept == null) {
            throw new AudioException(file, "holds no audio to continue");
        }
        if (caller != null) {
            caller.attach(kept);
            kept.releaseReference();
        }
        return kept;
    }

    /** The last {@code keep} frames of {@code kept} followed by {@code codes}, retained; {@code kept} is released. */
    private static Tensor keepLast(Tensor kept, Tensor codes, int keep) {
        Tensor joined = kept == null ? codes : torch.cat(new TensorVector(kept, codes), 2);
        long frames = Math.min(keep, joined.size(2));
        Tensor next = joined.narrow(2, joined.size(2) - frames, frames).clone();
        next.retainReference();
        if (kept != null) {
            kept.releaseReference();
        }
        return next;
    }
}
