package dev.retune.model;

import dev.retune.Log;
import dev.retune.config.ConfigException;
import dev.retune.config.DeviceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch_cuda;

/** Picks the device from {@code device.kind} and applies {@code device.threads}. */
public final class Devices {

    private Devices() {}

    public static Device select(DeviceConfig config) {
        if (config.threads() > 0) {
            torch.set_num_threads(config.threads());
        }
        setBlasThreads(System.getenv("OPENBLAS_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"));
        boolean cuda = torch.cuda_is_available();
        return switch (config.kind()) {
            case CPU -> new Device("cpu");
            case CUDA -> {
                if (!cuda) {
                    throw new ConfigException("device.kind is cuda but no CUDA device is available (CPU build of libtorch, or no GPU); use auto or cpu");
                }
                yield capped(new Device("cuda:0"), config.memoryFraction());
            }
            case AUTO -> cuda ? capped(new Device("cuda:0"), config.memoryFraction()) : new Device("cpu");
        };
    }

    /**
     * libtorch runs its fp32 matrix products in OpenBLAS, on OpenBLAS's threads, and everything else on its OpenMP
     * threads. When OpenMP's threads wait passively (OMP_WAIT_POLICY=PASSIVE, as the launcher sets), the two pools take
     * turns and OpenBLAS gets as many threads as libtorch: measured, the small model's fp32 step 11.4 s → 7.2 s on 2
     * cores (docs/benchmarks.md). When they spin (OpenMP's default), a second spinning pool made steps 14× slower, so
     * OpenBLAS gets one thread. An OPENBLAS_NUM_THREADS of the user's own is left alone.
     *
     * @return the OpenBLAS threads set, or 0 when left alone
     */
    static int setBlasThreads(String openblasThreads, String ompWaitPolicy) {
        if (openblasThreads != null && !openblasThreads.isBlank()) {
            return 0;
        }
        boolean passive = ompWaitPolicy != null && ompWaitPolicy.strip().equalsIgnoreCase("passive");
        int threads = passive ? torch.get_num_threads() : 1;
        if (threads == 1 && torch.get_num_threads() > 1) {
            Log.warn("OMP_WAIT_POLICY is not PASSIVE, so OpenBLAS runs on one thread and fp32 matrix products use one core; "
                    + "the ./retune launcher sets OMP_WAIT_POLICY=PASSIVE");
        }
        openblas_nolapack.blas_set_num_threads(threads);
        return threads;
    }

    /**
     * Warns when bf16 autocast is about to run on a CPU without bf16 matrix instructions (AVX-512 BF16 or AMX, read from
     * /proc/cpuinfo; silent where that file does not exist): libtorch then multiplies bf16 matrices in software, and
     * bf16 training is slower than fp32, not faster (measured on a Zen 3 VM: the tiny model's step 4× slower).
     */
    public static void warnIfSoftwareBf16(Device device) {
        if (device.is_cuda()) {
            return;
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(cpuinfo) && !hasBf16Instructions(Files.readString(cpuinfo))) {
                Log.warn("precision bf16 on a CPU without bf16 matrix instructions (AVX-512 BF16 or AMX): libtorch computes "
                        + "bf16 in software here, so fp32 trains faster on this machine");
            }
        } catch (IOException e) {
            // Not knowing the CPU's flags is no reason to stop; the warning is advice.
        }
    }

    /** Whether /proc/cpuinfo's text lists avx512_bf16 or amx_bf16 among the CPU flags. */
    static boolean hasBf16Instructions(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                List<String> flags = List.of(line.substring(line.indexOf(':') + 1).strip().split("\\s+"));
                if (flags.contains("avx512_bf16") || flags.contains("amx_bf16")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Caps libtorch's caching allocator on every GPU at {@code fraction} of its memory (c10's
     * CUDACachingAllocator::setMemoryFraction, as PyTorch's torch.cuda.set_per_process_memory_fraction): a smaller GPU,
     * simulated. The allocator is set up by the first CUDA tensor, so one is made first.
     */
    private static Device capped(Device device, double fraction) {
        if (fraction < 1) {
            torch.zeros(1).to(device, ScalarType.Float);
            for (byte gpu = 0; gpu < torch.cuda_device_count(); gpu++) {
                torch_cuda.getAllocator().setMemoryFraction(fraction, gpu);
            }
            Log.info(String.format(Locale.ROOT, "device.memory_fraction %.2f: libtorch may allocate at most that share of each GPU's memory", fraction));
        }
        return device;
    }
}
