package dev.retune.studio;

import dev.retune.config.DeviceConfig;
import dev.retune.generate.Generation;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.ModelSource;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The last model the generation worker loaded, kept for the next item: loading is most of the time of a short clip.
 * It is loaded again when another source is asked for, or when a run's {@code latest} or {@code best} pointer has
 * moved since (training went on); the previous model is dropped first (modules are not closable: the GC
 * frees its tensors). Used by the worker thread only.
 */
final class LoadedModel {

    private final DeviceConfig.Kind device;
    private String key;
    private ModelSource model;

    LoadedModel(DeviceConfig.Kind device) {
        this.device = device;
    }

    /** The model of {@code location}: the one already loaded when it is the same. */
    ModelSource of(ModelLocation location) {
        String wanted = location + pointers(location);
        if (!wanted.equals(key)) {
            model = null; // dropped before the next one loads; its native memory goes when the GC collects it (as in Experiment)
            key = null;
            model = Generation.load(location, device);
            key = wanted;
        }
        return model;
    }

    /** What a run's checkpoint pointers say now ("" for a model folder). */
    private static String pointers(ModelLocation location) {
        if (location.run() == null) {
            return "";
        }
        Path checkpoints = new RunFolder(location.run()).checkpoints();
        StringBuilder text = new StringBuilder();
        for (String pointer : new String[] {Checkpointer.LATEST, Checkpointer.BEST}) {
            Path file = checkpoints.resolve(pointer);
            try {
                text.append('|').append(Files.isRegularFile(file) ? Files.readString(file).strip() : "");
            } catch (IOException e) {
                text.append("|?");
            }
        }
        return text.toString();
    }
}
