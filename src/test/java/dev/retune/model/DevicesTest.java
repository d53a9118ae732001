package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DevicesTest {

    private static final String ZEN3 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD EPYC
            flags\t\t: fpu vme sse sse2 avx avx2 fma f16c bmi2
            bugs\t\t: sysret_ss_attrs avx512_bf16
            """;

    @AfterEach
    void restoreSingleBlasThread() {
        openblas_nolapack.blas_set_num_threads(1); // as the test runner's OPENBLAS_NUM_THREADS=1 has it
    }

    @Test
    void bf16InstructionsAreReadFromTheFlagsLineOnly() {
        assertFalse(Devices.hasBf16Instructions(ZEN3), "avx2 only; the word on the bugs line does not count");
        assertTrue(Devices.hasBf16Instructions(ZEN3.replace("avx2 fma", "avx2 avx512f avx512_bf16 fma")));
        assertTrue(Devices.hasBf16Instructions(ZEN3.replace("bmi2", "bmi2 amx_bf16 amx_tile")));
        assertFalse(Devices.hasBf16Instructions(ZEN3.replace("bmi2", "bmi2 avx512_bf16x")), "whole flags only");
        assertFalse(Devices.hasBf16Instructions(""));
    }

    @Test
    void openBlasGetsLibtorchsThreadsOnlyWhenOpenMpWaitsPassively() {
        assertEquals(torch.get_num_threads(), Devices.setBlasThreads(null, "PASSIVE"));
        assertEquals(torch.get_num_threads(), openblas_nolapack.blas_get_num_threads());
        assertEquals(torch.get_num_threads(), Devices.setBlasThreads("", " passive "));

        assertEquals(1, Devices.setBlasThreads(null, null), "spinning OpenMP threads: one OpenBLAS thread");
        assertEquals(1, openblas_nolapack.blas_get_num_threads());
        assertEquals(1, Devices.setBlasThreads(null, "ACTIVE"));
    }

    @Test
    void aUsersOwnOpenBlasThreadCountIsLeftAlone() {
        openblas_nolapack.blas_set_num_threads(1);
        assertEquals(0, Devices.setBlasThreads("3", "PASSIVE"));
        assertEquals(1, openblas_nolapack.blas_get_num_threads());
    }
}
