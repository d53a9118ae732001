package dev.retune.train.distributed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * Data-parallel training over PyTorch's distributed engine (c10d): one process per rank, a {@code TCPStore} rendezvous
 * at {@code MASTER_ADDR:MASTER_PORT} (rank 0 hosts it), and a process group — Gloo for CPU tensors, NCCL for CUDA
 * tensors. Gradients are averaged in flat buckets ({@link GradientSync}), parameters are broadcast from rank 0,
 * and small vectors of metrics and decisions are all-reduced so every rank takes the same branch.
 *
 * <p>Collectives must be issued in the same order on every rank; every method here is one or more collectives, so
 * callers run them unconditionally on all ranks.
 */
public final class Distributed implements AutoCloseable {

    /**
     * A torchrun-style environment: {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR},
     * {@code MASTER_PORT}.
     */
    public record Env(int rank, int worldSize, int localRank, String masterAddr, int masterPort) {

        /** The environment's ranks, or empty when {@code WORLD_SIZE} is unset or 1 (a single process). */
        public static Optional<Env> from(Map<String, String> env) {
            String world = env.get("WORLD_SIZE");
            if (world == null || world.isBlank() || parse(env, "WORLD_SIZE", 1) == 1) {
                return Optional.empty();
            }
            int size = parse(env, "WORLD_SIZE", 1);
            int rank = parse(env, "RANK", -1);
            if (rank < 0 || rank >= size) {
                throw new DistributedException("RANK must be set to 0 .. " + (size - 1) + " when WORLD_SIZE is " + size
                        + ", found " + env.get("RANK"));
            }
            String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
            int port = parse(env, "MASTER_PORT", 29500);
            if (port < 1 || port > 65535) {
                throw new DistributedException("MASTER_PORT must be a TCP port (1 .. 65535), found " + port);
            }
            return Optional.of(new Env(rank, size, parse(env, "LOCAL_RANK", rank), addr, port));
        }

