package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Keys and values kept across incremental decoder calls: per layer, the self-attention keys/values of every step seen
 * so far (in buffers of {@code capacity} steps, filled in place) and the cross-attention keys/values of the
 * conditioning, projected once on the first call and reused after.
 *
 * <p>The tensors it keeps are retained past the caller's {@code PointerScope}s (each call may run in its own scope);
 * {@link #close} releases them. Every call with one cache must pass the same conditioning.
 */
public final class KvCache implements AutoCloseable {

    /** One decoder layer's cached keys and values. */
    public static final class Layer {
        private Tensor selfKeys; // [B, H, capacity, hd]
        private Tensor selfValues; // [B, H, capacity, hd]
        private Tensor crossKeys; // [B, H, L, hd]
        private Tensor crossValues; // [B, H, L, hd]
        private final long capacity;

        Layer(long capacity) {
            this.capacity = capacity;
        }

        /**
         * Writes the new steps' keys and values [B, H, n, hd] at {@code start} and returns the cached ones of steps
         * [0, start + n), as views [B, H, start + n, hd].
         */
        Tensor[] append(Tensor keys, Tensor values, long start) {
            long steps = keys.size(2);
            if (start + steps > capacity) {
                throw new IllegalArgumentException("KV cache: steps " + (start + steps) + " exceed its capacity " + capacity);
            }
            if (selfKeys == null) {
                long[] shape = {keys.size(0), keys.size(1), capacity, keys.size(3)};
                selfKeys = keep(torch.zeros(shape, keys.options()));
                selfValues = keep(torch.zeros(shape, values.options()));
            }
            selfKeys.narrow(2, start, steps).copy_(keys);
            selfValues.narrow(2, start, steps).copy_(values);
            return new Tensor[] {selfKeys.narrow(2, 0, start + steps), selfValues.narrow(2, 0, start + steps)};
        }

        boolean hasCross() {
            return crossKeys != null;
        }

        void setCross(Tensor keys, Tensor values) {
            crossKeys = keep(keys);
            crossValues = keep(values);
        }

        Tensor crossKeys() {
            return crossKeys;
        }

        Tensor crossValues() {
            return crossValues;
        }

        private void release() {
            for (Tensor t : new Tensor[] {selfKeys, selfValues, crossKeys, crossValues}) {
                if (t != null) {
                    t.releaseReference();
                }
            }
            selfKeys = selfValues = crossKeys = crossValues = null;
        }

        private static Tensor keep(Tensor t) {
            t.retainReference();
            return t;
        }
    }

    private final List<Layer> layers = new ArrayList<>();
    private final long capacity;
    private long length;

    /**
     * @param layers   the decoder's layer count
     * @param capacity the most steps the cache will hold (for generation: frames + K − 1)
     */
    public KvCache(int layers, long capacity) {
        if (layers < 1 || capacity < 1) {
            throw new IllegalArgumentException("KV cache: expected layers ≥ 1 and capacity ≥ 1, found " + layers + " and " + capacity);
        }
        this.capacity = capacity;
        for (int i = 0; i < layers; i++) {
            this.layers.add(new Layer(capacity));
        }
    }

    /** A cache sized for {@code decoder}'s layers. */
    public static KvCache forDecoder(DecoderConfig config, long capacity) {
        return new KvCache(config.numHiddenLayers(), capacity);
    }

    /** Steps cached so far: the position of the next step. */
    public long length() {
        return length;
    }

    public long capacity() {
        return capacity;
    }

    public int layerCount() {
        return layers.size();
    }

    Layer layer(int index) {
        return layers.get(index);
    }

    void advance(long steps) {
        length += steps;
    }

    @Override
    public void close() {
        layers.forEach(Layer::release);
        length = 0;
    }
}
