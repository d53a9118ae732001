package dev.retune.evaluate;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.config.RetuneConfig;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioException;
import dev.retune.data.AudioFormat;
import dev.retune.data.Split;
import dev.retune.data.TokenCache;
import dev.retune.data.Track;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.ModelSource;
import dev.retune.model.DelayPattern;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TextTokenizer;
import dev.retune.train.Batch;
import dev.retune.train.BatchLoss;
import dev.retune.train.StopRequestedException;
import dev.retune.train.TrainRun;
import dev.retune.train.TrainingData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prompt alignment without a CLAP model: the language model's own pointwise mutual information between a clip's codec
 * tokens and a prompt, PMI(clip, prompt) = mean over the clip's valid target tokens of ln p(token | prompt) −
 * ln p(token | null condition), and retrieval of each clip's own prompt among all distinct prompts by that score.
 * The null condition is training's condition dropout (the prompt's conditioning zeroed, {@code Conditioning.nulled}).
 *
 * <p>Each clip is scored on its first {@code data.segment_seconds}, decoded at {@code data.sample_rate} /
 * {@code data.channels} and encoded by the source's codec, cut and delayed exactly as a validation batch (the trainer's
 * {@link BatchLoss}, the config's precision). One clip's audio and codes are held at a time; the N × M scores are kept.
 */
public final class PromptAlignment {

    /** An audio file and the prompt it is meant to match. */
    public record Pair(Path audio, String prompt) {

        public Pair {
            if (audio == null || prompt == null || prompt.isBlank()) {
                throw new EvaluationException(Failure.USAGE, (audio == null ? "a clip" : audio.toString())
                        + ": every clip needs a file and a non-empty prompt");
            }
        }

        /** A generated file with the prompt its sidecar ({@code FILE.json}, written by generation) records. */
        public static Pair fromSidecar(Path audio) {
            Path sidecar = audio.resolveSibling(audio.getFileName() + ".json");
            if (!Files.isRegularFile(sidecar)) {
                throw new EvaluationException(Failure.BAD_INPUT, audio + ": no sidecar " + sidecar.getFileName()
                        + " next to it to read its prompt from");
            }
            try {
                JsonNode prompt = JsonMapper.shared().readTree(Files.readString(sidecar)).get("prompt");
                if (prompt == null || !prompt.isString()) {
                    throw new EvaluationException(Failure.BAD_INPUT, sidecar + ": no \"prompt\" string");
                }
                return new Pair(audio, prompt.asString());
            } catch (JacksonException e) {
                throw new EvaluationException(Failure.BAD_INPUT, sidecar + ": not a JSON sidecar: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new EvaluationException(Failure.BAD_INPUT, sidecar + ": cannot read it: " + e.getMessage());
            }
        }
    }

    private PromptAlignment() {}

    /** Loads {@code location} on the config's device, then {@link #score(RetuneConfig, ModelSource, Device, List, ProgressListener, AtomicBoolean)}. */
    public static AlignmentResult score(RetuneConfig config, ModelLocation location, List<Pair> pairs, ProgressListener progress,
                                        AtomicBoolean stop) {
        Device device = HeldOutFit.device(config);
        return score(config, ModelSource.load(location, device), device, pairs, progress, stop);
    }

