/**
 * Retune's own CUDA kernels (sources in {@code native/}) and, for each, the same function written with libtorch
 * operators.
 *
 * <p>A kernel class ({@link dev.retune.kernels.CodebookCrossEntropy}, {@link dev.retune.kernels.SamplingStep},
 * {@link dev.retune.kernels.MultiTensorAdamW}) checks its arguments, then runs the kernel when its tensors are on a
 * CUDA device, the kernel is not switched off, the jar holds a fatbin for that GPU, and the kernel passed its parity
 * self-check there ({@link dev.retune.kernels.Kernels}); otherwise it runs the libtorch reference. The fatbin is loaded
 * through the CUDA driver API ({@link dev.retune.kernels.CudaModule}) and kernels launch on libtorch's current stream, so
 * they order with libtorch's own work without synchronisation.
 */
package dev.retune.kernels;
