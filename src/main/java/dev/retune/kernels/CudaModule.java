package dev.retune.kernels;

import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuDeviceComputeCapability;
import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;
import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.cudart.cuInit;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * The fatbin that {@code native/build.sh} packs into the jar, loaded through the CUDA driver API into libtorch's
 * (primary) context of one device. Loading happens once per device; launches go to libtorch's current stream of that
 * device, so a kernel runs after the libtorch work that produced its inputs and before the work that reads its outputs.
 */
final class CudaModule {

    static final String FATBIN = "retune.fatbin";
    /** Lines "sm_80 retune_ce_forward_f32": which kernels the fatbin holds machine code for, per architecture. */
    static final String MANIFEST = "kernels.manifest";
    /** The fatbin also holds PTX for this architecture, which the driver compiles for any newer GPU. */
    static final int PTX_ARCH = 90;

    private static final Map<Integer, CudaModule> LOADED = new HashMap<>();
    private static final Map<Integer, String> FAILED = new HashMap<>();

    private final int device;
    private final CUctx_st context = new CUctx_st();
    private final CUmod_st module = new CUmod_st();
    private final BytePointer image; // the driver may read it lazily: held as long as the module
    private final Map<String, CUfunc_st> functions = new HashMap<>();

    private CudaModule(int device, byte[] fatbin) {
        this.device = device;
        check(cuInit(0), "cuInit");
        int[] handle = new int[1];
        check(cuDeviceGet(handle, device), "cuDeviceGet");
        int[] major = new int[1];
        int[] minor = new int[1];
        check(cuDeviceComputeCapability(major, minor, handle[0]), "cuDeviceComputeCapability");
        int arch = major[0] * 10 + minor[0];
        if (!manifest().containsKey("sm_" + arch) && arch < PTX_ARCH) {
            throw new KernelException("the kernels were built for " + manifest().keySet() + " and PTX " + PTX_ARCH
                    + "; this GPU is sm_" + arch);
        }
        check(cuDevicePrimaryCtxRetain(context, handle[0]), "cuDevicePrimaryCtxRetain");
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        image = new BytePointer(fatbin);
        check(cuModuleLoadData(module, image), "cuModuleLoadData");
    }

    /** The module on CUDA device {@code device}, loading it on first use; fails with the reason it cannot load. */
    static synchronized CudaModule on(int device) {
        CudaModule loaded = LOADED.get(device);
        if (loaded != null) {
            return loaded;
        }
        String failed = FAILED.get(device);
        if (failed != null) {
            throw new KernelException(failed);
        }
        try {
            byte[] fatbin = fatbin();
            if (fatbin == null) {
                throw new KernelException("this build of Retune has no CUDA kernels (nvcc was not found when it was built)");
            }
            loaded = new CudaModule(device, fatbin);
            LOADED.put(device, loaded);
            return loaded;
        } catch (KernelException e) {
            FAILED.put(device, e.getMessage());
            throw e;
        } catch (LinkageError e) {
            // The CPU natives have no CUDA runtime for the driver bindings to link against.
            String reason = "the CUDA driver bindings cannot load (" + e.getMessage() + "); run with the GPU natives (mvn -Pgpu)";
            FAILED.put(device, reason);
            throw new KernelException(reason, e);
        }
    }

    /** Launches {@code kernel} with a 1-D grid on libtorch's current stream of this device. */
    void launch(String kernel, long blocks, int threads, int sharedBytes, LaunchArgs args) {
        if (blocks < 1 || blocks > Integer.MAX_VALUE) {
            throw new KernelException(kernel + ": grid of " + blocks + " blocks is outside 1 .. " + Integer.MAX_VALUE);
        }
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        CUstream_st stream = torch_cuda.getCurrentCUDAStream((byte) device).stream();
        try (PointerPointer<BytePointer> params = args.addresses()) {
            check(cuLaunchKernel(function(kernel), (int) blocks, 1, 1, threads, 1, 1, sharedBytes, stream, params,
                    (PointerPointer<?>) null), kernel);
        }
    }

    private CUfunc_st function(String kernel) {
        return functions.computeIfAbsent(kernel, name -> {
            CUfunc_st function = new CUfunc_st();
            check(cuModuleGetFunction(function, module, name), "cuModuleGetFunction " + name);
            return function;
        });
    }

    /** The fatbin's bytes from the jar, or null when the build had no nvcc. */
    static byte[] fatbin() {
        try (InputStream in = CudaModule.class.getResourceAsStream(FATBIN)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kernels' fatbin from the jar", e);
        }
    }

    /** Architecture ("sm_80") → the kernels compiled for it; empty when the build had no nvcc. */
    static Map<String, Set<String>> manifest() {
        Map<String, Set<String>> kernels = new TreeMap<>();
        try (InputStream in = CudaModule.class.getResourceAsStream(MANIFEST)) {
            if (in == null) {
                return kernels;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length == 2) {
                    kernels.computeIfAbsent(fields[0], a -> new TreeSet<>()).add(fields[1]);
                }
            }
            return kernels;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kernels' manifest from the jar", e);
        }
    }

    private static void check(int result, String call) {
        if (result != 0) {
            try (PointerPointer<BytePointer> name = new PointerPointer<>(1)) {
                cuGetErrorName(result, name);
                BytePointer text = name.get(BytePointer.class, 0);
                throw new KernelException(call + " failed: " + (text == null ? "CUDA error " + result : text.getString()));
            }
        }
    }
}
