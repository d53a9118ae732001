package dev.retune.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.retune.config.AdaptConfig;
import dev.retune.config.PrecisionConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.model.DecoderConfig;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import dev.retune.model.T5Config;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The memory of a training step, term by term, from the shapes a run builds (no weights, no data). What a Retune
 * step really keeps:
 *
 * <ul>
 *   <li>The whole model stays loaded in float32 on the training device: T5, EnCodec and the LM ({@code TrainRun}
 *       loads every weight as Float). The codec never runs during a step (the token cache hands the codes over, and
 *       encoding finishes before the first step), but it stays resident.</li>
 *   <li>Mixed precision is autocast over those fp32 weights: no fp32 master copy exists besides the weights
 *       themselves, but every matmul weight the forward uses is cast to 16 bits and that copy is saved for backward.</li>
 *   <li>Every tensor the forward returns to Java lives until the micro-batch's native-memory scope closes after its
 *       backward ({@link Trainer}): not only what autograd saves, but every intermediate (each projection, each
 *       residual sum, every per-codebook head output). Activations are therefore counted as every tensor a layer
 *       makes, plus the copies autograd keeps on its own side (autocast casts, dropout masks).</li>
 *   <li>The loss's buffers (the CPU path materialises float32 [B·K·S, V] temporaries) and the logits' gradient.</li>
 *   <li>Gradients (fp32, one per trainable parameter) live from the first backward to the next step's zeroing;
 *       AdamW's two fp32 moments from the first optimizer step on; the CPU update's temporaries one parameter at a time.</li>
 * </ul>
 *
 * Shapes: B micro-batch segments, S = frames + K − 1 decoder steps (the delay pattern), D hidden, F feed-forward, H
 * heads, K codebooks, V vocabulary, L text tokens; "a" the bytes of an activation (4 in fp32, 2 under bf16 / fp16
 * autocast). Everything is in bytes.
 *
 * @param device             "cpu" or "cuda": where the step runs
 * @param weights            every parameter and buffer of T5, EnCodec and the LM (adapters included), float32
 * @param gradients          float32, one per trainable parameter
 * @param optimizerMoments   AdamW's exp_avg and exp_avg_sq, float32, per trainable parameter
 * @param masterCopies       fp32 master copies under mixed precision: 0, autocast keeps the fp32 weights as the only copy
 * @param ema                the EMA's fp32 average of each trainable parameter (0 without {@code ema})
 * @param castWeights        the 16-bit copies of the LM's matmul weights that autocast makes and autograd saves (0 in fp32)
 * @param decoderLayers      activations of all decoder layers of one micro-batch
 * @param decoderEnds        the codebook embeddings, positions and the final LayerNorm
 * @param logitsAndLoss      the heads' outputs, the stacked logits [B, K, S, V], the loss's buffers and the logits' gradient
 * @param textEncoder        T5 under no-grad (all of its intermediates, Java-held until the micro-batch ends) and the projection
 * @param backwardTransient  what backward allocates on top while it runs: the gradients flowing through one layer
 * @param optimizerTransient the CPU AdamW update's temporaries (√v and its quotient) for the largest trainable tensor
 * @param cudaContext        the CUDA context, cuBLAS / cuDNN workspaces (device only; outside libtorch's allocator)
 * @param allocatorSlack     memory the allocator holds beyond the live tensors: CUDA's caching allocator, or glibc's heap on CPU
 * @param processBaseline    the JVM, libtorch and the other native libraries before the model exists (host)
 */
public record MemoryEstimate(String device, long weights, long gradients, long optimizerMoments, long masterCopies,
                             long ema, long castWeights, long decoderLayers, long decoderEnds, long logitsAndLoss, long textEncoder,
                             long backwardTransient, long optimizerTransient, long cudaContext, long allocatorSlack,
                             long processBaseline) {

    /**
     * The JVM with libtorch and the other native libraries: measured 0.23–0.32 GB resident before a model exists, and
     * ~0.06 GB more once the training code has run (classes, JIT code, OpenMP threads, oneDNN kernels); 400 MiB is taken.
     */
    static final long PROCESS_BASELINE = 400L << 20;
    /** A CUDA context with cuBLAS and cuDNN handles: 0.3–0.6 GB on recent GPUs; the larger figure is taken. */
    static final long CUDA_CONTEXT = 600L << 20;
    /** CUDA: the caching allocator rounds and splits blocks, so reserved exceeds allocated; 10 % of the step is kept free. */
    static final double CUDA_ALLOCATOR_SLACK = 0.10;
    /**
     * CPU: glibc's heap (blocks up to 32 MiB are reused, as the launcher sets it) keeps freed blocks that the next
     * step's tensors of other sizes cannot always reuse. Measured on the tiny rows of the calibration: the same steps
     * with every allocation above 64 KiB mapped afresh (MALLOC_MMAP_THRESHOLD_=65536, so resident = live) peak 12–23 %
     * of the activations lower; 15 % of the activations is added.
     */
    static final double CPU_ALLOCATOR_SLACK = 0.15;
    /** Host memory a CUDA run still holds besides the baseline: the codes of the token cache and pinned staging, at most this. */
    static final long HOST_UNDER_CUDA = 512L << 20;

    /** Σ in, Σ out and Σ r over a set of LoRA adapters. */
    public record Widths(long in, long out, long rank) {
        Widths plus(long in, long out, long rank) {
            return new Widths(this.in + in, this.out + out, this.rank + rank);
        }
    }

    /**
     * What the estimate needs from a model built with the run's adaptation applied: parameter counts by role, and
     * the widths of the adapters (their activations).
     *
     * @param stateBytes        every parameter and buffer (float32), adapters included
     * @param trainable         parameters the optimizer updates
     * @param largestTrainable  the largest trainable tensor (the CPU update's temporaries are per tensor)
     * @param lmMatmulWeights   elements of the LM's (and projection's) Linear weights: what autocast casts
     * @param loraSequence      LoRA adapters on Linears that see the audio steps
     * @param loraText          LoRA adapters on the cross-attention keys and values (they see the text tokens)
     * @param adapterWidths     Σ (D + m) over bottleneck adapters (each sees the audio steps)
     */
    public record Counts(long stateBytes, long trainable, long largestTrainable, long lmMatmulWeights, Widths loraSequence,
                         Widths loraText, long adapterWidths) {

        /** Reads {@code model} after {@code setup} applied the adaptation. */
        public static Counts of(MusicgenForConditionalGeneration model, TrainingSetup setup) {
            long state = 0;
            long matmul = 0;
            Widths sequence = new Widths(0, 0, 0);
            Widths text = new Widths(0, 0, 0);
            long adapters = 0;
            Map<String, Tensor> tensors = StateDict.of(model);
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                String name = e.getKey();
                Tensor t = e.getValue();
                state += t.numel() * 4;
                boolean lm = name.startsWith("decoder.") || name.startsWith("enc_to_dec_proj.");
                if (lm && t.dim() == 2 && name.endsWith(".weight") && !name.contains("embed_tokens")) {
                    matmul += t.numel();
                }
                if (name.endsWith(".lora_A.weight")) { // [r, in]; its B [out, r] beside it
                    String base = name.substring(0, name.length() - ".lora_A.weight".length());
                    long out = tensors.get(base + ".lora_B.weight").size(0);
                    if (base.contains("encoder_attn.k_proj") || base.contains("encoder_attn.v_proj")) {
                        text = text.plus(t.size(1), out, t.size(0));
                    } else {
                        sequence = sequence.plus(t.size(1), out, t.size(0));
                    }
                } else if (name.endsWith(".down.weight") && name.startsWith("decoder.")) { // bottleneck [m, D]
                    adapters += t.size(0) + t.size(1);
                }
            }
            long trainable = 0;
            long largest = 0;
            for (Tensor t : setup.trainable().values()) {
                trainable += t.numel();
                largest = Math.max(largest, t.numel());
            }
            return new Counts(state, trainable, largest, matmul, sequence, text, adapters);
        }
    }

    /**
     * The sizes of one micro-batch, in elements, and the bytes of its dtypes.
     *
     * @param u    elements of one [B, S, D] tensor
     * @param text elements of one [B, L, D] tensor (the conditioning)
     * @param a    bytes of a matmul output (4 in fp32, 2 under autocast)
     * @param cast bytes of each 16-bit copy autocast makes of a matmul input (0 in fp32)
     * @param mask bytes per element of dropout's saved mask over a matmul output: one on CUDA (the fused kernel); on
     *             CPU libtorch multiplies by a noise tensor of the input's dtype, which autograd saves
     */
    private record Shape(long b, long s, long f, long h, long k, long v, long l, long u, long text, int a, int cast,
                         long mask, boolean cuda) {

        /** The mask of a dropout over an fp32 tensor (the embeddings, LoRA's fp32 input). */
        long fp32Mask() {
            return cuda ? 1 : 4;
        }
    }

    /**
     * The estimate of a step of {@code config} on {@code device} ("cpu" or "cuda").
     *
     * @param frames      codec frames per segment ({@code data.segment_seconds} × frame rate)
     * @param textTokens  T5 tokens per prompt (a plan assumes {@link Plan#TEXT_TOKENS})
     */
    public static MemoryEstimate of(RetuneConfig config, MusicgenConfig model, Counts counts, int frames, int textTokens,
                                    String device) {
        boolean cuda = device.equals("cuda");
        boolean autocast = config.precision().mode() != PrecisionConfig.Mode.FP32;
        DecoderConfig dec = model.decoder();
        long b = config.data().batchSize();
        long s = frames + dec.numCodebooks() - 1;
        int a = autocast ? 2 : 4;
        Shape x = new Shape(b, s, dec.ffnDim(), dec.numAttentionHeads(), dec.numCodebooks(), dec.vocabSize(),
                textTokens, b * s * dec.hiddenSize(), (long) b * textTokens * dec.hiddenSize(), a, autocast ? 2 : 0, cuda ? 1 : a, cuda);

        long weights = counts.stateBytes();
        long gradients = 4 * counts.trainable();
        long moments = 2 * 4 * counts.trainable();
        long ema = config.ema().enabled() ? 4 * counts.trainable() : 0;
        // Autograd saves a weight's 16-bit copy where a gradient flows through its layer: everywhere below a LoRA or
        // adapter, but with method partial only at the trainable weights themselves (by default the heads).
        boolean throughLayers = config.adapt().method() != AdaptConfig.Method.PARTIAL;
        long castWeights = (long) x.cast() * (throughLayers ? counts.lmMatmulWeights() : Math.min(counts.trainable(), counts.lmMatmulWeights()));
        long layers = dec.numHiddenLayers() * decoderLayer(x, dec) + adapters(x, counts, config.adapt().lora().dropout() > 0, autocast);
        long ends = decoderEnds(x, dec.dropout() > 0);
        long logits = logitsAndLoss(x, autocast);
        long text = textEncoder(x, model.textEncoder());
        // Backward through one layer at a time: the gradients of its feed-forward [B, S, F] and of a few [B, S, D].
        long backward = 2 * x.b() * x.s() * x.f() * 4 + 4 * x.u() * 4;
        long optimizer = cuda ? 0 : 2 * 4 * counts.largestTrainable();

        long activations = layers + ends + logits + text;
        long live = weights + gradients + moments + ema + castWeights + Math.max(activations + backward, optimizer);
        long slack = cuda ? Math.round(CUDA_ALLOCATOR_SLACK * live) : Math.round(CPU_ALLOCATOR_SLACK * (activations + backward));
        return new MemoryEstimate(device, weights, gradients, moments, 0, ema, castWeights, layers, ends, logits, text,
                backward, optimizer, cuda ? CUDA_CONTEXT : 0, slack, PROCESS_BASELINE);
    }

    /** Everything one decoder layer's forward leaves alive until its micro-batch's backward has run. */
    private static long decoderLayer(Shape x, DecoderConfig dec) {
        long u = x.u();
        int a = x.a();
        // Three pre-LayerNorms: each keeps its fp32 output (autocast runs layer_norm in fp32).
        long layer = 3 * u * 4;
        // Self-attention: q, k, v projections, SDPA's output, the heads merged back (a copy) and out_proj: 6 [B, S, D];
        // the fused SDPA kernels keep no S × S scores. Autocast casts the LayerNorm output once per projection.
        layer += 6 * u * a + 3 * u * x.cast();
        // Cross-attention: q, SDPA's output, the merged copy and out_proj over the steps; keys and values over the text.
        layer += 4 * u * a + 2 * x.text() * a + u * x.cast() + 2 * x.text() * x.cast();
        // Feed-forward: fc1 and GELU [B, S, F], fc2 [B, S, D].
        layer += 2 * x.b() * x.s() * x.f() * a + u * a + u * x.cast();
        // Each of the three residual branches: dropout's output and its mask, then the fp32 residual sum.
        layer += 3 * ((dec.dropout() > 0 ? u * (a + x.mask()) : 0) + u * 4);
        // Attention dropout takes SDPA's unfused path: scores, softmax and dropout, [B, H, S, S] and [B, H, S, L].
        if (dec.attentionDropout() > 0) {
            layer += 3 * x.b() * x.h() * x.s() * (x.s() + x.l()) * 4;
        }
        return layer;
    }

    /**
     * LoRA, per adapted Linear in → out and token: the input as fp32 (a copy under autocast), dropout's output and mask,
     * A's rank-r output, then B's output, the scaled delta, the delta back in the input's fp32 and the sum. Bottleneck
     * adapters: the down projection and its activation [B, S, m], the up projection and the sum.
     */
    private static long adapters(Shape x, Counts counts, boolean loraDropout, boolean autocast) {
        long in = (loraDropout ? 4 + x.fp32Mask() : 0) + (autocast ? 4 : 0);
        long out = 2L * x.a() + 4 + (autocast ? 4 : 0);
        Widths sequence = counts.loraSequence();
        Widths text = counts.loraText();
        return x.b() * x.s() * (sequence.in() * in + sequence.out() * out + sequence.rank() * x.a())
                + x.b() * x.l() * (text.in() * in + text.out() * out + text.rank() * x.a())
                + x.b() * x.s() * counts.adapterWidths() * (2L * x.a() + 4);
    }

    /** The K codebook embeddings and their running sum, the positions, dropout (output and mask); the final LayerNorm. */
    private static long decoderEnds(Shape x, boolean dropout) {
        return (2 * x.k() + 2) * x.u() * 4 + (dropout ? x.u() * (4 + x.fp32Mask()) : 0) + x.u() * 4;
    }

    /**
     * The K heads' outputs [B, S, V] each and torch.stack's [B, K, S, V] copy of them (with autocast's copies of the
     * hidden states), then the loss. CUDA: the fused kernel writes the gradient in the logits' dtype, no fp32 buffer.
     * CPU: the libtorch reference path's one-hot, x − lse, exp, − one-hot and × weights, all fp32 [B·K·S, V], plus an
     * fp32 copy of 16-bit logits and the gradient cast back to their dtype.
     */
    private static long logitsAndLoss(Shape x, boolean autocast) {
        long n = x.b() * x.k() * x.s() * x.v();
        long heads = 2 * n * x.a() + x.k() * x.u() * x.cast();
        return heads + (x.cuda() ? n * x.a() : 5 * n * 4 + (autocast ? n * 4 + n * x.a() : 0));
    }

    /**
     * T5 under no-grad: every intermediate is still Java-held until the micro-batch ends. Per layer: the norm, q, k, v,
     * the attention output, its merge, o, the residual; scores, position bias and softmax [B, H, L, L]; the
     * feed-forward [B, L, F] twice. Then the final norm, its output, and the projection to the decoder's width.
     */
    private static long textEncoder(Shape x, T5Config t5) {
        long bl = x.b() * x.l();
        long layer = (10 * bl * t5.dModel() + 3 * x.b() * t5.numHeads() * x.l() * x.l() + 2 * bl * t5.dFf()) * 4;
        return t5.numLayers() * layer + 2 * bl * t5.dModel() * 4 + x.text() * x.a();
    }

    /**
     * The tensors alive at the step's peak: weights, gradients and moments, plus the larger of the micro-batch's
     * activations (with backward's transient) and the optimizer update's temporaries. What libtorch's CUDA allocator
     * counts as allocated.
     */
    @JsonProperty
    public long live() {
        return weights + gradients + optimizerMoments + masterCopies + ema + castWeights
                + Math.max(activations() + backwardTransient, optimizerTransient);
    }

    /**
     * What the calibration compares with a measurement: on CUDA the live tensors (libtorch's peak allocated bytes); on
     * CPU the live tensors with glibc's slack (the peak resident memory less the process's baseline).
     */
    @JsonProperty
    public long measurable() {
        return device.equals("cuda") ? live() : live() + allocatorSlack;
    }

    /** Everything the forward leaves alive for backward in one micro-batch. */
    @JsonProperty
    public long activations() {
        return decoderLayers + decoderEnds + logitsAndLoss + textEncoder;
    }

    /** The training device's peak: the step on the GPU with its context and slack; 0 for a CPU run. */
    @JsonProperty
    public long devicePeak() {
        return device.equals("cuda") ? live() + allocatorSlack + cudaContext : 0;
    }

    /** The host's peak: the process baseline, plus the whole step on a CPU run. */
    @JsonProperty
    public long hostPeak() {
        return processBaseline + (device.equals("cuda") ? HOST_UNDER_CUDA : live() + allocatorSlack);
    }

    /** The peak of the memory the run competes for: the GPU's for a CUDA run, the host's otherwise. */
    @JsonProperty
    public long peak() {
        return device.equals("cuda") ? devicePeak() : hostPeak();
    }

    /** The peak and its largest terms in one line, e.g. "device peak 9.1 GB: weights 2.4 GB, ...". */
    public String summary() {
        StringBuilder line = new StringBuilder(device.equals("cuda")
                ? "device peak " + MemoryFit.size(devicePeak()) + " (host " + MemoryFit.size(hostPeak()) + ")"
                : "host peak " + MemoryFit.size(hostPeak()) + " (process baseline " + MemoryFit.size(processBaseline) + ")");
        line.append(": weights ").append(MemoryFit.size(weights));
        if (gradients > 0) {
            line.append(", gradients ").append(MemoryFit.size(gradients)).append(", AdamW moments ").append(MemoryFit.size(optimizerMoments));
        }
        if (ema > 0) {
            line.append(", EMA ").append(MemoryFit.size(ema));
        }
        if (castWeights > 0) {
            line.append(", 16-bit weight copies ").append(MemoryFit.size(castWeights));
        }
        line.append(", activations ").append(MemoryFit.size(activations())).append(" (decoder layers ").append(MemoryFit.size(decoderLayers))
                .append(", logits and loss ").append(MemoryFit.size(logitsAndLoss)).append(", text encoder ").append(MemoryFit.size(textEncoder))
                .append(", embeddings ").append(MemoryFit.size(decoderEnds)).append(")");
        if (device.equals("cuda")) {
            line.append(", CUDA context ").append(MemoryFit.size(cudaContext));
        }
        line.append(", allocator slack ").append(MemoryFit.size(allocatorSlack));
        return line.toString();
    }
}
