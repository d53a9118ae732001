package dev.retune.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.retune.config.KernelsConfig.Mode;
import dev.retune.kernels.Kernels.Kernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class KernelsTest {

    private static boolean nvccOnPath() {
        return Stream.concat(Stream.of(System.getenv("PATH").split(":")), Stream.of("/usr/local/cuda/bin"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "nvcc")));
    }

    @Test
    void theJarHoldsEveryKernelForEveryArchitecture() {
        assumeTrue(nvccOnPath(), "nvcc is not installed: the build made no fatbin");
        Map<String, Set<String>> built = CudaModule.manifest();
        assertEquals(Set.of("sm_80", "sm_86", "sm_89", "sm_90"), built.keySet());
        for (Kernel kernel : Kernel.values()) {
            for (String function : kernel.functions()) {
                built.forEach((arch, functions) -> assertTrue(functions.contains(function), function + " missing for " + arch));
            }
        }
        byte[] fatbin = CudaModule.fatbin();
        assertNotNull(fatbin);
        // A fatbin starts with the magic 0xBA55ED50 (little-endian) and holds the PTX and cubins after its header.
        assertEquals(0xBA55ED50, ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        assertTrue(fatbin.length > 10_000, "fatbin of " + fatbin.length + " bytes");
    }

    @Test
    void onTheCpuTheReferenceRunsAndForcingAKernelOnIsAnError() {
        Tensor cpu = torch.zeros(2);
        assertFalse(Kernels.use(Kernel.CODEBOOK_LOSS, Mode.AUTO, cpu, dtype -> 0));
        assertFalse(Kernels.use(Kernel.CODEBOOK_LOSS, Mode.OFF, cpu, dtype -> 0));
        KernelException e = assertThrows(KernelException.class, () -> Kernels.use(Kernel.ADAMW, Mode.ON, cpu, dtype -> 0));
        assertTrue(e.getMessage().contains("kernels.adamw is on"), e.getMessage());
    }

    @Test
    void withoutACudaRuntimeTheModuleSaysWhyItCannotLoad() {
        assumeTrue(!torch.cuda_is_available(), "this machine has a GPU");
        KernelException e = assertThrows(KernelException.class, () -> CudaModule.on(0));
        assertTrue(e.getMessage().contains("CUDA") || e.getMessage().contains("nvcc"), e.getMessage());
        // The answer is remembered, not retried on every call.
        assertEquals(e.getMessage(), assertThrows(KernelException.class, () -> CudaModule.on(0)).getMessage());
    }

    @Test
    void launchArgumentsAreEightByteSlotsInDeclarationOrder() {
        try (LaunchArgs args = new LaunchArgs(4)) {
            args.i64(0x1122334455667788L).i32(-7).f32(1.5f).i32(9);
            assertEquals(4, args.count());
            assertEquals(0x1122334455667788L, args.slot(0));
            assertEquals(-7, (int) args.slot(1)); // a 4-byte parameter sits in its slot's low bytes
            assertEquals(1.5f, Float.intBitsToFloat((int) args.slot(2)));
            for (int i = 0; i < 4; i++) {
                assertEquals(args.slotAddress(i), args.address(i));
            }
            assertThrows(IllegalStateException.class, () -> args.i32(1));
        }
    }
}
