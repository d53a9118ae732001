package dev.retune.evaluate;

import dev.retune.ProgressListener;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.AudioStream;
import dev.retune.model.EncodecConfig;
import dev.retune.model.EncodecModel;
import dev.retune.model.StreamingEncoder;
import dev.retune.train.CodecTokens;
import dev.retune.train.StopRequestedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Audio files → the codec encoder's continuous embeddings (before quantisation), one [T, D] matrix per clip. A file
 * is read as the training data path reads it ({@link AudioDecoder#stream}: FFmpeg's decoder, libswresample to the
 * codec's rate, the plain mean of the channels for a mono codec) and goes block by block through the
 * {@link StreamingEncoder} in the chunks the token cache uses ({@link CodecTokens#chunkFrames}), so memory holds one chunk's audio
 * and activations plus the embeddings, whatever the file's length. No loudness normalisation.
 */
public final class CodecEmbeddings {

    /**
     * Where embeddings came from: a distance between sets is only comparable with another of the same provenance.
     *
     * @param codecSha256           the codec's identity: sha256 over its config and every weight (the token cache's key)
     * @param sampleRate            Hz the audio was resampled to
     * @param channels              channels the audio was mixed to (1: the plain mean of the file's channels)
     * @param frameRate             codec frames (samples of a set) per second of audio
     * @param dimension             D, the embedding size
     * @param resampler             what converted the files
     * @param loudnessNormalisation what levelled the files before encoding
     * @param pooling               how frames become samples of a set
     */
    public record Provenance(String codecSha256, int sampleRate, int channels, int frameRate, int dimension, String resampler,
                             String loudnessNormalisation, String pooling) {}

    private final EncodecModel codec;
    private final AudioFormat format;
    private final int chunkFrames;
    private Provenance provenance;

    /** Embeddings of {@code codec} (on its device, in its dtype), in the token cache's chunks. */
    public CodecEmbeddings(EncodecModel codec) {
        this(codec, CodecTokens.chunkFrames(codec));
    }

    /** @param chunkFrames codec frames a file is encoded by per step (any positive number: the result is the same) */
    public CodecEmbeddings(EncodecModel codec, int chunkFrames) {
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("expected chunkFrames >= 1, found " + chunkFrames);
        }
        this.codec = codec;
        this.format = new AudioFormat(codec.config().samplingRate(), codec.config().audioChannels());
        this.chunkFrames = chunkFrames;
    }

    /** The format files are converted to before encoding: the codec's sample rate and channels. */
    public AudioFormat format() {
        return format;
    }

    /** This codec's provenance (its identity hashes every weight once). */
    public synchronized Provenance provenance() {
        if (provenance == null) {
            EncodecConfig config = codec.config();
            provenance = new Provenance(CodecTokens.identity(codec), format.sampleRate(), format.channels(), config.frameRate(),
                    config.hiddenSize(), "libswresample defaults, " + AudioDecoder.ffmpegVersion()
                            + (format.channels() == 1 ? "; mono = mean of the file's channels" : "; mono files duplicated to stereo"),
                    "none", "every frame of every clip is one sample (fadtk's EnCodec pooling)");
        }
        return provenance;
    }

    /**
     * The embeddings of every file, in order. Progress is told in clips (a clip under way counts by the share of its
     * declared duration encoded); {@code stop} is asked after every chunk.
     *
     * @throws dev.retune.data.AudioException when a file cannot be decoded (a set must not shrink silently)
     * @throws StopRequestedException         when {@code stop} was set
     */
    public EmbeddingSet embed(List<Path> files, ProgressListener progress, AtomicBoolean stop) {
        List<EmbeddingSet.Clip> clips = new ArrayList<>(files.size());
        progress.update(0, files.size());
        for (Path file : files) {
            int done = clips.size();
            clips.add(embed(file, share -> progress.update(done + share, files.size()), stop));
        }
        progress.update(files.size(), files.size());
        return new EmbeddingSet(clips, codec.config().hiddenSize());
    }

    /** One file's embeddings [T, D], T = ceil(samples / hop_length) at the codec's rate. */
    public EmbeddingSet.Clip embed(Path file) {
        return embed(file, share -> { }, new AtomicBoolean());
    }

    private EmbeddingSet.Clip embed(Path file, DoubleConsumer share, AtomicBoolean stop) {
        int block = chunkFrames * codec.config().hopLength();
        try (AudioStream audio = AudioDecoder.stream(file, format);
             StreamingEncoder encoder = new StreamingEncoder(codec, chunkFrames);
             NoGradGuard noGrad = new NoGradGuard()) {
            double declared = audio.declaredSeconds();
            Rows rows = new Rows(codec.config().hiddenSize());
            for (Audio part = audio.next(block); part.frames() > 0; part = audio.next(block)) {
                try (PointerScope scope = new PointerScope()) {
                    rows.append(encoder.push(codec.waveform(part.samples())));
                }
                if (declared > 0) {
                    share.accept(Math.min(1, audio.position() / (declared * format.sampleRate())));
                }
                if (stop.get()) {
                    throw new StopRequestedException("stopped while embedding " + file);
                }
            }
            try (PointerScope scope = new PointerScope()) {
                rows.append(encoder.finish());
            }
            return new EmbeddingSet.Clip(file.toString(), rows.frames, Arrays.copyOf(rows.values, rows.frames * rows.dimension));
        }
    }

    /** Frame embeddings as they come, appended to one growing [T, D] row-major array. */
    private static final class Rows {
        private final int dimension;
        private float[] values;
        private int frames;

        Rows(int dimension) {
            this.dimension = dimension;
            this.values = new float[1024 * dimension];
        }

        /** Appends embeddings [1, D, t]. */
        void append(Tensor embeddings) {
            int t = (int) embeddings.size(2);
            if (t == 0) {
                return; // an empty tensor has no data pointer
            }
            Tensor rows = embeddings.select(0, 0).t().to(torch.ScalarType.Float).cpu().contiguous(); // [t, D]
            int needed = (frames + t) * dimension;
            if (needed > values.length) {
                values = Arrays.copyOf(values, Math.max(needed, 2 * values.length));
            }
            rows.data_ptr_float().get(values, frames * dimension, t * dimension);
            frames += t;
        }
    }
}
