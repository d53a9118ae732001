package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import dev.retune.data.FileHash;
import dev.retune.model.Safetensors;
import dev.retune.run.Checkpointer;
import dev.retune.train.DemoSubset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * `retune export` of a LoRA run: the merged model generates what the run generates; the adapter is PEFT files; the
 * checkpoint is the best one unless asked otherwise. The run keeps steps 1 to 3, and its best is step 2.
 */
class ExportCommandTest {

    @TempDir
    static Path dir;

    private static Path run;

    @BeforeAll
    static void trainALoraRun() throws Exception {
        Path dataset = DemoSubset.copyTo(dir.resolve("data"));
        Path config = Files.writeString(dir.resolve("lora.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, batch_size: 2, cache_dir: " + dir.resolve("cache") + "}",
                "adapt: {method: lora, lora: {r: 4, target_modules: 'self_attn|lm_heads'}}",
                "optim: {lr: 0.01}",
                "schedule: {kind: constant}",
                "train: {max_steps: 3, seed: 5}",
                "checkpoint: {every: 1, keep_last: 3}",
                ""));
        run = dir.resolve("run");
        CliRun train = CliRun.of("train", config.toString(), "--json", "--out", run.toString());
        assertEquals(ExitCode.OK, train.exitCode(), train.err());
        // As if step 2 had the lowest validation loss: the last step is not always the best one.
        Files.writeString(run.resolve("checkpoints").resolve(Checkpointer.BEST), "step-0000002\n");
    }

    @Test
    void mergedExportGeneratesExactlyWhatTheRunGenerates() throws Exception {
        Path merged = dir.resolve("merged");
        CliRun export = CliRun.of("export", run.toString(), "--out", merged.toString(), "--merged");
        assertEquals(ExitCode.OK, export.exitCode(), export.err());

        byte[] fromRun = generate("--run", run.toString(), "from-run.wav");
        byte[] fromExport = generate("--model", merged.toString(), "from-export.wav");

        assertArrayEquals(fromRun, fromExport, "greedy tokens, so identical audio");
        JsonNode manifest = JsonMapper.shared().readTree(Files.readString(merged.resolve("manifest.json")));
        assertEquals(FileHash.sha256(merged.resolve("model.safetensors")), manifest.get("files").get("model.safetensors").asString());
        assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")));
    }

