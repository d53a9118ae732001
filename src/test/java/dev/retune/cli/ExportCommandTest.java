package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.train.DemoSubset;
import dev.retune.train.FileHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune export` of a LoRA run: the merged model generates what the run generates; the adapter is PEFT files. */
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
                "train: {max_steps: 3, seed: 5}",
                ""));
        run = dir.resolve("run");
        CliRun train = CliRun.of("train", config.toString(), "--json", "--out", run.toString());
        assertEquals(ExitCode.OK, train.exitCode(), train.err());
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

    private static byte[] generate(String flag, String source, String name) throws Exception {
        Path out = dir.resolve(name);
        CliRun run = CliRun.of("generate", flag, source, "--prompt", "warm analog pad", "--duration", "1", "--temperature", "0",
                "--out", out.toString());
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        return Files.readAllBytes(out);
    }
}
