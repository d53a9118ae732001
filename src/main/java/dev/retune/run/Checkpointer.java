package dev.retune.run;

import dev.retune.data.AtomicFile;
import dev.retune.data.FileHash;
import dev.retune.model.Safetensors;
import dev.retune.model.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checkpoints of a run, in {@code RUN/checkpoints/step-NNNNNNN/}: the trainable weights ({@code trainable.safetensors},
 * fp32), the EMA weights when enabled, the AdamW state ({@code optimizer.safetensors}: moments per parameter, step counts in its metadata) and
 * {@code state.json} (step, data position, loss scale, RNG, best validation loss, and the sha256 of every other file).
 *
 * <p>A checkpoint is written into a hidden temporary folder and renamed into place; only then is the {@code latest}
 * pointer rewritten (atomically). A crash or kill -9 at any moment leaves {@code latest} naming a complete checkpoint.
 * Loading verifies every file's hash and falls back to the previous checkpoint when one does not match.
 */
public final class Checkpointer {

    public static final String LATEST = RunFolder.LATEST;
    public static final String BEST = RunFolder.BEST;
    private static final String WEIGHTS = "trainable.safetensors";
    private static final String EMA = "ema.safetensors";
    private static final String OPTIMIZER = "optimizer.safetensors";
    /** Metadata key prefix of a parameter's AdamW step count in optimizer.safetensors. */
    private static final String STEP_PREFIX = "step.";
    private static final String STATE = "state.json";
    /** state.json cannot list its own hash, so it has this sidecar. */
    private static final String STATE_SHA256 = "state.json.sha256";
    private static final String STEP_DIR = RunFolder.STEP_DIR;
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** A verified checkpoint on disk. */
    public record Saved(Path dir, TrainerState state) {}

    private final RunFolder folder;
    private final Path root;
    private final int keepLast;
    private final boolean keepBest;

    /** Keeps the best checkpoint too; for readers (verify, latest) the pruning settings do not matter. */
    public Checkpointer(Path runDir, int keepLast) {
        this(runDir, keepLast, true);
    }

    /**
     * @param keepLast how many of the newest checkpoints to keep
     * @param keepBest also keep the one with the best validation loss (named by {@code best}) however old it is
     */
    public Checkpointer(Path runDir, int keepLast, boolean keepBest) {
        this.folder = new RunFolder(runDir);
        this.root = folder.checkpoints();
        this.keepLast = keepLast;
        this.keepBest = keepBest;
    }

    public boolean keepsBest() {
        return keepBest;
    }

    public Path root() {
        return root;
    }

