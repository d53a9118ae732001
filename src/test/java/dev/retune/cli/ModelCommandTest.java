package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import dev.retune.model.Safetensors;
import dev.retune.model.SafetensorsWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune model init | inspect | verify` end to end. */
class ModelCommandTest {

    @TempDir
    Path dir;

    @Test
    void verifyPassesOnTheFixtureAndFailsWhenOneLogitIsOff() throws Exception {
        Path fixture = fixture();
        CliRun good = CliRun.of("model", "verify", fixture.toString(), "--reference", fixture.resolve("reference.safetensors").toString(), "--json");
        assertEquals(ExitCode.OK, good.exitCode(), good.out() + good.err());
        assertTrue(JsonMapper.shared().readTree(good.out()).get("passed").asBoolean());

        Path tampered = dir.resolve("tampered.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors reference = Safetensors.open(fixture.resolve("reference.safetensors"))) {
            for (String name : reference.names()) {
                tensors.put(name, reference.tensor(name));
            }
        }
        Tensor logits = tensors.get("logits");
        logits.view(-1).narrow(0, 1234, 1).add_(new Scalar(1e-3));
        SafetensorsWriter.write(tampered, tensors, Map.of());

        CliRun bad = CliRun.of("model", "verify", fixture.toString(), "--reference", tampered.toString());
        assertEquals(ExitCode.VERIFY_FAILED, bad.exitCode(), bad.out());
        assertTrue(bad.out().contains("logits") && bad.out().contains("MISMATCH"), bad.out());
    }

    @Test
    void initWritesALoadableTinyModelAndInspectDescribesIt() throws Exception {
        Path model = dir.resolve("tiny");

        CliRun init = CliRun.of("model", "init", "--preset", "tiny", "--out", model.toString(), "--seed", "7");
        CliRun again = CliRun.of("model", "init", "--preset", "tiny", "--out", model.toString());
        CliRun inspect = CliRun.of("model", "inspect", model.toString(), "--json");

        assertEquals(ExitCode.OK, init.exitCode(), init.err());
        assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")));
        assertEquals(ExitCode.USAGE, again.exitCode(), "an existing model is not overwritten without --force");
        JsonNode summary = JsonMapper.shared().readTree(inspect.out());
        assertTrue(summary.get("components").get("decoder").asLong() > 0);
        assertEquals(4, summary.get("config").get("decoder").get("num_codebooks").asInt());
    }

    @Test
    void everyCommandReportsTheSameParameterCountForTheTinyPreset() throws Exception {
        Path model = dir.resolve("tiny");
        long tiny = 1_218_361;

        CliRun init = CliRun.of("model", "init", "--preset", "tiny", "--out", model.toString());
        JsonNode inspect = JsonMapper.shared().readTree(CliRun.of("model", "inspect", model.toString(), "--json").out());
        CliRun inspectText = CliRun.of("model", "inspect", model.toString());
        JsonNode planOfFolder = JsonMapper.shared().readTree(CliRun.of("plan", "configs/demo.yaml", "--set", "model.path=" + model, "--json").out());
        JsonNode planOfPreset = JsonMapper.shared().readTree(CliRun.of("plan", "configs/demo.yaml", "--set", "model.path=" + dir.resolve("absent"), "--json").out());
        CliRun benchModel = CliRun.of("bench", "model", "--preset", "tiny", "--seconds", "0.1", "--repeat", "1", "--text-tokens", "2");
        CliRun benchLoad = CliRun.of("bench", "load", model.toString());

        assertTrue(init.out().contains("1,218,361 parameters"), init.out());
        assertEquals(tiny, inspect.get("parameters").asLong());
        assertEquals(tiny, planOfFolder.get("total_parameters").asLong());
        assertEquals(tiny, planOfPreset.get("total_parameters").asLong());
        assertTrue(benchModel.out().contains("Preset tiny: 1,218,361 parameters"), benchModel.out() + benchModel.err());
        assertTrue(benchLoad.out().contains("| 1,218,361 |"), benchLoad.out() + benchLoad.err());
        // inspect also counts what the checkpoint stores, and says why that is more.
        JsonNode extra = inspect.get("stored_not_parameters");
        assertEquals(1_269_534, inspect.get("stored_values").asLong());
        assertEquals(32_768, extra.get("position table (computed from the config)").asLong());
        assertEquals(17_412, extra.get("codebook k-means state (only used to train the codec)").asLong());
        assertEquals(993, extra.get("weight-norm magnitudes (folded into the codec's conv weights)").asLong());
        assertEquals(3, extra.size());
        assertTrue(inspectText.out().startsWith("Model " + model + ": 1,218,361 parameters; the checkpoint stores 1,269,534 values"),
                inspectText.out());
    }

    @Test
    void missingModelFolderIsBadInputNamingTheFile() {
        CliRun run = CliRun.of("model", "inspect", dir.resolve("nothing").toString());

        assertEquals(ExitCode.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("config.json"), run.err());
    }

    private static Path fixture() throws URISyntaxException {
        return Path.of(ModelCommandTest.class.getResource("/fixtures/musicgen-tiny-ref/config.json").toURI()).getParent();
    }
}
