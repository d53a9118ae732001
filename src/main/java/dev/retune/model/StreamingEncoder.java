package dev.retune.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The codec's encoder over audio of any length, a chunk of frames at a time, in memory that does not grow with the
 * length (see {@link ChunkedPass} for how the chunks stay exact): audio is pushed in blocks of any size, and the
 * embeddings [B, hidden_size, t] of every frame that is final come back. Together they equal
 * {@link EncodecModel#embed} of the whole audio up to float rounding; {@link EncodecModel#quantize} turns them into
 * codes. Runs without autograd. Close it to free what it holds between calls.
 */
public final class StreamingEncoder implements AutoCloseable {

    private final ChunkedPass pass;
    private final EncodecModel codec;
    private long batch = 1;

    /** @param chunkFrames frames encoded per step (any positive number; more is faster and takes more memory) */
    public StreamingEncoder(EncodecModel codec, int chunkFrames) {
        SeanetEncoder encoder = codec.encoder();
        long hop = codec.config().hopLength();
        long reach = Math.floorDiv(encoder.convolutionReachSamples() + hop - 1, hop) + 1;
        this.pass = new ChunkedPass(new ChunkedPass.Layers(encoder::convolutions, reach, encoder.lstm(), encoder::head,
                encoder.headReachFrames(), hop, 1), chunkFrames);
        this.codec = codec;
    }

    /** Frames encoded so far (the embeddings returned). */
    public long frames() {
        return pass.frames();
    }

    /** The next samples [B, C, n]; returns the embeddings [B, hidden_size, t] of the frames now final (t may be 0). */
    public Tensor push(Tensor audio) {
        Shapes.requireDims("audio", audio, 3, "[B, C, N]");
        batch = audio.size(0);
        return pass.push(audio, empty());
    }

    /** The audio ended: the embeddings of the frames left; in all ceil(N / hop_length) frames have come back. */
    public Tensor finish() {
        return pass.finish(empty());
    }

    /** [B, hidden_size, 0], on the codec's device. */
    private Tensor empty() {
        return torch.zeros(new long[] {batch, codec.config().hiddenSize(), 0}, codec.quantizer().codebook(0).options());
    }

    @Override
    public void close() {
        pass.close();
    }
}