    @Test
    void adapterOnlyExportIsAPeftFolder() throws Exception {
        Path adapter = dir.resolve("adapter");

        CliRun export = CliRun.of("export", run.toString(), "--out", adapter.toString(), "--adapter-only");

        assertEquals(ExitCode.OK, export.exitCode(), export.err());
        JsonNode config = JsonMapper.shared().readTree(Files.readString(adapter.resolve("adapter_config.json")));
        assertEquals("LORA", config.get("peft_type").asString());
        assertEquals(4, config.get("r").asInt());
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"),
                List.copyOf(JsonMapper.shared().readTree(Files.readString(adapter.resolve("manifest.json"))).get("files").propertyNames()));
    }

    @Test
    void mergedBf16ExportSaysItsDtypeAndCarriesWhatTransformersGenerationNeeds() throws Exception {
        Path merged = dir.resolve("merged-bf16");

        CliRun export = CliRun.of("export", run.toString(), "--out", merged.toString(), "--merged", "--dtype", "bf16");

        assertEquals(ExitCode.OK, export.exitCode(), export.err());
        assertEquals("bfloat16", json(merged.resolve("config.json")).get("torch_dtype").asString());
        try (Safetensors weights = Safetensors.open(merged.resolve("model.safetensors"))) {
            assertEquals(Safetensors.Dtype.BF16, weights.info("decoder.lm_heads.0.weight").dtype());
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("tiny").resolve("tokenizer.json")), Files.readAllBytes(merged.resolve("tokenizer.json")));
        // The tiny base has no generation_config.json: MusicGen's sampling for the run's 1 s segments, 50 frames.
        JsonNode generation = json(merged.resolve("generation_config.json"));
        assertEquals(50, generation.get("max_length").asInt());
        assertEquals(250, generation.get("top_k").asInt());
        assertTrue(generation.get("do_sample").asBoolean());
        JsonNode manifest = manifest("merged-bf16");
        assertEquals(dir.resolve("tiny").toAbsolutePath().toString(), manifest.get("base_model_path").asString());
        assertEquals("tiny", manifest.get("base_model").asString());
        assertEquals(FileHash.sha256(merged.resolve("generation_config.json")), manifest.get("files").get("generation_config.json").asString());
    }

    @Test
    void peftAdaptersNameTheBaseModelAndTheManifestKeepsItsPath() throws Exception {
        Path adapter = dir.resolve("adapter-named");

        CliRun export = CliRun.of("export", run.toString(), "--out", adapter.toString(), "--adapter-only");

        assertEquals(ExitCode.OK, export.exitCode(), export.err());
        assertEquals("tiny", json(adapter.resolve("adapter_config.json")).get("base_model_name_or_path").asString());
        assertEquals("tiny", json(run.resolve("adapter").resolve("adapter_config.json")).get("base_model_name_or_path").asString(),
                "the adapter the run itself wrote");
        assertEquals(dir.resolve("tiny").toAbsolutePath().toString(), manifest("adapter-named").get("base_model_path").asString());
    }

    @Test
    void aBottleneckAdapterRunSaysWhatItCannotExportAndWritesNothing() throws Exception {
        Path adapters = dir.resolve("adapters-run");
        CliRun train = CliRun.of("train", dir.resolve("lora.yaml").toString(), "--out", adapters.toString(),
                "--set", "adapt.method=adapters", "--set", "adapt.adapters.size=4", "--set", "train.max_steps=1");
        assertEquals(ExitCode.OK, train.exitCode(), train.err());

        CliRun merged = CliRun.of("export", adapters.toString(), "--out", dir.resolve("adapters-merged").toString(), "--merged");
        CliRun adapterOnly = CliRun.of("export", adapters.toString(), "--out", dir.resolve("adapters-only").toString(), "--adapter-only");

        assertEquals(ExitCode.USAGE, merged.exitCode(), merged.err());
        assertTrue(merged.err().contains(adapters + ": adapt.method adapters: bottleneck adapters add layers a plain MusicGen model"
                + " does not have, so they cannot be merged into it; generate with --run instead"), merged.err());
        assertEquals(ExitCode.USAGE, adapterOnly.exitCode(), adapterOnly.err());
        assertTrue(adapterOnly.err().contains(adapters + ": adapt.method adapters has no adapter-only export"), adapterOnly.err());
        assertFalse(Files.exists(dir.resolve("adapters-merged")));
        assertFalse(Files.exists(dir.resolve("adapters-only")));
    }

    @Test
    void exportAndGenerateTakeTheBestCheckpointUnlessToldOtherwiseAndSayWhichStep() throws Exception {
        CliRun byDefault = CliRun.of("export", run.toString(), "--out", dir.resolve("default").toString(), "--merged");
        CliRun stepTwo = CliRun.of("export", run.toString(), "--out", dir.resolve("step2").toString(), "--merged", "--checkpoint", "2");
        CliRun latest = CliRun.of("export", run.toString(), "--out", dir.resolve("latest").toString(), "--merged", "--checkpoint", "latest");
        Path audio = dir.resolve("default-run.wav");
        CliRun generated = CliRun.of("generate", "--run", run.toString(), "--prompt", "warm analog pad", "--duration", "0.2",
                "--out", audio.toString());

        for (CliRun r : List.of(byDefault, stepTwo, latest, generated)) {
            assertEquals(ExitCode.OK, r.exitCode(), r.err());
        }
        assertTrue(byDefault.err().contains("using checkpoint step 2 of " + run + " (best validation loss)"), byDefault.err());
        assertTrue(latest.err().contains("using checkpoint step 3 of " + run + " (latest)"), latest.err());
        assertTrue(generated.err().contains("using checkpoint step 2 of " + run + " (best validation loss)"), generated.err());
        assertEquals(2, manifest("default").get("checkpoint_step").asLong());
        assertEquals(3, manifest("latest").get("checkpoint_step").asLong());
        assertEquals(2, JsonMapper.shared().readTree(Files.readString(dir.resolve("default-run.wav.json"))).get("checkpoint_step").asLong());
        String weights = manifest("default").get("files").get("model.safetensors").asString();
        assertEquals(manifest("step2").get("files").get("model.safetensors").asString(), weights, "the default is step 2's weights");
        assertNotEquals(manifest("latest").get("files").get("model.safetensors").asString(), weights, "step 3 trained on");
    }

    @Test
    void aStepWithoutCheckpointIsOneLineListingTheStepsThatExist() {
        CliRun export = CliRun.of("export", run.toString(), "--out", dir.resolve("none").toString(), "--merged", "--checkpoint", "999");

        assertEquals(ExitCode.BAD_INPUT, export.exitCode(), export.err());
        assertEquals("error: " + run + " has no checkpoint of step 999; its checkpoints are of steps [1, 2, 3]", export.err().strip());
    }

    private static JsonNode manifest(String export) throws Exception {
        return json(dir.resolve(export).resolve("manifest.json"));
    }

    private static JsonNode json(Path file) throws Exception {
        return JsonMapper.shared().readTree(Files.readString(file));
    }

    private static byte[] generate(String flag, String source, String name) throws Exception {
        Path out = dir.resolve(name);
        CliRun run = CliRun.of("generate", flag, source, "--prompt", "warm analog pad", "--duration", "1", "--temperature", "0",
                "--out", out.toString());
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        return Files.readAllBytes(out);
    }
}
