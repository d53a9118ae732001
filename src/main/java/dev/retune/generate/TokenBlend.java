package dev.retune.generate;

import dev.retune.model.DecoderConfig;
import dev.retune.model.KvCache;
import dev.retune.model.MusicgenForCausalLM;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import dev.retune.model.Shapes;
import dev.retune.model.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Token-level blending of models that share a codec: a product of experts over the next token. At each decoding step
 * every model i with weight wᵢ &gt; 0 runs on the same sequence with its own text conditioning and KV cache, its logits
 * are guided on their own (gᵢ = uᵢ + (cᵢ − uᵢ) · cfg), and the token is drawn from Σ wᵢ · log_softmax(gᵢ): temperature,
 * top-k and top-p apply to that sum, and the draw's softmax renormalizes it. The main model's weight is 1 − Σ of the
 * blended weights.
 *
 * <p>A model of weight 0 takes no part. When a single model is left (every blend weight 0, or one blended model of
 * weight 1), its logits are sampled exactly as without blending, so the tokens are bit for bit those of that model
 * alone.
 */
final class TokenBlend {

    private record Member(MusicgenForConditionalGeneration model, double weight) {}

    private final List<Member> members;

    private TokenBlend(List<Member> members) {
        this.members = members;
    }

    /** {@code main} with {@code blends}; the blend weights must lie in [0, 1] and sum to at most 1. */
    static TokenBlend of(MusicgenForConditionalGeneration main, List<Generator.Blended> blends) {
        double blended = 0;
        List<Member> members = new ArrayList<>();
        for (Generator.Blended blend : blends) {
            if (!(blend.weight() >= 0 && blend.weight() <= 1)) {
                throw new IllegalArgumentException("blend weight: expected a number in [0, 1], found " + blend.weight());
            }
            blended += blend.weight();
            if (blend.weight() > 0) {
                members.add(new Member(blend.model(), blend.weight()));
            }
        }
        if (blended > 1 + 1e-9) {
            throw new IllegalArgumentException("blend weights: expected a sum of at most 1, found " + blended);
        }
        double mainWeight = blends.isEmpty() ? 1 : 1 - blended;
        if (mainWeight > 0) {
            members.add(0, new Member(main, mainWeight));
        }
        return new TokenBlend(List.copyOf(members));
    }

    /**
     * {@code other}'s model when it can be blended into {@code main}'s: the same codec (its config and every weight), the
     * same decoder vocabulary, codebooks, special token and positions, and the same text tokenizer. Anything else is an
     * {@link InvalidRequestException} starting with {@code what} (the option and its value).
     */
    static MusicgenForConditionalGeneration compatible(ModelSource main, ModelSource other, String what) {
        DecoderConfig a = main.model().config().decoder();
        DecoderConfig b = other.model().config().decoder();
        String differs = null;
        if (!main.model().config().audioEncoder().equals(other.model().config().audioEncoder())) {
            differs = "its codec's config differs from the main source's";
        } else if (!a.vocabSize().equals(b.vocabSize())) {
            differs = "its vocabulary has " + b.vocabSize() + " tokens per codebook, the main source's " + a.vocabSize();
        } else if (a.numCodebooks() != b.numCodebooks()) {
            differs = "it has " + b.numCodebooks() + " codebooks, the main source " + a.numCodebooks();
        } else if (a.specialToken() != b.specialToken()) {
            differs = "its special token is " + b.specialToken() + ", the main source's " + a.specialToken();
        } else if (!a.maxPositionEmbeddings().equals(b.maxPositionEmbeddings())) {
            differs = "it has " + b.maxPositionEmbeddings() + " decoder positions, the main source " + a.maxPositionEmbeddings();
        } else if (!sameWeights(main.model().audio_encoder, other.model().audio_encoder)) {
            differs = "its codec's weights differ from the main source's (the same tokens would mean other sounds)";
        } else if (!sameFile(main.tokenizer(), other.tokenizer())) {
            differs = "its text tokenizer (" + other.tokenizer() + ") differs from the main source's (" + main.tokenizer() + ")";
        }
        if (differs != null) {
            throw new InvalidRequestException(what + ": cannot blend: " + differs + "; token-level blending needs sources that share a codec");
        }
        return other.model();
    }

