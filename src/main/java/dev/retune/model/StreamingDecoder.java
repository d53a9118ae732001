package dev.retune.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The codec's decoder over codes of any length, a chunk of frames at a time, in memory that does not grow with the
 * length (see {@link ChunkedPass} for how the chunks stay exact): codes [B, K, t] are pushed in blocks of any size,
 * and the audio [B, C, n] of every sample that is final comes back. Together they equal {@link EncodecModel#decode} of
 * all the codes up to float rounding. Runs without autograd. Close it to free what it holds between calls.
 */
public final class StreamingDecoder implements AutoCloseable {

    private final ChunkedPass pass;
    private final EncodecModel codec;
    private long batch = 1;

    /** @param chunkFrames frames decoded per step (any positive number; more is faster and takes more memory) */
    public StreamingDecoder(EncodecModel codec, int chunkFrames) {
        SeanetDecoder decoder = codec.decoder();
        long hop = codec.config().hopLength();
        this.pass = new ChunkedPass(new ChunkedPass.Layers(codes -> decoder.stem(codec.quantizer().decode(codes)), decoder.stemReachFrames(),
                decoder.lstm(), decoder::upsampling, decoder.upsamplingReachFrames(hop), 1, hop), chunkFrames);
        this.codec = codec;
    }

    /** Frames decoded so far: the audio returned is {@code frames() · hop_length} samples. */
    public long frames() {
        return pass.frames();
    }

    /** The next codes [B, K, t] (int64); returns the audio [B, C, n] of the samples now final (n may be 0). */
    public Tensor push(Tensor codes) {
        Shapes.requireDims("codes", codes, 3, "[B, K, T]");
        batch = codes.size(0);
        return pass.push(codes, empty());
    }

    /** The codes ended: the audio of the frames left; in all T · hop_length samples have come back. */
    public Tensor finish() {
        return pass.finish(empty());
    }

    /** [B, C, 0]. */
    private Tensor empty() {
        return torch.zeros(new long[] {batch, codec.config().audioChannels(), 0}, codec.quantizer().codebook(0).options());
    }

    @Override
    public void close() {
        pass.close();
    }
}
