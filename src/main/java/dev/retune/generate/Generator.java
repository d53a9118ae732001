package dev.retune.generate;

import dev.retune.ProgressListener;
import dev.retune.model.DecoderConfig;
import dev.retune.model.DelayPattern;
import dev.retune.model.KvCache;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Text → codebook tokens with MusicGen's LM, one delayed step at a time.
 *
 * <p>The sequence starts with the BOS (special) column. Step s = 0 .. frames + K − 2 feeds the new column (with the
 * {@link KvCache}) or the whole sequence so far (without), takes the last step's logits [B, K, V], applies
 * classifier-free guidance when its scale is not 1 (conditional and null conditioning batched in one forward as
 * [cond; null]), samples K tokens and forces the delay pattern: codebook k holds the special token at delayed steps
 * s &lt; k and s ≥ frames + k, exactly the training layout of {@link DelayPattern#delay}. Reverting the pattern gives
 * codes [B, K, frames]. With {@link Blended} models, each step combines every model's guided log-probabilities
 * ({@link TokenBlend}) before the draw.
 */
public final class Generator {

    private Generator() {
    }

    /**
     * @param textIds  [B, L] text token ids
     * @param textMask [B, L] 1 for real tokens
     * @param frames   codec frames to generate (≥ 1)
     * @param seed     with the step index, fixes every random draw: the same seed gives the same codes
     * @param useCache run each step on the new column only, with a KV cache (same tokens, much faster)
     */
    public static GeneratorResult generate(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask, int frames,
            SamplerOptions options, long seed, boolean useCache, ProgressListener progress) {
        return generate(model, textIds, textMask, null, frames, options, seed, useCache, progress);
    }

    /**
     * As above, continuing {@code prompt} codes [B, K, P] (or null): the first P frames are the prompt, forced at their
     * delayed positions, and {@code frames} new frames follow; the result holds P + frames frames.
     */
    public static GeneratorResult generate(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask, Tensor prompt,
            int frames, SamplerOptions options, long seed, boolean useCache, ProgressListener progress) {
        return generate(model, List.of(), textIds, textMask, prompt, frames, options, seed, useCache, progress);
    }

    /**
     * As above, with {@code blends} combined into {@code model}'s choices at every step ({@link TokenBlend}; empty: the
     * model alone). Every blended model must share the model's codec and text tokenizer.
     */
    public static GeneratorResult generate(MusicgenForConditionalGeneration model, List<Blended> blends, Tensor textIds, Tensor textMask,
            Tensor prompt, int frames, SamplerOptions options, long seed, boolean useCache, ProgressListener progress) {
        if (frames < 1) {
            throw new IllegalArgumentException("frames: expected ≥ 1, found " + frames);
        }
        boolean wasTraining = model.is_training();
        model.train(false);
        Tensor codes;
        int promptFrames = prompt == null ? 0 : (int) prompt.size(2);
        int steps = promptFrames + frames + model.config().decoder().numCodebooks() - 1;
        long started = System.nanoTime();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            codes = generateDelayed(TokenBlend.of(model, blends), model.config().decoder(), textIds, textMask, prompt,
                    promptFrames + frames, options, seed, useCache, progress);
            codes.retainReference();
        } finally {
            model.train(wasTraining);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.attach(codes);
            codes.releaseReference();
        }
        return new GeneratorResult(codes, steps, seconds);
    }

    /**
     * Any length: windows as long as the model's context, each continuing the last 40% of what came before (as
     * audiocraft extends 30 s windows by 18 s strides), with the cache. {@code output} is handed the codes [B, K, n] in
     * order as they come: first the prompt's frames the model continues (all of a prompt shorter than the window, else
     * its last 40%), then each window's new frames, {@code frames} in all; a tensor handed over is freed once
     * {@code output} returns. Only the next window's context is kept between windows, so memory does not grow with
     * {@code frames}. Window w samples with seed + w.
     *
     * @return the wall seconds spent generating, without the time {@code output} took
     */
    public static double generateWindowed(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask,
            Tensor prompt, int frames, SamplerOptions options, long seed, ProgressListener progress, Consumer<Tensor> output) {
        return generateWindowed(model, List.of(), textIds, textMask, prompt, frames, options, seed, progress, output);
    }

    /** As above, with {@code blends} combined into {@code model}'s choices ({@link TokenBlend}). */
    public static double generateWindowed(MusicgenForConditionalGeneration model, List<Blended> blends, Tensor textIds, Tensor textMask,
            Tensor prompt, int frames, SamplerOptions options, long seed, ProgressListener progress, Consumer<Tensor> output) {
        int window = window(model.config().decoder());
        int keep = window * 2 / 5;
        if (prompt != null && prompt.size(2) > window - 1) {
            prompt = prompt.narrow(2, prompt.size(2) - keep, keep); // only the end of a long prompt fits the context
        }
        if (prompt != null) {
            output.accept(prompt);
        }
        Tensor context = prompt; // the caller's until the first window ends, then retained here
        double seconds = 0;
        try {
            for (int w = 0, produced = 0; produced < frames; w++) {
                try (PointerScope scope = new PointerScope()) {
                    int contextFrames = context == null ? 0 : (int) context.size(2);
                    int count = Math.min(window - contextFrames, frames - produced);
                    GeneratorResult part = generate(model, blends, textIds, textMask, context, count, options, seed + w, true, progress);
                    Tensor fresh = part.codes().narrow(2, contextFrames, count); // [B, K, count]
                    output.accept(fresh);
                    Tensor joined = context == null ? fresh : cat(context, fresh, 2);
                    long kept = Math.min(keep, joined.size(2));
                    Tensor next = joined.narrow(2, joined.size(2) - kept, kept).clone(); // [B, K, kept]
                    next.retainReference();
                    release(context, prompt);
                    context = next;
                    produced += count;
                    seconds += part.seconds();
                }
            }
        } finally {
            release(context, prompt);
        }
        return seconds;
    }

    /** Frames one window holds, prompt and new frames together: the decoder's positions less the delay pattern's. */
    public static int window(DecoderConfig config) {
        return config.maxPositionEmbeddings() - config.numCodebooks();
    }

    /** Frees a context this class retained; the caller's prompt is the caller's to free. */
    private static void release(Tensor context, Tensor prompt) {
        if (context != null && context != prompt) {
            context.releaseReference();
        }
    }

    private static Tensor generateDelayed(TokenBlend blend, DecoderConfig config, Tensor textIds, Tensor textMask, Tensor prompt,
            int frames, SamplerOptions options, long seed, boolean useCache, ProgressListener progress) {
        int codebooks = config.numCodebooks();
        long special = config.specialToken();
        long batch = textIds.size(0);
        int steps = frames + codebooks - 1;
        DelayPattern pattern = new DelayPattern(codebooks, special);
        Tensor sequence = torch.full(new long[] {batch, codebooks, steps + 1}, new Scalar(special),
                new TensorOptions(ScalarType.Long).device(new DeviceOptional(textIds.device()))); // [B, K, S + 1], BOS first
        Tensor forced = pattern.validMask(frames).logical_not().to(textIds.device(), ScalarType.Bool); // [K, S]
        // A prompt's frames are forced too, at their delayed positions: codebook k of frame t sits at step t + k.
        Tensor promptDelayed = null;
        Tensor promptMask = null;
        if (prompt != null) {
            long promptFrames = prompt.size(2);
            Tensor padded = torch.zeros(new long[] {batch, codebooks, frames}, new TensorOptions(ScalarType.Long)).to(textIds.device(), ScalarType.Long);
            padded.narrow(2, 0, promptFrames).copy_(prompt);
            promptDelayed = pattern.delay(padded); // [B, K, S]
            promptMask = pattern.validMask(promptFrames).to(textIds.device(), ScalarType.Bool); // [K, P + K − 1]
        }
        try (TokenBlend.Decoding decoding = blend.start(textIds, textMask, options, steps, useCache)) {
            for (int s = 0; s < steps; s++) {
                try (PointerScope step = new PointerScope()) {
                    Tensor tokens = decoding.sample(sequence, s, seed); // [B, K]
                    tokens = tokens.masked_fill(forced.select(1, s).unsqueeze(0), new Scalar(special));
                    if (promptMask != null && s < promptMask.size(1)) {
                        tokens = torch.where(promptMask.select(1, s).unsqueeze(0), promptDelayed.select(2, s), tokens);
                    }
                    sequence.select(2, s + 1).copy_(tokens);
                }
                progress.update(s + 1, steps);
            }
        }
        return pattern.revert(sequence.narrow(2, 1, steps)); // [B, K, frames]
    }

    /**
     * A model whose next-token log-probabilities are combined with the main model's at every step.
     *
     * @param model  a model that shares the main model's codec and text tokenizer
     * @param weight its weight in the product of experts, in [0, 1]; the main model's weight is 1 − Σ blended weights
     */
    public record Blended(MusicgenForConditionalGeneration model, double weight) {}

    /** [B, K, n] → [2B, K, n] when guidance batches the null condition, else unchanged. */
    static Tensor batched(Tensor ids, SamplerOptions options) {
        return options.usesGuidance() ? cat(ids, ids, 0) : ids;
    }

    /** a and b joined along {@code dim}. */
    static Tensor cat(Tensor a, Tensor b, long dim) {
        TensorVector both = new TensorVector();
        both.push_back(a);
        both.push_back(b);
        return torch.cat(both, dim);
    }
}
