package dev.retune.train.distributed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.FunctionPostHook;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Averages gradients over the ranks while backward is still running, as PyTorch's DDP does: the trained parameters are
 * grouped into buckets in reverse order (the order backward produces their gradients), a hook on each parameter's
 * gradient accumulator counts it in, and a bucket whose gradients are all final is flattened and its all-reduce
 * started at once, so the communication of the last layers overlaps the backward of the first. After backward,
 * {@link #finish} starts what is left (parameters that got no gradient count as zeros), waits, and writes the averages
 * back.
 *
 * <p>With gradient accumulation only the last micro-batch's backward is armed: the earlier ones just accumulate.
 */
public final class GradientSync {

    /** Gradients are all-reduced in flat buckets of at most this size (DDP's default bucket is 25 MB). */
    private static final long BUCKET_BYTES = 25L << 20;

    private final Distributed dist;
    private final Map<Tensor, Integer> index = new IdentityHashMap<>(); // parameter → its number, in order of first use
    // The accumulator nodes and hooks must stay reachable: a collected hook breaks the next backward, and a collected
    // node is silently replaced by a new one without the hook.
    private final List<Node> accumulators = new ArrayList<>();
    private final List<FunctionPostHook> hooks = new ArrayList<>();

    private List<List<Tensor>> buckets = List.of();
    private Map<Integer, Integer> bucketOf = new HashMap<>();
    private int[] pending = new int[0];
    private Distributed.Reduction[] launched = new Distributed.Reduction[0];
    private boolean armed;

    public GradientSync(Distributed dist) {
        this.dist = dist;
    }

    /**
     * Prepares the buckets for the next backward over {@code open} (the parameters training this step, all requiring
     * gradients), registering hooks on parameters seen for the first time.
     */
    public void arm(List<Tensor> open) {
        if (dist.worldSize() == 1) {
            return; // nothing to average
        }
        for (Tensor p : open) {
            index.computeIfAbsent(p, this::hook);
        }
        buckets = new ArrayList<>();
        bucketOf = new HashMap<>();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (int i = open.size() - 1; i >= 0; i--) {
            Tensor p = open.get(i);
            long size = p.numel() * p.element_size();
            if (!current.isEmpty() && bytes + size > BUCKET_BYTES) {
                buckets.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            bucketOf.put(index.get(p), buckets.size());
            current.add(p);
            bytes += size;
        }
        if (!current.isEmpty()) {
            buckets.add(current);
        }
        pending = buckets.stream().mapToInt(List::size).toArray();
        launched = new Distributed.Reduction[buckets.size()];
        armed = true;
    }

    /** After the armed backward: starts the buckets still waiting, then replaces every gradient by its mean. */
    public void finish() {
        if (dist.worldSize() == 1) {
            return;
        }
        long started = System.nanoTime();
        int startedEarly = started();
        armed = false;
        for (int b = 0; b < buckets.size(); b++) {
            if (launched[b] == null) {
                launched[b] = dist.startAverage(buckets.get(b)); // in bucket order: the same on every rank
            }
        }
        for (Distributed.Reduction reduction : launched) {
            reduction.finish();
        }
        dist.countStep((System.nanoTime() - started) / 1e9, startedEarly, buckets.size());
    }

    /** How many buckets have been started so far in this step. */
    private int started() {
        int count = 0;
        for (Distributed.Reduction reduction : launched) {
            count += reduction == null ? 0 : 1;
        }
        return count;
    }

    private int hook(Tensor p) {
        int i = index.size();
        Node accumulator = p.expand_as(p).grad_fn().next_edge(0).function(); // the leaf's AccumulateGrad
        FunctionPostHook hook = new FunctionPostHook() {
            @Override
            public TensorVector apply(TensorVector outputs, TensorVector inputs) {
                ready(i);
                return outputs;
            }
        };
        accumulator.add_post_hook(hook);
        // Created inside a step's PointerScope, which would free them when the step ends: one more reference each.
        accumulator.retainReference();
        hook.retainReference();
        accumulators.add(accumulator);
        hooks.add(hook);
        return i;
    }

    /** Parameter {@code i}'s gradient is final for this backward. */
    private void ready(int i) {
        Integer b = bucketOf.get(i);
        if (!armed || b == null || launched[b] != null) {
            return;
        }
        if (--pending[b] == 0) {
            launched[b] = dist.startAverage(buckets.get(b));
        }
    }
}
