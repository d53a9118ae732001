package dev.retune.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Peak dense bf16/fp16 tensor-core TFLOPS (fp32 accumulation, no sparsity) by GPU name, from NVIDIA's datasheets: the
 * denominator of MFU. GeForce cards halve the rate with fp32 accumulation, which PyTorch's matmuls use: the RTX 4090's
 * 165 TFLOPS are with fp16 accumulation, 82.6 with fp32. {@code --peak-tflops} overrides the table.
 */
final class GpuPeaks {

    /** A name matches when it holds every token (split at non-alphanumerics, case-insensitive); the first match wins. */
    private record Entry(List<String> tokens, double tflops) {}

    private static final List<Entry> TABLE = List.of(
            new Entry(List.of("h100", "pcie"), 756),
            new Entry(List.of("h200", "nvl"), 835),
            new Entry(List.of("h100"), 989), // SXM ("NVIDIA H100 80GB HBM3")
            new Entry(List.of("h200"), 989),
            new Entry(List.of("a100"), 312),
            new Entry(List.of("l40s"), 362),
            new Entry(List.of("l4"), 121),
            new Entry(List.of("a10"), 125),
            new Entry(List.of("rtx", "4090"), 82.6));

    private GpuPeaks() {}

    /** The peak of a GPU as nvidia-smi names it (e.g. "NVIDIA H100 80GB HBM3"), if the table knows it. */
    static Optional<Double> of(String gpuName) {
        Set<String> tokens = Arrays.stream(gpuName.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")).collect(Collectors.toSet());
        return TABLE.stream().filter(e -> tokens.containsAll(e.tokens())).map(Entry::tflops).findFirst();
    }
}
