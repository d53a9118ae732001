package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.adapt.Lora;
import dev.retune.adapt.PeftAdapter;
import dev.retune.config.DeviceConfig;
import dev.retune.config.LoraSection;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.model.DelayPattern;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import dev.retune.model.TinyTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Composition at generation on the tiny model: weighted adapters ({@code --adapter DIR:W}), token-level blending
 * ({@code --blend}) and the waveform mix ({@code --mix}), each checked at its ends bit for bit and in between against
 * its formula.
 */
class CompositionTest {

    private static final double SECONDS = 0.3;

    @TempDir
    static Path dir;

    private static Path tiny;
    private static Path adapter;

    /** The tiny model folder, a LoRA adapter for it with known random deltas, and a tiny model of another codec. */
    @BeforeAll
    static void modelsAndAnAdapter() {
        TinyTokenizer.write(dir.resolve("tokenizer.json"));
        tiny = save("tiny", 4);
        save("other-codec", 5);
        adapter = dir.resolve("adapter");
        MusicgenForConditionalGeneration model = ModelFolder.load(tiny, ScalarType.Float, new Device("cpu")).model();
        LoraSection config = new LoraSection(4, 8.0, 0.0, "self_attn\\.(q|v)_proj|fc1", null, false, LoraSection.KAIMING);
        Lora lora = Lora.apply(model, config);
        torch.manual_seed(9);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            lora.trainable().values().forEach(t -> torch.normal_(t, 0.0, 0.3));
        }
        PeftAdapter.write(adapter, lora, "tiny");
    }

    private static Path save(String name, long seed) {
        torch.manual_seed(seed);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        ModelFolder.save(model, dir.resolve(name), ScalarType.Float, dir.resolve("tokenizer.json"));
        return dir.resolve(name);
    }

    // ---- weighted adapters -----------------------------------------------------------------------------------------

    @Test
    void adapterWeightZeroIsTheBaseModelsAudioAndWeightOneTheAdapterAloneBitForBit() throws Exception {
        byte[] base = audio("base.wav", tiny.toString(), List.of(), null);
        byte[] off = audio("off.wav", tiny + "+" + adapter + ":0", List.of(), null);
        byte[] alone = audio("alone.wav", tiny + "+" + adapter, List.of(), null);
        byte[] one = audio("one.wav", tiny + "+" + adapter + ":1", List.of(), null);
        byte[] half = audio("half.wav", tiny + "+" + adapter + ":0.5", List.of(), null);

        assertArrayEquals(base, off, "weight 0 = the base model");
        assertArrayEquals(alone, one, "weight 1 = the adapter as today's --adapter DIR applies it");
        assertFalse(Arrays.equals(base, alone), "the adapter changes the audio");
        assertFalse(Arrays.equals(half, alone) || Arrays.equals(half, base), "half the delta is neither");
        JsonNode sidecar = JsonMapper.shared().readTree(Files.readString(dir.resolve("half.wav.json")));
        assertEquals("model " + tiny + " + adapters [" + adapter + ":0.5]", sidecar.get("source").asString());
    }

    @Test
    void theSpecSyntaxTakesTheNumberAfterTheLastColonAsTheWeight() throws Exception {
        Path colon = Files.createDirectories(dir.resolve("odd:name"));
        ModelLocation weighted = ModelLocation.parse(tiny + "+" + adapter + ":0.25+" + colon + ":2");
        ModelLocation plain = ModelLocation.parse(tiny + "+" + colon);

        assertEquals(List.of(adapter, colon), weighted.adapters());
        assertEquals(List.of(0.25, 2.0), weighted.adapterWeights());
        assertEquals(List.of(colon), plain.adapters(), "':name' is no number: part of the folder's name");
        assertEquals(List.of(1.0), plain.adapterWeights());
        assertTrue(assertThrows(InvalidRequestException.class, () -> ModelLocation.parse(tiny + "+" + adapter + ":-1"))
                .getMessage().contains("must be a finite number ≥ 0, found -1.0"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> ModelLocation.parse(tiny + "+" + adapter + ":NaN"))
                .getMessage().contains("not a number (NaN)"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> ModelLocation.parse(tiny + "+" + adapter + ":half"))
                .getMessage().contains("'half' after the last ':' is not a weight"));
    }

    // ---- token-level blending --------------------------------------------------------------------------------------

    @Test
    void blendWeightZeroIsTheMainSourceAndWeightOneTheBlendedSourceBitForBit() throws Exception {
        String adapted = tiny + "+" + adapter;
        byte[] main = audio("main.wav", tiny.toString(), List.of(), null);
        byte[] blended = audio("blended.wav", adapted, List.of(), null);

        byte[] zero = audio("blend0.wav", tiny.toString(), List.of(adapted + ":0"), null);
        byte[] one = audio("blend1.wav", tiny.toString(), List.of(adapted + ":1"), null);
        byte[] half = audio("blend05.wav", tiny.toString(), List.of(adapted + ":0.5"), null);

        assertArrayEquals(main, zero);
        assertArrayEquals(blended, one);
        assertFalse(Arrays.equals(half, main) || Arrays.equals(half, blended), "an even blend is neither source");
        JsonNode sidecar = JsonMapper.shared().readTree(Files.readString(dir.resolve("blend05.wav.json")));
        assertEquals(adapted + ":0.5", sidecar.get("blend").get(0).asString());
    }

    /** Every token of a greedy blend is the argmax of Σ wᵢ · log_softmax(guided logitsᵢ), recomputed here step by step. */
    @Test
    void eachBlendedTokenIsTheArgmaxOfTheWeightedSumOfGuidedLogProbabilities() {
        MusicgenForConditionalGeneration main = ModelSource.load(ModelLocation.parse(tiny.toString()), new Device("cpu")).model();
        MusicgenForConditionalGeneration other = ModelSource.load(ModelLocation.parse(tiny + "+" + adapter), new Device("cpu")).model();
        Tensor textIds = torch.tensor(new long[] {5, 6, 7, 1, 8, 9, 1, 0}).reshape(2, 4);
        Tensor textMask = torch.tensor(new long[] {1, 1, 1, 1, 1, 1, 1, 0}).reshape(2, 4);
        SamplerOptions greedy = Sampling.greedy(3.0);
        int frames = 6;
        double w = 0.3;

        Tensor codes = Generator.generate(main, List.of(new Generator.Blended(other, w)), textIds, textMask, null, frames, greedy, 0,
                true, ProgressListener.NONE).codes(); // [B, K, frames]
        Tensor alone = Generator.generate(main, textIds, textMask, frames, greedy, 0, true, ProgressListener.NONE).codes();

        int codebooks = main.config().decoder().numCodebooks();
        long special = main.config().decoder().specialToken();
        Tensor delayed = new DelayPattern(codebooks, special).delay(codes); // [B, K, S]
        int checked = 0;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int s = 0; s < frames + codebooks - 1; s++) {
                Tensor bos = torch.full(new long[] {2, codebooks, 1}, new Scalar(special), new TensorOptions(ScalarType.Long));
                Tensor input = s == 0 ? bos : Generator.cat(bos, delayed.narrow(2, 0, s), 2); // [B, K, s + 1]
                Tensor sum = logProbs(main, textIds, textMask, input, s, greedy).mul(new Scalar(1 - w))
                        .add(logProbs(other, textIds, textMask, input, s, greedy).mul(new Scalar(w))); // [B, K, V]
                Tensor expected = sum.argmax(new LongOptional(2), false); // [B, K]
                for (int k = 0; k < codebooks; k++) {
                    if (s >= k && s < frames + k) {
                        assertTrue(torch.equal(expected.select(1, k), delayed.select(2, s).select(1, k)), "step " + s + " codebook " + k);
                        checked++;
                    }
                }
            }
        }
        assertEquals(frames * codebooks, checked);
        assertFalse(torch.equal(codes, alone), "a 0.3 blend changes the greedy tokens");
    }

    /** log_softmax of u + (c − u) · cfg at step s [B, K, V], the model run on the whole input without a cache. */
    private static Tensor logProbs(MusicgenForConditionalGeneration model, Tensor textIds, Tensor textMask, Tensor input, int s,
                                   SamplerOptions options) {
        Conditioning text = model.condition(textIds, textMask);
        Conditioning none = text.nulled();
        Conditioning both = new Conditioning(Generator.cat(text.states(), none.states(), 0), Generator.cat(text.mask(), none.mask(), 0));
        Tensor logits = model.decoder.forward(Generator.cat(input, input, 0), 0, both.states(), both.attentionMask()).select(2, s);
        Tensor cond = logits.narrow(0, 0, 2);
        Tensor uncond = logits.narrow(0, 2, 2);
        return uncond.add(cond.sub(uncond).mul(new Scalar(options.guidanceScale()))).log_softmax(2);
    }

    @Test
    void aBlendSourceOfAnotherCodecIsRefusedNamingTheOption() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> audio("refused.wav", tiny.toString(), List.of(dir.resolve("other-codec") + ":0.5"), null));

        assertTrue(e.getMessage().startsWith("--blend " + dir.resolve("other-codec") + ":0.5: cannot blend: its codec's weights differ"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("refused.wav")));
    }

    // ---- waveform mix ----------------------------------------------------------------------------------------------

    @Test
    void mixFactorZeroIsTheMainAudioAndOneTheOtherTimesItsLoudnessGain() throws Exception {
        String adapted = tiny + "+" + adapter;
        audio("mix-main.wav", tiny.toString(), List.of(), null);
        audio("mix-other.wav", adapted, List.of(), null);
        audio("mix0.wav", tiny.toString(), List.of(), adapted + ":0");
        audio("mix1.wav", tiny.toString(), List.of(), adapted + ":1");

        float[][] main = samples("mix-main.wav");
        float[][] other = samples("mix-other.wav");
        assertArrayEquals(main[0], samples("mix0.wav")[0], "factor 0: the main generation's samples");
        JsonNode mix = JsonMapper.shared().readTree(Files.readString(dir.resolve("mix1.wav.json"))).get("mix");
        double gain = Math.pow(10, mix.get("gain_db").asDouble() / 20);
        float[] one = samples("mix1.wav")[0];
        double worst = 0;
        for (int i = 0; i < one.length; i++) {
            double wanted = Math.max(-1, Math.min(32767 / 32768.0, (float) gain * other[0][i])); // 16-bit WAV: clipped to its range
            worst = Math.max(worst, Math.abs(one[i] - wanted));
        }
        assertTrue(worst <= 0.5 / 32768 + 1e-9, "factor 1: the other's samples × the gain, to 16-bit rounding; worst " + worst);
        assertEquals(adapted + ":1", mix.get("source").asString());
        assertEquals(1.0, mix.get("factor").asDouble());
        double expectedGain = WaveformMix.gain(mix.get("main_lufs").asDouble(), mix.get("other_lufs").asDouble(), peak(other));
        assertEquals(20 * Math.log10(expectedGain), mix.get("gain_db").asDouble(), 1e-9);
        assertEquals("model " + tiny, JsonMapper.shared().readTree(Files.readString(dir.resolve("mix1.wav.json"))).get("source").asString());
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".retune-mix-")), "the working folder is removed");
        }
    }

    @Test
    void theMixOfTwoKnownSignalsIsWhatTheFormulaSays() {
        float[][] a = {{0.5f, -0.25f, 0f, 1f}};
        float[][] b = {{0.1f, 0.2f, -0.4f, 0f}};

        float[][] mixed = WaveformMix.mix(a, b, 0.25, 2.0);

        assertArrayEquals(new float[] {0.75f * 0.5f + 0.5f * 0.1f, 0.75f * -0.25f + 0.5f * 0.2f, 0.5f * -0.4f, 0.75f}, mixed[0], 1e-7f);
        assertEquals(Math.pow(10, 6.0 / 20), WaveformMix.gain(-14.0, -20.0, 0.1), 1e-12, "6 LU quieter: +6 dB");
        assertEquals(Math.pow(10, -3.0 / 20), WaveformMix.gain(-23.0, -20.0, 0.9), 1e-12, "louder: turned down, whatever its peak");
        assertEquals(1 / 0.8, WaveformMix.gain(-10.0, -20.0, 0.8), 1e-12, "+10 dB would lift the peak past full scale: capped there");
        assertEquals(1.0, WaveformMix.gain(-10.0, -20.0, 1.3), 1e-12, "a peak already past full scale gets no gain");
        assertEquals(1.0, WaveformMix.gain(null, -20.0, 0.5), 0.0, "a silent side: no matching");
    }

    @Test
    void mixAndBlendTogetherAreRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> request("both.wav", ModelLocation.parse(tiny.toString()), List.of(tiny + ":0.5"), tiny + ":0.5"));
        assertTrue(e.getMessage().startsWith("--mix and --blend cannot be combined"), e.getMessage());
    }

    private static byte[] audio(String name, String source, List<String> blends, String mix) throws Exception {
        List<GeneratedAudio> results = new ArrayList<>();
        Generation.run(request(name, ModelLocation.parse(source), blends, mix), results::add, ProgressListener.NONE, new AtomicBoolean());
        assertEquals(1, results.size());
        return Files.readAllBytes(dir.resolve(name));
    }

    private static GenerationRequest request(String name, ModelLocation source, List<String> blends, String mix) {
        return new GenerationRequest(source, DeviceConfig.Kind.CPU, List.of("warm analog pad"), null, Sampling.DEFAULTS, 7, SECONDS, null, 1,
                GenerationRequest.Output.file(dir.resolve(name)), blends.stream().map(b -> WeightedSource.parse("--blend", b)).toList(),
                mix == null ? null : WeightedSource.parse("--mix", mix));
    }

    private static float[][] samples(String name) {
        Audio audio = AudioDecoder.decode(dir.resolve(name), AudioFormat.MUSICGEN_MONO);
        return audio.samples();
    }

    private static double peak(float[][] samples) {
        double peak = 0;
        for (float s : samples[0]) {
            peak = Math.max(peak, Math.abs(s));
        }
        return peak;
    }
}
