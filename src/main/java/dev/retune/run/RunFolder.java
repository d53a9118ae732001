package dev.retune.run;

import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.data.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run folder: where every file of a run lives, and the rules that keep its record true. Training writes it,
 * generation and export read it, the command line names it; all of them find its files here.
 *
 * <pre>
 *   RUN/config.yaml                   the resolved config of the run
 *   RUN/base-model/                   the preset model, when the config names no model.path
 *   RUN/metrics.jsonl, RUN/loss.png   the history (see {@link RunHistory}) and its plot
 *   RUN/checkpoints/step-NNNNNNN/     checkpoints ({@link Checkpointer}); checkpoints/latest and best name them
 *   RUN/adapter/                      a LoRA run's adapter in the PEFT layout
 *   RUN/summary.json                  the whole run's figures and every file's sha256 ({@link RunSummary})
 * </pre>
 *
 * A start never deletes or truncates what earlier starts wrote: {@code metrics.jsonl} is appended to, checkpoints are
 * only pruned by {@code checkpoint.keep_last}, and {@code config.yaml} is written only once everything it describes has
 * been checked (a start that fails before training leaves nothing that would block the corrected retry). The only
 * files a start removes are the temporary ones of writes that a crash or kill interrupted: they were never complete
 * and nothing points at them.
 */
public final class RunFolder {

    static final String CONFIG = "config.yaml";
    static final String METRICS = "metrics.jsonl";
    static final String PLOT = "loss.png";
    static final String CHECKPOINTS = "checkpoints";
    static final String LATEST = "latest";
    static final String BEST = "best";
    /** A checkpoint folder's name, {@code step-NNNNNNN}. */
    static final String STEP_DIR = "step-\\d+";

    /** {@code .NAME.tmp-HEX}: an atomic file write in progress (data.AtomicFile, SafetensorsWriter). */
    private static final Pattern TEMP_FILE = Pattern.compile("\\..+\\.tmp-[0-9a-f]+");
    /** {@code .tmp-step-NNNNNNN-NANOS}: a checkpoint folder being written ({@link Checkpointer}). */
    private static final Pattern TEMP_CHECKPOINT = Pattern.compile("\\.tmp-step-\\d+-\\d+");

    private final Path dir;

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    /** The run folder a config trains into unless told otherwise: {@code runs/<config file name without extension>}. */
    public static RunFolder forConfig(Path configFile) {
        return new RunFolder(Path.of("runs", configFile.getFileName().toString().replaceFirst("\\.(ya?ml|json)$", "")));
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return dir.resolve(CONFIG);
    }

    public Path metrics() {
        return dir.resolve(METRICS);
    }

    public Path plot() {
        return dir.resolve(PLOT);
    }

    public Path summary() {
        return dir.resolve(RunSummary.FILE_NAME);
    }

    /** Where a LoRA run's adapter goes, in the PEFT layout. */
    public Path adapter() {
        return dir.resolve("adapter");
    }

    public Path checkpoints() {
        return dir.resolve(CHECKPOINTS);
    }

    /** The folder of the checkpoint of {@code step}. */
    public Path checkpoint(long step) {
        return checkpoints().resolve(String.format("step-%07d", step));
    }

    /** Whether training has written a checkpoint here ({@code checkpoints/latest} exists). */
    public boolean hasCheckpoint() {
        return Files.exists(checkpoints().resolve(LATEST));
    }

    /**
     * The base model folder of a run trained with {@code config}: {@code model.path}, or the preset created in the run
     * folder when the config names no path.
     */
    public Path modelFolder(RetuneConfig config) {
        return config.model().path() != null ? Path.of(config.model().path()) : dir.resolve("base-model");
    }

    /**
     * The base model folder of this trained run, read from any working folder: {@link #modelFolder}, unless a relative
     * {@code model.path} names nothing from the working folder; then the same path from the folder that holds
     * {@code runs/} (this folder's grandparent), where the run's training process worked in the default layout
     * ({@code retune studio --root DIR}, or a run folder read from elsewhere).
     */
    public Path trainedModelFolder(RetuneConfig config) {
        Path folder = modelFolder(config);
        Path parent = dir.toAbsolutePath().normalize().getParent();
        if (folder.isAbsolute() || Files.exists(folder) || parent == null || parent.getParent() == null) {
            return folder;
        }
        Path beside = parent.getParent().resolve(folder);
        return Files.isDirectory(beside) ? beside : folder;
    }

    /** The config the run was trained with; an error naming the folder when it is not a training run. */
    public RetuneConfig readConfig() {
        if (!Files.isRegularFile(configFile())) {
            throw new RunException(dir + " is not a training run (no " + CONFIG + ")");
        }
        return ConfigLoader.load(configFile(), List.of());
    }

    /** Whether a file or folder name is the temporary of an interrupted (or running) atomic write. */
    static boolean isTemporary(Path name) {
        String text = name.getFileName().toString();
        return TEMP_FILE.matcher(text).matches() || TEMP_CHECKPOINT.matcher(text).matches();
    }

    /**
     * Deletes the temporaries of writes a crash or kill interrupted, anywhere in the folder. Only the process that
     * trains the run may call this, before it writes anything: for anyone else they may be writes in progress.
     */
    public void removeAbandonedWrites() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> abandoned;
        try (Stream<Path> walk = Files.walk(dir)) {
            abandoned = walk.filter(p -> !p.equals(dir) && isTemporary(p)).toList();
        } catch (IOException e) {
            return; // nothing depends on the cleanup: temporaries are never read, hashed or pointed at
        }
        for (Path path : abandoned) {
            deleteQuietly(path);
        }
    }

    /**
     * A run resumed from a checkpoint must go on with the config it was trained with; only its length
     * ({@code train.max_steps}, {@code train.epochs}) and the encoding's speed settings ({@code data.encode_workers},
     * {@code data.encode_chunk_seconds}, which change no result) may change. A folder without a checkpoint takes any config.
     */
    public void requireSameConfig(RetuneConfig config) {
        Path file = configFile();
        if (!Files.exists(file)) {
            return;
        }
        RetuneConfig previous = ConfigLoader.load(file, List.of());
        if (!withoutLength(previous).equals(withoutLength(config))) {
            throw new ConfigException(dir + " was trained with a different config (" + file
                    + "); use another --out folder, or the same config (only train.max_steps / train.epochs may change)");
        }
    }

    /** The resolved config of this run's last start, or null before the first. */
    public RetuneConfig previousConfig() {
        return Files.exists(configFile()) ? ConfigLoader.load(configFile(), List.of()) : null;
    }

    /** Writes the fully resolved config, atomically (a failure names the file and leaves the old one). */
    public void writeConfig(RetuneConfig config) {
        AtomicFile.writeString(configFile(), ConfigLoader.toYaml(config));
    }

    /** The config without the keys a resumed run may change: its length, and how fast the dataset is encoded. */
    private static String withoutLength(RetuneConfig c) {
        return ConfigLoader.toYaml(c).replaceAll("(?m)^\\s*(max_steps|epochs|encode_chunk_seconds|encode_workers):.*$", "");
    }

    private static void deleteQuietly(Path path) {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Left over, it is still harmless: never read, hashed or pointed at.
        }
    }
}