    private static boolean sameWeights(Module a, Module b) {
        Map<String, Tensor> left = StateDict.of(a);
        Map<String, Tensor> right = StateDict.of(b);
        if (!left.keySet().equals(right.keySet())) {
            return false;
        }
        try (PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> entry : left.entrySet()) {
                Tensor other = right.get(entry.getKey());
                if (!Arrays.equals(Shapes.of(entry.getValue()), Shapes.of(other)) || !entry.getValue().cpu().equal(other.cpu())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.mismatch(a, b) < 0;
        } catch (IOException e) {
            throw new InvalidRequestException("cannot compare the text tokenizers " + a + " and " + b + ": " + e.getMessage());
        }
    }

    /** Conditions every model on the text and opens its cache: the state of one generation. Close it to free the caches. */
    Decoding start(Tensor textIds, Tensor textMask, SamplerOptions options, int steps, boolean useCache) {
        return new Decoding(textIds, textMask, options, steps, useCache);
    }

    /** One model's conditioning and cache. */
    private record Expert(MusicgenForCausalLM lm, double weight, Tensor states, Tensor attentionMask, KvCache cache) {

        /** The last step's logits [B', K, V] for step {@code s} of {@code sequence} [B, K, S + 1]. */
        Tensor logits(Tensor sequence, int s, SamplerOptions options) {
            if (cache != null) {
                Tensor input = Generator.batched(sequence.narrow(2, s, 1), options); // [B', K, 1]
                return lm.forward(input, s, states, attentionMask, cache).select(2, 0);
            }
            Tensor input = Generator.batched(sequence.narrow(2, 0, s + 1), options); // [B', K, s + 1]
            return lm.forward(input, 0, states, attentionMask).select(2, s);
        }
    }

    final class Decoding implements AutoCloseable {

        private final List<Expert> experts = new ArrayList<>();
        private final SamplerOptions options;
        private final Sampler sampler;
        private final Sampler combinedSampler;

        private Decoding(Tensor textIds, Tensor textMask, SamplerOptions options, int steps, boolean useCache) {
            this.options = options;
            this.sampler = new Sampler(options);
            this.combinedSampler = new Sampler(new SamplerOptions(options.temperature(), options.topK(), options.topP(), 1.0, options.kernel()));
            for (Member member : members) {
                MusicgenForConditionalGeneration model = member.model();
                Conditioning text = model.condition(textIds, textMask);
                if (options.usesGuidance()) {
                    Conditioning none = text.nulled();
                    text = new Conditioning(Generator.cat(text.states(), none.states(), 0), Generator.cat(text.mask(), none.mask(), 0)); // [2B, ...]
                }
                KvCache cache = useCache ? KvCache.forDecoder(model.config().decoder(), steps) : null;
                experts.add(new Expert(model.decoder, member.weight(), text.states(), text.attentionMask(), cache));
            }
        }

        /** Tokens [B, K] for step {@code s}. */
        Tensor sample(Tensor sequence, int s, long seed) {
            if (experts.size() == 1) {
                return sampler.sample(experts.get(0).logits(sequence, s, options), seed, s);
            }
            Tensor combined = null; // [B, K, V]
            for (Expert expert : experts) {
                Tensor logProbs = guided(expert.logits(sequence, s, options)).log_softmax(2).mul(new Scalar(expert.weight()));
                combined = combined == null ? logProbs : combined.add(logProbs);
            }
            return combinedSampler.sample(combined, seed, s);
        }

        /** [2B, K, V] = [cond; null] → u + (c − u) · cfg [B, K, V] in fp32, as the sampler guides; [B, K, V] unchanged. */
        private Tensor guided(Tensor logits) {
            Tensor fp32 = logits.to(ScalarType.Float);
            if (!options.usesGuidance()) {
                return fp32;
            }
            long batch = fp32.size(0) / 2;
            Tensor cond = fp32.narrow(0, 0, batch);
            Tensor uncond = fp32.narrow(0, batch, batch);
            return uncond.add(cond.sub(uncond).mul(new Scalar(options.guidanceScale())));
        }

        @Override
        public void close() {
            for (Expert expert : experts) {
                if (expert.cache() != null) {
                    expert.cache().close();
                }
            }
        }
    }
}