        private static int parse(Map<String, String> env, String key, int fallback) {
            String value = env.get(key);
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new DistributedException(key + " must be an integer, found '" + value + "'");
            }
        }
    }

    private final Env env;
    private final Device device;
    // Held for the whole run: on rank 0 this object is the rendezvous server, and c10d objects made with plain `new`
    // must not be freed while the process group uses them.
    private final TCPStore server;
    private final Store store;
    private final Backend group;
    private double inFlightSeconds;
    private double exposedSeconds;
    private long steps;
    private long earlyBuckets;
    private long allBuckets;

    private Distributed(Env env, Device device, TCPStore server, Store store, Backend group) {
        this.env = env;
        this.device = device;
        this.server = server;
        this.store = store;
        this.group = group;
    }

    /**
     * A world of one process: every collective returns at once (a sum is its input, a barrier waits for nobody), so
     * the training loop runs the same code alone and with peers.
     */
    public static Distributed single() {
        return new Distributed(new Env(0, 1, 0, "127.0.0.1", 0), null, null, null, null);
    }

    /** {@link #connect} with a torchrun-style environment, else {@link #single}. */
    public static Distributed join(Optional<Env> env, Device device, long timeoutMs) {
        return env.map(e -> connect(e, device, timeoutMs)).orElseGet(Distributed::single);
    }

    /**
     * Joins the run's process group: blocks until all {@code worldSize} ranks have connected (or {@code timeoutMs}
     * passes). Collectives run on {@code device}: Gloo for the CPU, NCCL for CUDA.
     */
    public static Distributed connect(Env env, Device device, long timeoutMs) {
        try {
            TCPStoreOptions options = new TCPStoreOptions();
            options.port((short) env.masterPort()); // an unsigned port in C++; the cast keeps ports above 32767
            options.isServer(env.rank() == 0);
            options.numWorkers(new SizeTPointer(1).put(env.worldSize()));
            options.waitWorkers(true);
            options.timeout(new Milliseconds(timeoutMs));
            TCPStore server = new TCPStore(env.masterAddr(), options);
            // clone(): an owned handle that can go into the process group; the raw store may be handed over only once.
            Store store = server.clone();
            Backend group;
            if (device.is_cuda()) {
                ProcessGroupNCCL.Options nccl = ProcessGroupNCCL.Options.create();
                nccl.timeout(new Milliseconds(timeoutMs));
                group = new ProcessGroupNCCL(store, env.rank(), env.worldSize(), nccl);
            } else {
                ProcessGroupGloo.Options gloo = ProcessGroupGloo.Options.create(new Milliseconds(timeoutMs));
                gloo.devices(new GlooDeviceVector(glooDevice(env)));
                group = new ProcessGroupGloo(store, env.rank(), env.worldSize(), gloo);
            }
            return new Distributed(env, device, server, store, group);
        } catch (RuntimeException e) {
            throw new PeerFailedException("rank " + env.rank() + " of " + env.worldSize() + " could not join the process group at "
                    + env.masterAddr() + ":" + env.masterPort() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The network interface Gloo talks over: {@code GLOO_SOCKET_IFNAME} when set (as in PyTorch), loopback for a
     * single-machine run, else the interface of this host's name.
     */
    private static org.bytedeco.pytorch.gloo.Device glooDevice(Env env) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(ifname.split(",")[0].trim());
        }
        boolean local = env.masterAddr().equals("127.0.0.1") || env.masterAddr().equals("localhost");
        return local ? ProcessGroupGloo.createDeviceForHostname("127.0.0.1") : ProcessGroupGloo.createDefaultDevice();
    }

    public int rank() {
        return env.rank();
    }

    public int worldSize() {
        return env.worldSize();
    }

    /** Rank 0: the rank that writes files and talks to the console. */
    public boolean isMain() {
        return env.rank() == 0;
    }

    private boolean alone() {
        return env.worldSize() == 1;
    }

    /** Copies rank 0's values into {@code tensors} on every rank (in place, outside autograd). */
    public void broadcast(List<Tensor> tensors) {
        if (alone()) {
            return;
        }
        BroadcastOptions options = new BroadcastOptions();
        options.rootRank(0);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor t : tensors) {
                Tensor onDevice = t.to(device, t.scalar_type()).contiguous();
                wait(group.broadcast(new TensorVector(onDevice), options), "broadcast");
                if (onDevice.data_ptr().address() != t.data_ptr().address()) {
                    t.copy_(onDevice);
                }
            }
        }
    }

    /** A bucket's all-reduce in flight: {@link #finish} waits for it and writes the means into the gradients. */
    final class Reduction {
        private final List<Tensor> grads;
        private final Tensor flat;
        private final Work work;
        private final long started = System.nanoTime();

        private Reduction(List<Tensor> grads, Tensor flat, Work work) {
            this.grads = grads;
            this.flat = flat;
            this.work = work;
        }

        void finish() {
            Distributed.this.wait(work, "gradient all-reduce");
            try (NoGradGuard noGrad = new NoGradGuard()) {
                flat.div_(new Scalar((double) env.worldSize()));
                long offset = 0;
                for (Tensor g : grads) {
                    g.copy_(flat.narrow(0, offset, g.numel()).view(g.sizes()));
                    offset += g.numel();
                }
            }
            inFlightSeconds += (System.nanoTime() - started) / 1e9;
        }
    }

    /**
     * Starts averaging the gradients of {@code parameters} (one dtype) as one flat all-reduce. A parameter without a
     * gradient on this rank (it took no part in this step's graph) contributes zeros, so all ranks reduce the same layout.
     */
    Reduction startAverage(List<Tensor> parameters) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            List<Tensor> grads = new ArrayList<>();
            TensorVector pieces = new TensorVector();
            for (Tensor p : parameters) {
                if (!p.grad().defined()) {
                    p.mutable_grad().put(torch.zeros_like(p));
                }
                grads.add(p.grad());
                pieces.push_back(p.grad().reshape(-1));
            }
            Tensor flat = torch.cat(pieces);
            return new Reduction(grads, flat, group.allreduce(new TensorVector(flat), sum()));
        }
    }

    /**
     * Counts one optimizer step whose gradient averaging kept the step waiting {@code exposed} seconds after backward,
     * {@code early} of its {@code buckets} having started while backward still ran.
     */
    void countStep(double exposed, int early, int buckets) {
        exposedSeconds += exposed;
        earlyBuckets += early;
        allBuckets += buckets;
        steps++;
    }

    /** The element-wise sum of {@code values} over the ranks. */
    public double[] sum(double[] values) {
        if (alone()) {
            return values.clone();
        }
        Tensor host = torch.empty(new long[] {values.length}, new TensorOptions(ScalarType.Double), new MemoryFormatOptional());
        host.data_ptr_double().put(values);
        Tensor t = host.to(device, ScalarType.Double);
        wait(group.allreduce(new TensorVector(t), sum()), "metrics all-reduce");
        double[] out = new double[values.length];
        t.cpu().contiguous().data_ptr_double().get(out);
        return out;
    }

    /** Whether {@code flag} is true on any rank (so that every rank stops, or not, at the same step). */
    public boolean any(boolean flag) {
        return sum(new double[] {flag ? 1 : 0})[0] > 0;
    }

    /** Blocks until every rank has called it. */
    public void barrier() {
        if (alone()) {
            return;
        }
        wait(group.barrier(), "barrier");
    }

    /**
     * Fails on every rank, naming the ranks that differ, unless {@code value} is the same on all ranks (a hash of the
     * config, the model, the resume point...).
     */
    public void requireSame(String what, long value) {
        if (alone()) {
            return;
        }
        Tensor mine = torch.tensor(new long[] {value}).to(device, ScalarType.Long);
        Tensor all = torch.zeros(new long[] {env.worldSize()}, new TensorOptions(ScalarType.Long).device(new DeviceOptional(device)));
        wait(group._allgather_base(all, mine), "allgather");
        long[] values = new long[env.worldSize()];
        all.cpu().contiguous().data_ptr_long().get(values);
        List<Integer> differ = new ArrayList<>();
        for (int r = 1; r < values.length; r++) {
            if (values[r] != values[0]) {
                differ.add(r);
            }
        }
        if (!differ.isEmpty()) {
            throw new DistributedException("ranks " + differ + " have a different " + what + " than rank 0 (" + Arrays.toString(values)
                    + "): every rank must run the same config on the same model and data");
        }
    }

    /**
     * A checksum of the tensors' exact bits (not their values): equal on two ranks only if every element is bit-identical,
     * up to the odds of a 64-bit collision.
     */
    public static long bitChecksum(Collection<Tensor> tensors) {
        long hash = 1;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor t : tensors) {
                Tensor bits = t.detach().contiguous().view(ScalarType.Int).reshape(-1).to(ScalarType.Long);
                Tensor position = torch.arange(new Scalar(bits.numel()), new TensorOptions(ScalarType.Long).device(new DeviceOptional(t.device())));
                hash = 31 * hash + bits.sum().item_long();
                hash = 31 * hash + bits.mul(position.add(new Scalar(1))).sum().item_long(); // order matters too
            }
        }
        return hash;
    }

    /** Seconds per step from starting each bucket's all-reduce to its averages written back, summed over buckets. */
    public double allReduceSecondsPerStep() {
        return steps == 0 ? Double.NaN : inFlightSeconds / steps;
    }

    /** Seconds per step that gradient averaging added after backward (what overlapping did not hide). */
    public double exposedAllReduceSecondsPerStep() {
        return steps == 0 ? Double.NaN : exposedSeconds / steps;
    }

    /** The share of gradient buckets whose all-reduce started during backward (overlapping it), over all steps. */
    public double overlappedBucketShare() {
        return allBuckets == 0 ? Double.NaN : (double) earlyBuckets / allBuckets;
    }

    /** Tears the group down without waiting for peers (after an error they may be gone). */
    @Override
    public void close() {
        if (group != null) {
            group.abort();
        }
    }

    private static AllreduceOptions sum() {
        AllreduceOptions options = new AllreduceOptions();
        options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
        return options;
    }

    private void wait(Work work, String what) {
        try {
            work._wait();
        } catch (RuntimeException e) {
            throw new PeerFailedException("rank " + env.rank() + ": " + what + " failed (another rank stopped or hung?): " + e.getMessage(), e);
        }
    }
}
