package dev.retune.generate;

import dev.retune.model.DecoderConfig;
import dev.retune.model.DelayPattern;
import dev.retune.model.KvCache;
import dev.retune.model.MusicgenForCausalLM;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import java.util.SplittableRandom;
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
 * codes [B, K, frames].
 */
public final class Generator {

    private Generator() {
    }

    /**
     * @param textIds  [B, L] text token ids
     * @param textMask [B, L] 1 for real tokens
     * @param frames   codec frames to generate (≥ 1)
     * @param seed     seeds the sampler's RNG: the same seed gives the same codes
     * @param useCache run each step on the new column only, with a KV cache (same tokens, much faster)
     */
    public static GeneratorResult generate(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask, int frames,
            SamplerOptions options, long seed, boolean useCache, ProgressListener progress) {
        if (frames < 1) {
            throw new IllegalArgumentException("frames: expected ≥ 1, found " + frames);
        }
        boolean wasTraining = model.is_training();
        model.train(false);
        Tensor codes;
        int steps = frames + model.config().decoder().numCodebooks() - 1;
        long started = System.nanoTime();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            codes = generateDelayed(model, textIds, textMask, frames, options, seed, useCache, progress);
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

    private static Tensor generateDelayed(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask, int frames,
            SamplerOptions options, long seed, boolean useCache, ProgressListener progress) {
        DecoderConfig config = model.config().decoder();
        int codebooks = config.numCodebooks();
        long special = config.specialToken();
        long batch = textIds.size(0);
        int steps = frames + codebooks - 1;
        DelayPattern pattern = new DelayPattern(codebooks, special);
        Conditioning text = model.condition(textIds, textMask);
        if (options.usesGuidance()) {
            Conditioning none = text.nulled();
            text = new Conditioning(cat(text.states(), none.states()), cat(text.mask(), none.mask())); // [2B, ...]
        }
        Tensor states = text.states();
        Tensor attentionMask = text.attentionMask();
        Tensor sequence = torch.full(new long[] {batch, codebooks, steps + 1}, new Scalar(special),
                new TensorOptions(ScalarType.Long).device(new DeviceOptional(textIds.device()))); // [B, K, S + 1], BOS first
        Tensor forced = pattern.validMask(frames).logical_not().to(textIds.device(), ScalarType.Bool); // [K, S]
        Sampler sampler = new Sampler(options);
        SplittableRandom random = new SplittableRandom(seed);
        MusicgenForCausalLM lm = model.decoder;
        try (KvCache cache = useCache ? KvCache.forDecoder(config, steps) : null) {
            for (int s = 0; s < steps; s++) {
                try (PointerScope step = new PointerScope()) {
                    Tensor logits; // [B', K, V] of the last step
                    if (cache != null) {
                        Tensor input = batched(sequence.narrow(2, s, 1), options); // [B', K, 1]
                        logits = lm.forward(input, s, states, attentionMask, cache).select(2, 0);
                    } else {
                        Tensor input = batched(sequence.narrow(2, 0, s + 1), options); // [B', K, s + 1]
                        logits = lm.forward(input, 0, states, attentionMask).select(2, s);
                    }
                    if (options.usesGuidance()) {
                        logits = Sampler.guide(logits.narrow(0, 0, batch), logits.narrow(0, batch, batch), options.guidanceScale());
                    }
                    Tensor tokens = sampler.sample(logits.to(ScalarType.Float), random); // [B, K]
                    tokens = tokens.masked_fill(forced.select(1, s).unsqueeze(0), new Scalar(special));
                    sequence.select(2, s + 1).copy_(tokens);
                }
                progress.onStep(s + 1, steps);
            }
        }
        return pattern.revert(sequence.narrow(2, 1, steps)); // [B, K, frames]
    }

    /** [B, K, n] → [2B, K, n] when guidance batches the null condition, else unchanged. */
    private static Tensor batched(Tensor ids, SamplerOptions options) {
        return options.usesGuidance() ? cat(ids, ids) : ids;
    }

    private static Tensor cat(Tensor a, Tensor b) {
        TensorVector both = new TensorVector();
        both.push_back(a);
        both.push_back(b);
        return torch.cat(both, 0);
    }
}