    /**
     * @param config   segment length, batch size, audio format, precision and loss kernel
     * @param progress clips scored
     * @param stop     checked between clips; when set, a {@link StopRequestedException}
     */
    public static AlignmentResult score(RetuneConfig config, ModelSource source, Device device, List<Pair> pairs, ProgressListener progress,
                                        AtomicBoolean stop) {
        if (pairs.isEmpty()) {
            throw new EvaluationException(Failure.USAGE, "give at least one clip with its prompt to score");
        }
        MusicgenForConditionalGeneration model = source.model();
        Map<String, Integer> distinct = new LinkedHashMap<>();
        pairs.forEach(p -> distinct.putIfAbsent(p.prompt(), distinct.size()));
        List<String> prompts = List.copyOf(distinct.keySet());
        TrainingData.Options options = TrainRun.dataOptions(config, model.config());
        Scorer scorer = new Scorer(BatchLoss.forEvaluation(config, model, device), TextTokenizer.load(source.tokenizer()),
                new DelayPattern(model.config().decoder().numCodebooks(), model.config().decoder().specialToken()), options);
        double seconds = (double) options.segmentFrames() / model.config().audioEncoder().frameRate();
        AudioFormat format = new AudioFormat(config.data().sampleRate(), config.data().channels());
        Ranking ranking = new Ranking(prompts.size());
        List<List<Double>> pmi = new ArrayList<>();
        model.train(false);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Pair pair : pairs) {
                if (stop.get()) {
                    throw new StopRequestedException("stopped while scoring prompt alignment with " + source.identity());
                }
                try (PointerScope scope = new PointerScope()) {
                    TokenCache.Codes codes = firstSegment(model.audio_encoder, pair.audio(), format, seconds);
                    Scores scores = scorer.score(pair.audio(), codes, pair.prompt(), prompts);
                    ranking.add(pair, scores, distinct.get(pair.prompt()));
                    pmi.add(Arrays.stream(scores.pmi()).boxed().toList());
                }
                progress.update(pmi.size(), pairs.size());
            }
        }
        return ranking.result(source.identity(), seconds, prompts, pmi);
    }

    /** The codec's tokens of the first {@code seconds} of {@code file}: [K, T] int16. */
    private static TokenCache.Codes firstSegment(EncodecModel codec, Path file, AudioFormat format, double seconds) {
        Audio audio = AudioDecoder.read(file, format, 0, seconds);
        if (audio.frames() == 0) {
            throw new AudioException(file, "holds no audio to score");
        }
        Tensor codes = codec.encode(codec.waveform(audio.samples())).select(0, 0).to(ScalarType.Short).cpu().contiguous(); // [K, T]
        short[] values = new short[(int) codes.numel()];
        codes.data_ptr_short().get(values);
        return new TokenCache.Codes(values, (int) codes.size(0), (int) codes.size(1));
    }

    /** One clip's PMI with each distinct prompt, and its valid target tokens. */
    private record Scores(double[] pmi, long tokens) {}

    /** One clip's mean log-likelihood per token under each prompt and under the null condition. */
    private static final class Scorer {
        private final BatchLoss batchLoss;
        private final TextTokenizer tokenizer;
        private final DelayPattern pattern;
        private final TrainingData.Options options;

        Scorer(BatchLoss batchLoss, TextTokenizer tokenizer, DelayPattern pattern, TrainingData.Options options) {
            this.batchLoss = batchLoss;
            this.tokenizer = tokenizer;
            this.pattern = pattern;
            this.options = options;
        }

        Scores score(Path file, TokenCache.Codes codes, String ownPrompt, List<String> prompts) {
            List<TrainingData.Example> rows = new ArrayList<>();
            for (String prompt : prompts) {
                rows.add(new TrainingData.Example(new Track(0, file.toString(), file, prompt, Map.of(), Split.VALID), codes));
            }
            TrainingData data = TrainingData.forScoring(rows, tokenizer, pattern, options);
            double[] scores = new double[prompts.size()];
            for (int b = 0; b < data.validBatches(); b++) {
                BatchLoss.Forward forward = batchLoss.forward(data.validBatch(b));
                for (int row = 0; row < forward.logits().size(0); row++) {
                    RowLoss loss = RowLoss.of(batchLoss, forward, row);
                    scores[b * options.batchSize() + row] = -loss.sum() / loss.count();
                }
            }
            RowLoss unconditional = unconditional(file, codes, ownPrompt);
            for (int j = 0; j < scores.length; j++) {
                scores[j] += unconditional.sum() / unconditional.count();
            }
            return new Scores(scores, unconditional.count());
        }

        /** The clip under the null condition: its own prompt's conditioning zeroed, as condition dropout trains it. */
        private RowLoss unconditional(Path file, TokenCache.Codes codes, String ownPrompt) {
            TrainingData.Example own = new TrainingData.Example(new Track(0, file.toString(), file, ownPrompt, Map.of(), Split.VALID), codes);
            Batch batch = TrainingData.forScoring(List.of(own), tokenizer, pattern, options).validBatch(0);
            Batch nulled = new Batch(batch.textIds(), batch.textMask(), batch.inputs(), batch.labels(), true, batch.tokens());
            return RowLoss.of(batchLoss, batchLoss.forward(nulled), 0);
        }
    }

    /** Each clip's own prompt ranked among all, ties shared (the expectation over random tie-breaking). */
    private static final class Ranking {
        private final int prompts;
        private final List<AlignmentResult.Clip> clips = new ArrayList<>();
        private double hits;
        private double reciprocalRanks;
        private double pmiSum;

        Ranking(int prompts) {
            this.prompts = prompts;
        }

        void add(Pair pair, Scores scores, int own) {
            double[] pmi = scores.pmi();
            int above = 0;
            int tied = 0;
            for (int j = 0; j < pmi.length; j++) {
                if (j != own && pmi[j] > pmi[own]) {
                    above++;
                } else if (j != own && pmi[j] == pmi[own]) {
                    tied++;
                }
            }
            double reciprocal = 0;
            for (int rank = above + 1; rank <= above + 1 + tied; rank++) {
                reciprocal += 1.0 / rank;
            }
            hits += above == 0 ? 1.0 / (tied + 1) : 0;
            reciprocalRanks += reciprocal / (tied + 1);
            pmiSum += pmi[own];
            clips.add(new AlignmentResult.Clip(pair.audio().toString(), pair.prompt(), scores.tokens(), pmi[own], above + 1 + tied / 2.0));
        }

        AlignmentResult result(String source, double seconds, List<String> promptTexts, List<List<Double>> pmi) {
            int n = clips.size();
            return new AlignmentResult(source, seconds, 1.0 / prompts, hits / n, reciprocalRanks / n, pmiSum / n, clips, promptTexts, pmi);
        }
    }
}
