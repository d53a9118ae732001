package dev.retune.train;

import dev.retune.config.DataConfig;
import dev.retune.model.EncodecConfig;
import dev.retune.model.EncodecModel;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * How a dataset is encoded into the token cache: the chunk of codec frames a file is encoded by per step, and how many
 * files are encoded at the same time. {@code data.encode_chunk_seconds} and {@code data.encode_workers} override the
 * rules below.
 *
 * <p>Chunk, on the CPU: as many frames as keep the codec's largest activation, the first convolution's output
 * [num_filters, frames · hop_length] float32, within {@value #CPU_ACTIVATION_BYTES} bytes (16 MiB). glibc reuses blocks
 * of that size from its heap chunk after chunk, while larger ones are mapped and unmapped for every chunk, and the page
 * faults of refilling them cost as much system time as the encoding itself (musicgen-small's codec on 2 cores: 2 s
 * chunks encoded ~1.7× faster than 20 s chunks, at a third of the peak memory; 1 s chunks were slower again, re-running
 * the layers' overlap). That is 102 frames (2 s) for musicgen's codec (64 filters, hop 640) and 819 frames (16 s) for
 * the tiny preset's (8 filters).
 *
 * <p>Chunk, on a CUDA device (not yet measured on hardware): a quarter of the device's free memory over
 * {@value #LIVE_ACTIVATIONS} activations of that size per frame (what the CPU's peak memory grew by per frame), at
 * least the CPU's chunk and at most {@value #MAX_CHUNK_SECONDS} s.
 *
 * <p>Workers: two on the CPU, one on a CUDA device. libtorch already spreads each convolution over all its threads, but
 * a file's encoding also has serial parts (FFmpeg's decoding and resampling, the LSTM's steps, the quantizer, the
 * copies), which a second worker overlaps with the first one's convolutions: measured on 2 cores, 2 workers encoded
 * 1.15–1.3× faster than 1 with both the tiny codec and musicgen-small's (+0.5 GB for the latter's second chunk), and
 * a third would only compete for the same cores. On a GPU one worker with long chunks keeps the device busy.
 */
record EncodePlan(int chunkFrames, int workers) {

    static final long CPU_ACTIVATION_BYTES = 16L << 20;
    static final int LIVE_ACTIVATIONS = 16;
    static final int MAX_CHUNK_SECONDS = 60;
    static final int CPU_WORKERS = 2;

    EncodePlan {
        if (chunkFrames < 1 || workers < 1) {
            throw new IllegalArgumentException("expected chunkFrames >= 1 and workers >= 1, found " + chunkFrames + " and " + workers);
        }
    }

    /** The plan for {@code codec} (on its device) under {@code data}'s keys. */
    static EncodePlan of(EncodecModel codec, DataConfig data) {
        EncodecConfig config = codec.config();
        boolean cuda = codec.quantizer().codebook(0).device().is_cuda();
        int chunk;
        if (data.encodeChunkSeconds() != null) {
            chunk = (int) Math.max(1, Math.round(data.encodeChunkSeconds() * config.frameRate()));
        } else {
            chunk = cuda ? cudaFrames(config, freeDeviceBytes(codec)) : cpuFrames(config);
        }
        int workers = data.encodeWorkers() > 0 ? data.encodeWorkers() : cuda ? 1 : CPU_WORKERS;
        return new EncodePlan(chunk, workers);
    }

    /** The CPU's chunk: the first convolution's output within {@link #CPU_ACTIVATION_BYTES}. */
    static int cpuFrames(EncodecConfig config) {
        return (int) Math.max(1, CPU_ACTIVATION_BYTES / activationBytesPerFrame(config));
    }

    /** The CUDA chunk for {@code freeBytes} of free device memory (0 when unknown: the CPU's chunk). */
    static int cudaFrames(EncodecConfig config, long freeBytes) {
        long frames = freeBytes / 4 / (LIVE_ACTIVATIONS * activationBytesPerFrame(config));
        return (int) Math.max(cpuFrames(config), Math.min(frames, (long) MAX_CHUNK_SECONDS * config.frameRate()));
    }

    private static long activationBytesPerFrame(EncodecConfig config) {
        return (long) config.numFilters() * config.hopLength() * Float.BYTES;
    }

    /** Free memory of the codec's CUDA device; 0 when the CUDA runtime cannot say. */
    private static long freeDeviceBytes(EncodecModel codec) {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            int device = codec.quantizer().codebook(0).device().index();
            if (cudart.cudaSetDevice(Math.max(device, 0)) != 0 || cudart.cudaMemGetInfo(free, total) != 0) {
                return 0;
            }
            return free.get();
        } catch (LinkageError e) {
            return 0; // natives without the CUDA runtime: cannot happen with a codec on CUDA, but never worth a failure
        }
    }
}
