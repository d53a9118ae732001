package dev.retune.evaluate;

import java.util.Arrays;
import java.util.List;

/**
 * A set of clips as the codec sees them: each clip's frame embeddings [T, D], row-major float32. Every frame of every
 * clip is one sample of the set (as fadtk pools EnCodec's frames), and each clip's frames stay together so that
 * clips can be resampled and scored on their own.
 *
 * @param clips     the clips, in the order they were given
 * @param dimension D, the codec's hidden size
 */
public record EmbeddingSet(List<Clip> clips, int dimension) {

    /**
     * One clip's embeddings.
     *
     * @param name   what names the clip in a report (its file)
     * @param frames T, the codec frames of the clip
     * @param values [T, D] row-major: frame t's embedding is {@code values[t·D .. (t+1)·D)}
     */
    public record Clip(String name, int frames, float[] values) {
        public Clip {
            if (frames < 0 || (frames == 0 ? values.length != 0 : values.length % frames != 0)) {
                throw new IllegalArgumentException(name + ": " + values.length + " values are not " + frames + " frames");
            }
        }

        /** The embedding size D. */
        public int dimension() {
            return frames == 0 ? 0 : values.length / frames;
        }
    }

    public EmbeddingSet {
        clips = List.copyOf(clips);
        if (dimension < 1) {
            throw new IllegalArgumentException("expected an embedding dimension >= 1, found " + dimension);
        }
        for (Clip clip : clips) {
            if (clip.frames() > 0 && clip.dimension() != dimension) {
                throw new IllegalArgumentException(clip.name() + ": embeddings of size " + clip.dimension() + ", the set's are " + dimension);
            }
        }
    }

    /** Frames of every clip together: the set's sample count. */
    public long frames() {
        long frames = 0;
        for (Clip clip : clips) {
            frames += clip.frames();
        }
        return frames;
    }

    /** Where each clip's frames start in the set's frame numbering, with the total frame count last. */
    long[] offsets() {
        long[] offsets = new long[clips.size() + 1];
        for (int c = 0; c < clips.size(); c++) {
            offsets[c + 1] = offsets[c] + clips.get(c).frames();
        }
        return offsets;
    }

    /** The clip that holds frame {@code frame} of the set's numbering, given {@link #offsets()}. */
    static int clipOf(long[] offsets, long frame) {
        int found = Arrays.binarySearch(offsets, frame);
        if (found >= 0) {
            while (found + 1 < offsets.length && offsets[found + 1] == frame) {
                found++; // skip clips without frames
            }
            return found;
        }
        return -found - 2;
    }
}
