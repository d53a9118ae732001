package dev.retune.train.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Two ranks of a real Gloo process group on loopback, as two threads of this JVM. */
class DistributedTest {

    /** Runs {@code body} as rank 0 and rank 1 concurrently and returns both results. */
    private static <T> List<T> onTwoRanks(Function<Distributed, T> body) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int p = port;
            List<Future<T>> ranks = List.of(0, 1).stream().map(rank -> pool.submit(() -> {
                try (Distributed dist = Distributed.connect(new Distributed.Env(rank, 2, rank, "127.0.0.1", p), new Device("cpu"), 20_000)) {
                    return body.apply(dist);
                }
            })).toList();
            return List.of(ranks.get(0).get(60, TimeUnit.SECONDS), ranks.get(1).get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void gradientsAreAveragedDuringBackwardAndMissingOnesCountAsZero() throws Exception {
        List<double[]> results = onTwoRanks(dist -> {
            Tensor a = torch.zeros(3).requires_grad_(true);
            Tensor b = torch.zeros(2, 2).requires_grad_(true);
            Tensor c = torch.zeros(5).requires_grad_(true); // only rank 0 gives it a gradient
            double r = dist.rank() + 1; // rank 0 contributes 1s, rank 1 contributes 2s
            GradientSync sync = new GradientSync(dist);
            a.mul(new Scalar(r)).sum().backward(); // an earlier micro-batch: accumulated, not averaged yet
            sync.arm(List.of(a, b, c));
            a.mul(new Scalar(r)).sum().add(b.mul(new Scalar(10 * r)).sum()).backward(); // a and b are averaged during backward
            if (dist.rank() == 0) {
                c.mul(new Scalar(4.0)).sum().backward();
            }
            sync.finish(); // rank 0's bucket was complete during backward: it went on the wire then
            double startedDuringBackward = dist.overlappedBucketShare();
            return new double[] {a.grad().select(0, 2).item_double(), b.grad().select(0, 1).select(0, 1).item_double(),
                c.grad().select(0, 4).item_double(), dist.sum(new double[] {r, 10 * r})[1], dist.sum(new double[] {r})[0], startedDuringBackward};
        });
        for (double[] r : results) {
            assertEquals(3.0, r[0]); // (2·1 + 2·2) / 2: both micro-batches count
            assertEquals(15.0, r[1]);
            assertEquals(2.0, r[2]); // (4 + 0) / 2
            assertEquals(30.0, r[3]);
            assertEquals(3.0, r[4]);
        }
        assertEquals(1.0, results.get(0)[5]);
        assertEquals(0.0, results.get(1)[5]); // c never got a gradient on rank 1: finish() started the bucket
    }

    @Test
    void aWorldOfOneIsTheMainRankAndEveryCollectiveReturnsItsInputAtOnce() {
        try (Distributed alone = Distributed.single()) {
            Tensor weight = torch.full(new long[] {3}, new Scalar(-2.0)).requires_grad_(true);
            weight.mul(new Scalar(5.0)).sum().backward();
            GradientSync sync = new GradientSync(alone);
            sync.arm(List.of(weight));
            sync.finish();
            alone.broadcast(List.of(weight));
            alone.barrier();
            alone.requireSame("config", 42);

            assertTrue(alone.isMain());
            assertEquals(0, alone.rank());
            assertEquals(1, alone.worldSize());
            assertEquals(-6.0, weight.sum().item_double());
            assertEquals(15.0, weight.grad().sum().item_double(), "the gradient is its own mean");
            double[] values = {1.5, -2.0};
            double[] summed = alone.sum(values);
            assertEquals(List.of(1.5, -2.0), List.of(summed[0], summed[1]));
            assertNotSame(values, summed);
            assertTrue(alone.any(true));
            assertFalse(alone.any(false));
        }
    }

    @Test
    void broadcastCopiesRankZerosValuesAndAnyAgrees() throws Exception {
        List<double[]> results = onTwoRanks(dist -> {
            Tensor weight = torch.full(new long[] {4}, new Scalar(dist.rank() == 0 ? 7.0 : -1.0)).requires_grad_(true);
            dist.broadcast(List.of(weight));
            return new double[] {weight.sum().item_double(), dist.any(dist.rank() == 1) ? 1 : 0, dist.any(false) ? 1 : 0};
        });
        for (double[] r : results) {
            assertEquals(28.0, r[0]);
            assertEquals(1.0, r[1]);
            assertEquals(0.0, r[2]);
        }
    }

    @Test
    void aRankThatDiffersIsNamedOnEveryRank() throws Exception {
        List<String> messages = onTwoRanks(dist -> {
            dist.requireSame("config", 42); // equal: passes
            try {
                dist.requireSame("config", dist.rank() == 0 ? 42 : 43);
                return "no error";
            } catch (DistributedException e) {
                return e.getMessage();
            }
        });
        for (String m : messages) {
            assertTrue(m.startsWith("ranks [1] have a different config than rank 0"), m);
        }
    }

    @Test
    void bitChecksumSeesOneUlp() {
        Tensor a = torch.randn(100);
        Tensor b = a.clone();
        assertEquals(Distributed.bitChecksum(List.of(a)), Distributed.bitChecksum(List.of(b)));
        float x = b.select(0, 37).item_float();
        b.select(0, 37).fill_(new Scalar(Math.nextUp(x)));
        assertNotEquals(Distributed.bitChecksum(List.of(a)), Distributed.bitChecksum(List.of(b)));
        Tensor swapped = a.flip(new long[] {0}).contiguous();
        assertNotEquals(Distributed.bitChecksum(List.of(a)), Distributed.bitChecksum(List.of(swapped)), "order matters");
    }

    @Test
    void theTorchrunEnvironmentIsReadAndChecked() {
        assertFalse(Distributed.Env.from(Map.of()).isPresent());
        assertFalse(Distributed.Env.from(Map.of("WORLD_SIZE", "1")).isPresent());
        Distributed.Env env = Distributed.Env.from(Map.of("WORLD_SIZE", "4", "RANK", "3", "LOCAL_RANK", "1",
                "MASTER_ADDR", "10.0.0.5", "MASTER_PORT", "29600")).orElseThrow();
        assertEquals(new Distributed.Env(3, 4, 1, "10.0.0.5", 29600), env);
        assertTrue(assertThrows(DistributedException.class, () -> Distributed.Env.from(Map.of("WORLD_SIZE", "2", "RANK", "2")))
                .getMessage().contains("RANK must be set to 0 .. 1"));
        assertTrue(assertThrows(DistributedException.class, () -> Distributed.Env.from(Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_PORT", "x")))
                .getMessage().contains("MASTER_PORT must be an integer"));
    }

    @Test
    void aRankThatNeverComesMakesTheOtherFailWithAClearMessage() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        PeerFailedException e = assertThrows(PeerFailedException.class,
                () -> Distributed.connect(new Distributed.Env(0, 2, 0, "127.0.0.1", port), new Device("cpu"), 2_000));
        assertTrue(e.getMessage().startsWith("rank 0 of 2 could not join the process group at 127.0.0.1:" + port), e.getMessage());
    }
}
