package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.ModelSource;
import dev.retune.model.CodebookLoss;
import dev.retune.model.DelayPattern;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import dev.retune.model.TextTokenizer;
import dev.retune.train.DemoSubset;
import dev.retune.train.TrainRun;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PMI between a clip and a prompt equals the same quantity from a plain forward pass, and retrieval finds the prompts
 * a model was trained to tie to two clearly different clips (and misses them all when the prompts are swapped).
 */
class PromptAlignmentTest {

    private static final String CHIP = "chiptune triangle arpeggio";
    private static final String DRUMS = "drum and bass loop with snappy snare";

    @TempDir
    static Path dir;

    private static Path data;
    private static Path tiny;
    private static Path pair;
    private static Path runDir;
    private static RetuneConfig training;

    /** A tiny model trained 60 steps on two clearly different clips, each with its own prompt. */
    @BeforeAll
    static void trainOnTwoClips() throws Exception {
        data = DemoSubset.copyTo(dir.resolve("data"));
        tiny = dir.resolve("tiny");
        ModelFolder.createPreset("tiny", 3, tiny, ScalarType.Float);
        pair = Files.createDirectories(dir.resolve("two-clips"));
        Files.copy(data.resolve("chip_arpeggio.ogg"), pair.resolve("chip_arpeggio.ogg"));
        Files.copy(data.resolve("dnb_drums.opus"), pair.resolve("dnb_drums.opus"));
        Files.writeString(pair.resolve("metadata.csv"), "file_name,description,split\nchip_arpeggio.ogg," + CHIP + ",train\n"
                + "dnb_drums.opus," + DRUMS + ",train\n");
        runDir = dir.resolve("run");
        training = config(dir.resolve("train.yaml"), pair, "train: {cfg_dropout_p: 0.2, seed: 5, max_steps: 60}\n");
        new TrainRun(training, runDir).run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, null), new AtomicBoolean());
    }

    @Test
    void pmiIsTheLikelihoodGainOverTheNullConditionOfADirectForward() {
        Device cpu = new Device("cpu");
        ModelSource source = ModelSource.run(runDir, CheckpointChoice.DEFAULT, cpu);
        List<PromptAlignment.Pair> pairs = List.of(new PromptAlignment.Pair(data.resolve("chip_arpeggio.ogg"), CHIP),
                new PromptAlignment.Pair(data.resolve("dnb_drums.opus"), DRUMS),
                new PromptAlignment.Pair(data.resolve("funk_bass.ogg"), "funky bass line, E minor"),
                new PromptAlignment.Pair(data.resolve("saw_stabs.m4a"), CHIP)); // a prompt given twice is one candidate

        AlignmentResult result = PromptAlignment.score(training, source, cpu, pairs, ProgressListener.NONE, new AtomicBoolean());

        assertEquals(List.of(CHIP, DRUMS, "funky bass line, E minor"), result.prompts());
        assertEquals(1.0 / 3, result.chanceLevel(), 1e-15);
        assertEquals(1.0, result.seconds());
        for (int i = 0; i < pairs.size(); i++) {
            for (int j = 0; j < result.prompts().size(); j++) {
                double direct = directPmi(source.model(), source.tokenizer(), pairs.get(i).audio(), result.prompts().get(j));
                assertEquals(direct, result.pmi().get(i).get(j), 1e-5, "clip " + i + ", prompt " + j);
            }
            assertEquals(4 * 50, result.clips().get(i).tokens(), "1 s of the tiny codec: 50 frames × 4 codebooks");
        }
        assertEquals(result.pmi().get(3).get(0), result.clips().get(3).pmi(), "saw_stabs' own prompt is the first column");
        assertTrue(result.pmi().get(0).get(0) > 0.05 && result.pmi().get(0).get(1) < -0.05, "the trained prompts move the likelihood: " + result);
    }

    @Test
    void retrievalFindsThePromptsATrainedModelTiesToItsClipsAndMissesThemSwapped() {
        Path chip = pair.resolve("chip_arpeggio.ogg");
        Path drums = pair.resolve("dnb_drums.opus");

        AlignmentResult own = PromptAlignment.score(training, ModelLocation.run(runDir, null),
                List.of(new PromptAlignment.Pair(chip, CHIP), new PromptAlignment.Pair(drums, DRUMS)), ProgressListener.NONE, new AtomicBoolean());
        AlignmentResult swapped = PromptAlignment.score(training, ModelLocation.run(runDir, null),
                List.of(new PromptAlignment.Pair(chip, DRUMS), new PromptAlignment.Pair(drums, CHIP)), ProgressListener.NONE, new AtomicBoolean());

        assertEquals(0.5, own.chanceLevel());
        assertEquals(1.0, own.recallAt1(), own.toString());
        assertEquals(1.0, own.meanReciprocalRank(), own.toString());
        assertTrue(own.meanPmi() > 0.05, "a trained prompt makes its clip likelier than no prompt: " + own.meanPmi());
        assertEquals(0.0, swapped.recallAt1(), swapped.toString());
        assertEquals(0.5, swapped.meanReciprocalRank(), swapped.toString());
        assertEquals(2.0, swapped.clips().get(0).rank());
        assertTrue(swapped.meanPmi() < own.meanPmi(), swapped.meanPmi() + " vs " + own.meanPmi());
    }

    @Test
    void aClipWithoutItsSidecarIsNamed() throws Exception {
        Path audio = data.resolve("funk_bass.ogg");
        EvaluationException e = assertThrows(EvaluationException.class, () -> PromptAlignment.Pair.fromSidecar(audio));
        assertEquals(Failure.BAD_INPUT, e.failure());
        assertTrue(e.getMessage().contains(audio + ": no sidecar funk_bass.ogg.json"), e.getMessage());

        Files.writeString(data.resolve("funk_bass.ogg.json"), "{\"prompt\": \"funky bass\", \"seed\": 1}");
        assertEquals(new PromptAlignment.Pair(audio, "funky bass"), PromptAlignment.Pair.fromSidecar(audio));
        Files.writeString(data.resolve("funk_bass.ogg.json"), "{\"seed\": 1}");
        assertTrue(assertThrows(EvaluationException.class, () -> PromptAlignment.Pair.fromSidecar(audio)).getMessage()
                .endsWith("funk_bass.ogg.json: no \"prompt\" string"));
    }

    /** PMI from one plain forward per condition: CodebookLoss (the model's reference loss) of the null minus the prompted. */
    private static double directPmi(MusicgenForConditionalGeneration model, Path tokenizerFile, Path file, String prompt) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Audio audio = AudioDecoder.read(file, new AudioFormat(32_000, 1), 0, 1.0);
            Tensor codes = model.audio_encoder.encode(model.audio_encoder.waveform(audio.samples())).narrow(2, 0, 50); // [1, K, 50]
            DelayPattern pattern = new DelayPattern(4, model.config().decoder().specialToken());
            Tensor delayed = pattern.delay(codes);
            TextTokenizer.Batch text = TextTokenizer.load(tokenizerFile).encode(List.of(prompt), TextTokenizer.MAX_PROMPT_TOKENS);
            Conditioning conditioning = model.condition(text.idsTensor(), text.maskTensor());
            long special = model.config().decoder().specialToken();
            double prompted = CodebookLoss.compute(model.logits(pattern.inputs(delayed), conditioning), delayed, special).loss().item_double();
            double nulled = CodebookLoss.compute(model.logits(pattern.inputs(delayed), conditioning.nulled()), delayed, special).loss().item_double();
            // Every codebook has the same 50 targets, so the mean of the codebooks' means is the mean over tokens.
            return nulled - prompted;
        }
    }

    private static RetuneConfig config(Path yaml, Path dataset, String extra) throws Exception {
        Files.writeString(yaml, String.join("\n",
                "model: {path: " + tiny + "}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, batch_size: 2, cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant, warmup_steps: 0}",
                "checkpoint: {every: 1000}",
                extra));
        return ConfigLoader.load(yaml, List.of());
    }
}