    /** Writes a checkpoint, points {@code latest} (and {@code best} when asked) at it, and prunes old ones. */
    public Saved save(TrainerState state, Map<String, Tensor> trainable, Map<String, Tensor> ema, OptimizerState optimizer, boolean best) {
        Path target = folder.checkpoint(state.step());
        String name = target.getFileName().toString();
        Path temp = root.resolve(".tmp-" + name + "-" + System.nanoTime());
        try {
            Files.createDirectories(temp);
            try (NoGradGuard noGrad = new NoGradGuard()) {
                SafetensorsWriter.write(temp.resolve(WEIGHTS), fp32(trainable), Map.of("retune", "trainable"));
                if (ema != null) {
                    SafetensorsWriter.write(temp.resolve(EMA), fp32(ema), Map.of("retune", "ema"));
                }
            }
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Map<String, String> steps = new LinkedHashMap<>();
                optimizer.steps().forEach((param, step) -> steps.put(STEP_PREFIX + param, Long.toString(step)));
                SafetensorsWriter.write(temp.resolve(OPTIMIZER), fp32(optimizer.tensors()), steps);
            }
            Map<String, String> hashes = new LinkedHashMap<>();
            for (String file : ema == null ? List.of(WEIGHTS, OPTIMIZER) : List.of(WEIGHTS, EMA, OPTIMIZER)) {
                hashes.put(file, FileHash.sha256(temp.resolve(file)));
            }
            TrainerState withHashes = state.withFiles(hashes);
            AtomicFile.writeString(temp.resolve(STATE), JSON.writeValueAsString(withHashes));
            AtomicFile.writeString(temp.resolve(STATE_SHA256), FileHash.sha256(temp.resolve(STATE)) + "\n");
            if (Files.exists(target)) {
                moveAside(target); // a damaged checkpoint the run resumed before: kept for inspection, out of the way
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.writeString(root.resolve(LATEST), name + "\n");
            if (best && keepBest) {
                AtomicFile.writeString(root.resolve(BEST), name + "\n");
            }
            prune();
            return new Saved(target, withHashes);
        } catch (IOException e) {
            throw new RunException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
    }

    /**
     * The newest checkpoint whose files all verify, starting from {@code latest}; a damaged one is reported through
     * {@code warnings} and an older one tried. Empty when the run has no checkpoint. When it has checkpoints but
     * none verifies, a {@link RunException} names each damaged one: the run can neither resume nor silently
     * start again over its own history.
     */
    public Optional<Saved> latest(List<String> warnings) {
        List<Path> candidates = new ArrayList<>();
        List<String> damaged = new ArrayList<>();
        pointerText(LATEST).ifPresent(text -> {
            if (text.matches(STEP_DIR)) {
                candidates.add(root.resolve(text));
            } else {
                damaged.add(root.resolve(LATEST) + " names no checkpoint ('" + text + "')");
            }
        });
        stepDirs().stream().sorted(Comparator.reverseOrder()).filter(p -> !candidates.contains(p)).forEach(candidates::add);
        for (Path dir : candidates) {
            try {
                Saved saved = verify(dir);
                damaged.forEach(d -> warnings.add(d + "; resuming from the older " + saved.dir().getFileName()));
                return Optional.of(saved);
            } catch (RunException e) {
                damaged.add(e.getMessage());
            }
        }
        if (!damaged.isEmpty()) {
            throw new RunException("every checkpoint of " + root.getParent() + " is damaged, so it cannot resume: "
                    + String.join("; ", damaged) + ". Nothing was changed. To start over, train into a new folder (--out), "
                    + "or move " + root + " away first");
        }
        return Optional.empty();
    }

    /** The steps of the checkpoint folders on disk, oldest first (unverified). */
    public List<Long> steps() {
        return stepDirs().stream().map(dir -> Long.parseLong(dir.getFileName().toString().substring("step-".length()))).toList();
    }

    /** The checkpoint of {@code step}, verified; when there is none, the error lists the steps that exist. */
    public Saved atStep(long step) {
        Path dir = folder.checkpoint(step);
        if (!Files.isDirectory(dir)) {
            List<Long> steps = steps();
            throw new RunException(root.getParent() + " has no checkpoint of step " + step
                    + (steps.isEmpty() ? " (it has no checkpoint at all)" : "; its checkpoints are of steps " + steps));
        }
        return verify(dir);
    }

    /** The checkpoint {@code best} points at, verified. */
    public Optional<Saved> best() {
        return pointer(BEST).map(this::verify);
    }

    /** Reads the state and checks every file's sha256. */
    public Saved verify(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new RunException("checkpoint " + dir + " does not exist (" + root.resolve(LATEST) + " names it)");
        }
        TrainerState state;
        try {
            if (!Files.readString(dir.resolve(STATE_SHA256)).strip().equals(FileHash.sha256(dir.resolve(STATE)))) {
                throw new RunException("checkpoint " + dir + ": state.json does not match its sha256 (corrupt)");
            }
            state = JSON.readValue(Files.readString(dir.resolve(STATE)), TrainerState.class);
        } catch (IOException | RuntimeException e) {
            throw new RunException("checkpoint " + dir + " has no readable state.json (" + e.getMessage() + ")", e);
        }
        for (Map.Entry<String, String> file : state.files().entrySet()) {
            String actual;
            try {
                actual = FileHash.sha256(dir.resolve(file.getKey()));
            } catch (UncheckedIOException e) {
                throw new RunException("checkpoint " + dir + ": cannot read " + file.getKey(), e);
            }
            if (!actual.equals(file.getValue())) {
                throw new RunException("checkpoint " + dir + ": " + file.getKey() + " does not match its sha256 (corrupt)");
            }
        }
        return new Saved(dir, state);
    }

