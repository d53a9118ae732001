package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune plan` works on the shipped configs without any weights on disk, and prints the documented JSON. */
class PlanCommandTest {

    @Test
    void planOfTheLoraConfigNeedsNoWeightsAndGivesTheDocumentedFields() {
        CliRun run = CliRun.of("plan", "configs/lora-small.yaml", "--json");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        JsonNode stages = JsonMapper.shared().readTree(run.out()).get("stages");
        assertEquals(1, stages.size());
        JsonNode stage = stages.get(0);
        for (String field : new String[] {"name", "start", "trainable_params", "total_params", "groups"}) {
            assertTrue(stage.has(field), field + " missing: " + stage);
        }
        // r = 16 on q/k/v/out of self- and cross-attention (1024 → 1024) and fc1/fc2 (1024 ↔ 4096), 24 layers.
        long perLayer = 8 * 16L * (1024 + 1024) + 2 * 16L * (1024 + 4096);
        assertEquals(24 * perLayer, stage.get("trainable_params").asLong());
        assertTrue(stage.get("total_params").asLong() > 500_000_000L, "the whole musicgen-small");
        JsonNode group = stage.get("groups").get(0);
        assertTrue(group.has("name") && group.has("params") && group.has("lr"), group.toString());
    }

    @Test
    void everyShippedConfigPlans() {
        for (String config : new String[] {"configs/demo.yaml", "configs/full-finetune.yaml", "configs/lora-small.yaml",
                "configs/adapters.yaml", "configs/progressive-unfreeze.yaml", "configs/ulmfit.yaml"}) {
            CliRun run = CliRun.of("plan", config);
            assertEquals(ExitCode.OK, run.exitCode(), config + ": " + run.err());
        }
    }
}
