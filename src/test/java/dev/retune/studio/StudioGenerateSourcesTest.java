package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.retune.generate.CheckpointChoice;
import dev.retune.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the studio offers to generate from, found by the files on disk alone (nothing is loaded). */
class StudioGenerateSourcesTest {

    @TempDir
    Path root;

    @Test
    void modelsRunCheckpointsAndAdaptersAreOfferedAsSpecsRelativeToTheRoot() throws Exception {
        Files.createDirectories(root.resolve("models/base"));
        Files.writeString(root.resolve("models/base").resolve(ModelFolder.CONFIG), "{}");
        Files.createDirectories(root.resolve("models/empty")); // no config.json: not a model
        Path checkpoints = Files.createDirectories(root.resolve("runs/lora/checkpoints"));
        Files.createDirectories(checkpoints.resolve("step-0000010"));
        Files.createDirectories(checkpoints.resolve("step-0000020"));
        Files.writeString(checkpoints.resolve("latest"), "step-0000020\n");
        Files.writeString(checkpoints.resolve("best"), "step-0000010\n");
        Files.writeString(root.resolve("runs/lora/config.yaml"), "model:\n  path: models/base\n");
        Files.createDirectories(root.resolve("runs/lora/adapter"));
        Files.writeString(root.resolve("runs/lora/adapter/adapter_config.json"), "{}");
        Files.createDirectories(root.resolve("runs/untrained"));

        assertEquals(List.of(
                new Sources.Source("models/base", "base", "model"),
                new Sources.Source("runs/lora@best", "lora · best", "checkpoint"),
                new Sources.Source("runs/lora@latest", "lora · latest", "checkpoint"),
                new Sources.Source("runs/lora@10", "lora · step-10", "checkpoint"),
                new Sources.Source("runs/lora@20", "lora · step-20", "checkpoint"),
                new Sources.Source("models/base+runs/lora/adapter", "lora · adapter on base", "adapter")), new Sources(new Roots(root)).list());
    }

    @Test
    void aSpecResolvesInsideTheRootToTheLocationItNames() throws Exception {
        Files.createDirectories(root.resolve("models/base"));
        Files.writeString(root.resolve("models/base").resolve(ModelFolder.CONFIG), "{}");
        Files.createDirectories(root.resolve("runs/x/checkpoints"));
        Files.writeString(root.resolve("runs/x/checkpoints/latest"), "step-0000001\n");
        Files.createDirectories(root.resolve("adapters/a"));
        Sources sources = new Sources(new Roots(root));
        Path real = root.toRealPath();

        Sources.Resolved run = sources.resolve("source", " runs/x@best ");
        assertEquals("runs/x@best", run.spec());
        assertEquals(real.resolve("runs/x"), run.location().run());
        assertEquals(CheckpointChoice.Rule.BEST, run.location().checkpoint().rule());
        Sources.Resolved adapted = sources.resolve("source", "models/base+adapters/a");
        assertEquals(real.resolve("models/base"), adapted.location().folder());
        assertEquals(List.of(real.resolve("adapters/a")), adapted.location().adapters());

        StudioException mixed = assertThrows(StudioException.class, () -> sources.resolve("sources[1]", "runs/x+adapters/a"));
        assertEquals(400, mixed.status());
        assertEquals("sources[1] 'runs/x+adapters/a': " + real.resolve("runs/x") + " is a training run, which brings its own trained "
                + "weights; adapters (+DIR) apply to a model folder", mixed.getMessage());
        assertEquals(400, assertThrows(StudioException.class, () -> sources.resolve("source", "adapters/a")).status(), "neither model nor run");
        assertEquals(400, assertThrows(StudioException.class, () -> sources.resolve("source", " ")).status());
        assertEquals(403, assertThrows(StudioException.class, () -> sources.resolve("source", "models/base+/etc")).status());
    }
}
