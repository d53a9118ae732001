package dev.retune.train;

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
 * A run folder and the rules that keep its record true. A start never deletes or truncates what earlier starts
 * wrote: {@code metrics.jsonl} is appended to, checkpoints are only pruned by {@code checkpoint.keep_last}, and
 * {@code config.yaml} is written only once everything it describes has been checked (a start that fails before
 * training leaves nothing that would block the corrected retry). The only files a start removes are the temporary
 * ones of writes that a crash or kill interrupted: they were never complete and nothing points at them.
 */
final class RunFolder {

    static final String CONFIG = "config.yaml";
    static final String METRICS = "metrics.jsonl";
    static final String PLOT = "loss.png";

    /** {@code .NAME.tmp-HEX}: an atomic file write in progress (model.AtomicFile, SafetensorsWriter). */
    private static final Pattern TEMP_FILE = Pattern.compile("\\..+\\.tmp-[0-9a-f]+");
    /** {@code .tmp-step-NNNNNNN-NANOS}: a checkpoint folder being written ({@link Checkpointer}). */
    private static final Pattern TEMP_CHECKPOINT = Pattern.compile("\\.tmp-step-\\d+-\\d+");

    private final Path dir;

    RunFolder(Path dir) {
        this.dir = dir;
    }

    Path metrics() {
        return dir.resolve(METRICS);
    }

    Path plot() {
        return dir.resolve(PLOT);
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
    void removeAbandonedWrites() {
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
    void requireSameConfig(RetuneConfig config) {
        Path file = dir.resolve(CONFIG);
        if (!Files.exists(file)) {
            return;
        }
        RetuneConfig previous = ConfigLoader.load(file, List.of());
        if (!withoutLength(previous).equals(withoutLength(config))) {
            throw new ConfigException(dir + " was trained with a different config (" + file
                    + "); use another --out folder, or the same config (only train.max_steps / train.epochs may change)");
        }
    }

    /** The resolved config of this run, whose last start it describes. */
    RetuneConfig previousConfig() {
        Path file = dir.resolve(CONFIG);
        return Files.exists(file) ? ConfigLoader.load(file, List.of()) : null;
    }

    /** Writes the fully resolved config, atomically (a failure names the file and leaves the old one). */
    void writeConfig(RetuneConfig config) {
        AtomicFile.writeString(dir.resolve(CONFIG), ConfigLoader.toYaml(config));
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
