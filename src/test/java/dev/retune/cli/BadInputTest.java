package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.Safetensors;
import dev.retune.model.SafetensorsWriter;
import dev.retune.model.TinyTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bad input through the CLI, one row per case: each ends with its exit code (2 usage, 3 bad input, 5 a verify that
 * checked nothing) and a message naming the option, key or file, never with a stack trace or a silent acceptance.
 *
 * <p>Arguments may name {@code {tiny}} (a tiny model folder shared by all rows), {@code {config}} (a tiny-preset
 * config over a six-track demo subset, shared) and {@code {case}} (an empty folder of the row's own, which its setup
 * may fill first).
 */
class BadInputTest {

    /** Files a row needs, written into its own folder before the command runs. */
    @FunctionalInterface
    interface Setup {
        void prepare(Path caseDir) throws IOException;
    }

    record Case(String name, int exit, String message, Setup setup, List<String> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case row(String name, int exit, String message, String... args) {
        return new Case(name, exit, message, caseDir -> {}, List.of(args));
    }

    static Case row(String name, int exit, String message, Setup setup, String... args) {
        return new Case(name, exit, message, setup, List.of(args));
    }

    private static Path shared;
    private static Path tiny;
    private static Path config;

    @BeforeAll
    static void sharedFiles() throws IOException {
        shared = Files.createTempDirectory("retune-bad-input");
        tiny = shared.resolve("tiny");
        torch.manual_seed(4);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        TinyTokenizer.write(shared.resolve("tokenizer.json"));
        ModelFolder.save(model, tiny, ScalarType.Float, shared.resolve("tokenizer.json"));
        config = TrainCommandTest.tinyConfig(shared);
    }

    static Stream<Case> cases() {
        return Stream.of(commandLine(), generate(), configs(), modelFiles(), datasets()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersWithItsExitCodeAndAMessageNamingTheCulprit(Case c) throws IOException {
        Path caseDir = Files.createTempDirectory(shared, "case");
        c.setup().prepare(caseDir);
        String[] args = c.args().stream().map(a -> a.replace("{tiny}", tiny.toString()).replace("{config}", config.toString())
                .replace("{case}", caseDir.toString())).toArray(String[]::new);

        CliRun run = CliRun.of(args);

        String shown = "retune " + String.join(" ", Arrays.asList(args)) + "\nstdout: " + run.out() + "\nstderr: " + run.err();
        assertEquals(c.exit(), run.exitCode(), shown);
        assertTrue(run.err().contains(c.message()), "expected the message to contain '" + c.message() + "'\n" + shown);
        assertFalse(run.err().contains("\tat "), "no stack trace\n" + shown);
    }

    // ---- the command line itself: verbs, usage errors -------------------------------------------------------------

    static List<Case> commandLine() {
        return List.of(
                row("an unknown option", 2, "--nope", "train", "{config}", "--nope")
        );
    }

    // ---- retune generate ------------------------------------------------------------------------------------------

    static List<Case> generate() {
        return List.of(
        );
    }

    // ---- configs: --set, YAML files, limits that depend on the model ---------------------------------------------

    static List<Case> configs() {
        return List.of(
        );
    }

    // ---- model folders: config.json, weights, model verify ---------------------------------------------------------

    static List<Case> modelFiles() {
        String layers = "config.json: decoder.num_hidden_layers must be between 1 and 128, found ";
        return List.of(
                // config.json: every command that reads a model folder stops at the same line, before any tensor exists
                row("config.json: -1 decoder layers (inspect)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "model", "inspect", "{case}"),
                row("config.json: -1 decoder layers (verify)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "model", "verify", "{case}", "--reference", "{case}/model.safetensors"),
                row("config.json: -1 decoder layers (plan)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "plan", "{config}", "--set", "model.path={case}"),
                row("config.json: -1 decoder layers (train)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "train", "{config}", "--set", "model.path={case}", "--out", "{case}/run"),
                row("config.json: -1 decoder layers (generate)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "generate", "--model", "{case}", "--prompt", "x", "--duration", "1",
                        "--out", "{case}/x.wav"),
                row("config.json: 10^9 decoder layers", 3, layers + "1000000000",
                        tinyConfigWith("decoder", "num_hidden_layers", "1000000000"), "bench", "load", "{case}"),
                row("config.json: 1e9 decoder layers", 3, "config.json: decoder.num_hidden_layers must be an integer written with digits only, found 1.0E9",
                        tinyConfigWith("decoder", "num_hidden_layers", "1e9"), "model", "inspect", "{case}"),
                row("config.json: 2.5 decoder layers", 3, "config.json: decoder.num_hidden_layers must be an integer written with digits only, found 2.5",
                        tinyConfigWith("decoder", "num_hidden_layers", "2.5"), "model", "inspect", "{case}"),
                row("config.json: a string for a number", 3, "config.json: decoder.ffn_dim must be an integer, found \"256\"",
                        tinyConfigWith("decoder", "ffn_dim", "\"256\""), "model", "inspect", "{case}"),
                row("config.json: a required size missing", 3, "config.json: decoder.hidden_size is missing",
                        tinyConfigWith("decoder", "hidden_size", null), "model", "inspect", "{case}"),
                row("config.json: 0 codebooks", 3, "config.json: decoder.num_codebooks must be between 1 and 16, found 0",
                        tinyConfigWith("decoder", "num_codebooks", "0"), "model", "inspect", "{case}"),
                row("config.json: 0 positions", 3, "config.json: decoder.max_position_embeddings must be between 5 and 16384, found 0",
                        tinyConfigWith("decoder", "max_position_embeddings", "0"), "model", "inspect", "{case}"),
                row("config.json: -3 T5 layers", 3, "config.json: text_encoder.num_layers must be between 1 and 128, found -3",
                        tinyConfigWith("text_encoder", "num_layers", "-3"), "model", "inspect", "{case}"),
                row("config.json: vocabulary -5", 3, "config.json: decoder.vocab_size must be between 1 and 16384, found -5",
                        tinyConfigWith("decoder", "vocab_size", "-5"), "model", "inspect", "{case}"),
                row("config.json: 0 attention heads", 3, "config.json: decoder.num_attention_heads must be between 1 and 128, found 0",
                        tinyConfigWith("decoder", "num_attention_heads", "0"), "model", "inspect", "{case}"),
                row("config.json: hidden size 0", 3, "config.json: decoder.hidden_size must be between 4 and 8192, found 0",
                        tinyConfigWith("decoder", "hidden_size", "0"), "model", "inspect", "{case}"),
                row("config.json: heads that do not divide the width", 3, "config.json: decoder.hidden_size 64 is not divisible by decoder.num_attention_heads 3",
                        tinyConfigWith("decoder", "num_attention_heads", "3"), "model", "inspect", "{case}"),
                row("config.json: decoder and codec vocabularies differ", 3, "config.json: decoder.vocab_size 256 must equal audio_encoder.codebook_size 512",
                        tinyConfigWith("audio_encoder", "codebook_size", "512"), "model", "inspect", "{case}"),
                row("config.json: a codec bandwidth of no quantizer", 3, "config.json: audio_encoder.target_bandwidths [0.1] give 0 quantizers",
                        tinyConfigWith("audio_encoder", "target_bandwidths", "[0.1]"), "model", "inspect", "{case}"),
                row("config.json: strides of the wrong type", 3, "config.json: audio_encoder.upsampling_ratios must be a list of integers, found [8,\"5\",4,4]",
                        tinyConfigWith("audio_encoder", "upsampling_ratios", "[8, \"5\", 4, 4]"), "model", "inspect", "{case}"),
                row("config.json: another text encoder type", 3, "config.json: text_encoder.model_type must be \"t5\", found \"mt5\"",
                        tinyConfigWith("text_encoder", "model_type", "\"mt5\""), "model", "inspect", "{case}"),

                // weights: a floating parameter stored with an integer or boolean dtype
                row("model.safetensors: an I32 weight", 3, "model.safetensors: tensor 'decoder.lm_heads.0.weight' is stored as I32 (integer); a floating-point tensor",
                        tinyWeightAs("decoder.lm_heads.0.weight", ScalarType.Int), "bench", "load", "{case}"),
                row("model.safetensors: an I64 weight", 3, "model.safetensors: tensor 'text_encoder.shared.weight' is stored as I64 (integer)",
                        tinyWeightAs("text_encoder.shared.weight", ScalarType.Long), "generate", "--model", "{case}", "--prompt", "x", "--duration", "1",
                        "--out", "{case}/x.wav"),
                row("model.safetensors: a BOOL weight", 3, "is stored as BOOL (boolean); a floating-point tensor",
                        tinyWeightAs("decoder.model.decoder.layer_norm.weight", ScalarType.Bool), "model", "verify", "{case}", "--reference", "{case}/model.safetensors"),

                // model verify: a reference must check something, and its inputs must be usable
                row("reference: no tensors at all", 5, "nothing was compared",
                        reference(Map::of), "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: inputs but no output", 5, "nothing was compared",
                        reference(() -> Map.of("text_input_ids", torch.ones(1, 3).to(ScalarType.Long))), "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: an empty file", 3, "ref.safetensors: is 0 bytes long",
                        caseDir -> Files.write(caseDir.resolve("ref.safetensors"), new byte[0]), "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: text ids beyond the vocabulary", 3, "reference tensor text_input_ids must hold values between 0 and 835, found 5000",
                        reference(() -> textStage(torch.full(new long[] {1, 3}, new Scalar(5000)).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: negative text ids", 3, "reference tensor text_input_ids must hold values between 0 and 835, found -2",
                        reference(() -> textStage(torch.full(new long[] {1, 3}, new Scalar(-2)).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: fractional float ids", 3, "reference tensor text_input_ids must be an integer tensor (I64, I32, I16, I8, U8), found F32",
                        reference(() -> textStage(torch.full(new long[] {1, 3}, new Scalar(2.5)))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: ids of the wrong rank", 3, "reference tensor text_input_ids must have shape [B, L] with no empty dimension, found [3]",
                        reference(() -> textStage(torch.ones(3).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: a 64 TB delay pattern", 3, "reference tensor delay_max_length must hold values between 1 and 512, found 35184372088832",
                        reference(() -> Map.of("delay_input_ids", torch.ones(4, 2).to(ScalarType.Long),
                                "delay_max_length", torch.full(new long[0], new Scalar(1L << 45)).to(ScalarType.Long),
                                "delay_output_ids", torch.ones(4, 2).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: an empty table of 10^12 positions", 3, "reference tensor sinusoidal_positions must have shape [P, D] with no empty dimension",
                        reference(() -> Map.of("sinusoidal_positions", torch.zeros(1_000_000_000_000L, 0))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors")
        );
    }

    /** Copies the shared tiny model into the row's folder with {@code section.key} of config.json set to {@code json} (null: removed). */
    static Setup tinyConfigWith(String section, String key, String json) {
        return caseDir -> {
            copyTiny(caseDir);
            Path file = caseDir.resolve(ModelFolder.CONFIG);
            ObjectNode root = (ObjectNode) JsonMapper.shared().readTree(file.toFile());
            ObjectNode object = (ObjectNode) root.get(section);
            if (json == null) {
                object.remove(key);
                Files.writeString(file, JsonMapper.shared().writeValueAsString(root));
            } else {
                object.put(key, "{value}"); // replaced by the raw text, so that 1e9 keeps its spelling
                Files.writeString(file, JsonMapper.shared().writeValueAsString(root).replace("\"{value}\"", json));
            }
        };
    }

    /** Copies the shared tiny model into the row's folder with the weight {@code name} stored as {@code dtype}. */
    static Setup tinyWeightAs(String name, ScalarType dtype) {
        return caseDir -> {
            copyTiny(caseDir);
            Path file = caseDir.resolve(ModelFolder.WEIGHTS);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            try (Safetensors weights = Safetensors.open(file)) {
                weights.names().forEach(n -> tensors.put(n, weights.tensor(n)));
            }
            tensors.put(name, tensors.get(name).to(dtype));
            SafetensorsWriter.write(file, tensors, Map.of());
        };
    }

    /** Writes the tensors as {@code ref.safetensors} in the row's folder. */
    static Setup reference(Supplier<Map<String, Tensor>> tensors) {
        return caseDir -> SafetensorsWriter.write(caseDir.resolve("ref.safetensors"), tensors.get(), Map.of());
    }

    /** The text encoder stage's tensors for the tiny model, with {@code ids} as text_input_ids. */
    static Map<String, Tensor> textStage(Tensor ids) {
        return Map.of("text_input_ids", ids, "text_attention_mask", torch.ones(1, 3).to(ScalarType.Long),
                "encoder_last_hidden_state", torch.zeros(1, 3, 32));
    }

    static void copyTiny(Path caseDir) throws IOException {
        for (String file : List.of(ModelFolder.CONFIG, ModelFolder.WEIGHTS, ModelFolder.TOKENIZER)) {
            Files.copy(tiny.resolve(file), caseDir.resolve(file));
        }
    }

    // ---- datasets: paths, links, special files --------------------------------------------------------------------

    static List<Case> datasets() {
        return List.of(
        );
    }
}