    /** Copies the checkpoint's weights into {@code trainable} (and {@code ema}) and loads the optimizer state. */
    public void restore(Saved saved, Map<String, Tensor> trainable, Map<String, Tensor> ema, OptimizerState optimizer) {
        copyInto(saved.dir().resolve(WEIGHTS), trainable);
        if (ema != null && Files.exists(saved.dir().resolve(EMA))) {
            copyInto(saved.dir().resolve(EMA), ema);
        }
        Path file = saved.dir().resolve(OPTIMIZER);
        if (!Files.exists(file)) {
            throw new RunException("checkpoint " + saved.dir() + " has no " + OPTIMIZER
                    + " (written by an older Retune, which kept libtorch's optimizer.pt): resume it with that version, or start a new --out");
        }
        try (Safetensors source = Safetensors.open(file); NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Long> steps = new LinkedHashMap<>();
            source.metadata().forEach((key, value) -> {
                if (key.startsWith(STEP_PREFIX)) {
                    steps.put(key.substring(STEP_PREFIX.length()), Long.parseLong(value));
                }
            });
            optimizer.load(steps, name -> {
                if (!source.contains(name)) {
                    throw new RunException(file + " lacks " + name);
                }
                return source.tensor(name, ScalarType.Float);
            });
        }
    }

    /** Only the trainable weights of a checkpoint (for generation and export). */
    public static void loadWeights(Path checkpointDir, Map<String, Tensor> into, boolean preferEma) {
        Path ema = checkpointDir.resolve(EMA);
        copyInto(preferEma && Files.exists(ema) ? ema : checkpointDir.resolve(WEIGHTS), into);
    }

    private static void copyInto(Path file, Map<String, Tensor> into) {
        try (Safetensors source = Safetensors.open(file); NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> entry : into.entrySet()) {
                if (!source.contains(entry.getKey())) {
                    throw new RunException(file + " lacks " + entry.getKey() + ": the checkpoint belongs to another model or method");
                }
                entry.getValue().copy_(source.tensor(entry.getKey(), ScalarType.Float));
            }
        }
    }

    private static Map<String, Tensor> fp32(Map<String, Tensor> tensors) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, t.detach().to(ScalarType.Float).cpu()));
        return out;
    }

    /** The checkpoint folder a pointer file names; empty when there is no such file or it names no checkpoint. */
    private Optional<Path> pointer(String name) {
        return pointerText(name).filter(text -> text.matches(STEP_DIR)).map(root::resolve);
    }

    private Optional<String> pointerText(String name) {
        Path file = root.resolve(name);
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.of("(unreadable: " + e.getMessage() + ")");
        }
    }

    private List<Path> stepDirs() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(p -> p.getFileName().toString().matches(STEP_DIR) && Files.isDirectory(p)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Keeps the newest {@code keepLast} checkpoints and, with keepBest, the best one. */
    private void prune() {
        List<Path> dirs = stepDirs();
        Optional<Path> best = keepBest ? pointer(BEST) : Optional.empty();
        Optional<Path> latest = pointer(LATEST);
        for (int i = 0; i < dirs.size() - keepLast; i++) {
            Path dir = dirs.get(i);
            if (!best.map(dir::equals).orElse(false) && !latest.map(dir::equals).orElse(false)) {
                deleteQuietly(dir);
            }
        }
    }

    /** Renames {@code dir} to {@code dir.damaged} (or {@code .damaged-2}, ...), which is no longer a checkpoint. */
    private static void moveAside(Path dir) throws IOException {
        Path aside = dir.resolveSibling(dir.getFileName() + ".damaged");
        for (int n = 2; Files.exists(aside); n++) {
            aside = dir.resolveSibling(dir.getFileName() + ".damaged-" + n);
        }
        Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            // Leftover files of an abandoned checkpoint are harmless: latest never points at them.
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
