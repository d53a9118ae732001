package dev.retune.generate;

import dev.retune.data.AudioEncoder;
import dev.retune.model.EncodecModel;
import dev.retune.model.StreamingDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A batch's codes → one audio file per item (format by extension, via FFmpeg), decoded and written as the codes come:
 * the codec's {@link StreamingDecoder} turns at most {@link #CHUNK_FRAMES} frames at a time into audio, and each item's
 * samples go straight to its file's encoder. Nothing here grows with the length of the audio.
 *
 * <p>The files appear on {@link #finish()}, each complete (see {@link AudioEncoder.Writer}); closing an output that was
 * not finished leaves none of them.
 */
public final class AudioOutput implements AutoCloseable {

    /**
     * Frames decoded per step: 3 s of audio. With the musicgen-small codec a step's largest activation (64 channels at
     * 32 kHz) stays below 32 MB, the size up to which glibc's allocator reuses freed memory instead of handing it back
     * to the kernel: larger chunks page-fault that memory in afresh at every step. Shorter chunks repeat more of the
     * layers' overlap. Measured by {@code retune bench codec --chunk N} (docs/benchmarks.md).
     */
    public static final int CHUNK_FRAMES = 150;

    /** Told every block of samples on its way to a file (tests count them). */
    @FunctionalInterface
    interface BlockListener {
        BlockListener NONE = (item, samples) -> { };

        /** @param samples {@code [channels][n]} of item {@code item} */
        void block(int item, float[][] samples);
    }

    private final EncodecModel codec;
    private final int chunkFrames;
    private final BlockListener listener;
    private final List<AudioEncoder.Writer> writers = new ArrayList<>();
    private final StreamingDecoder decoder;

    /** Opens one file per item of the batch, in order; the codes pushed must have as many rows as there are files. */
    public static AudioOutput open(EncodecModel codec, List<Path> files) {
        return new AudioOutput(codec, files, CHUNK_FRAMES, BlockListener.NONE);
    }

    AudioOutput(EncodecModel codec, List<Path> files, int chunkFrames, BlockListener listener) {
        this.codec = codec;
        this.chunkFrames = chunkFrames;
        this.listener = listener;
        this.decoder = new StreamingDecoder(codec, chunkFrames);
        try {
            for (Path file : files) {
                writers.add(AudioEncoder.open(file, codec.config().audioChannels(), codec.config().samplingRate(), AudioEncoder.Options.DEFAULT));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The next codes [B, K, t] of every item: decoded a chunk at a time, each chunk's audio written before the next. */
    public void push(Tensor codes) {
        if (codes.size(0) != writers.size()) {
            throw new IllegalArgumentException("codes for " + codes.size(0) + " items, expected " + writers.size());
        }
        for (long start = 0; start < codes.size(2); start += chunkFrames) {
            try (PointerScope scope = new PointerScope()) {
                write(decoder.push(codes.narrow(2, start, Math.min(chunkFrames, codes.size(2) - start))));
            }
        }
    }

    /** The codes ended: decodes the last frames and puts every file in place. */
    public void finish() {
        try (PointerScope scope = new PointerScope()) {
            write(decoder.finish());
        }
        for (AudioEncoder.Writer writer : writers) {
            writer.finish();
        }
    }

    /** Samples written to each file so far (at the codec's rate). */
    public long frames() {
        return writers.isEmpty() ? 0 : writers.get(0).frames();
    }

    public int sampleRate() {
        return codec.config().samplingRate();
    }

    /** Audio [B, C, n] → each item's block to its file. */
    private void write(Tensor audio) {
        int channels = (int) audio.size(1);
        int n = (int) audio.size(2);
        if (n == 0) {
            return;
        }
        Tensor host = audio.to(torch.ScalarType.Float).cpu().contiguous();
        float[] flat = new float[(int) host.numel()];
        host.data_ptr_float().get(flat);
        for (int item = 0; item < writers.size(); item++) {
            float[][] block = new float[channels][n];
            for (int c = 0; c < channels; c++) {
                System.arraycopy(flat, (item * channels + c) * n, block[c], 0, n);
            }
            listener.block(item, block);
            writers.get(item).write(block);
        }
    }

    /** Frees the decoder and the encoders; files not finished are removed. */
    @Override
    public void close() {
        decoder.close();
        for (AudioEncoder.Writer writer : writers) {
            writer.close();
        }
    }
}
