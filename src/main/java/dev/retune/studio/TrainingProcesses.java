package dev.retune.studio;

import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.run.RunFolder;
import dev.retune.run.RunLock;
import dev.retune.train.distributed.LocalLauncher;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code retune train} processes the page starts and stops. Each is a separate JVM (this one's java, options and
 * class path), working in the root folder, its output going to {@code studio/logs/RUN-TIMESTAMP.log}: it outlives
 * the page and the studio. Stopping is a SIGTERM to whoever holds the run's lock, started here or not: training
 * finishes its step, checkpoints and exits 143.
 */
final class TrainingProcesses {

    /** What {@code POST /api/runs} started. */
    record Started(String name, long pid, String log) {}

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final int LOG_LINES = 200;
    private static final int LOG_TAIL_BYTES = 64 * 1024;

    private final Roots roots;
    private final Map<String, Process> started = new ConcurrentHashMap<>();
    private Path uploads;

    TrainingProcesses(Roots roots) {
        this.roots = roots;
    }

    /** Whether a process this studio started for run {@code name} is still alive (it may not hold the lock yet). */
    boolean alive(String name) {
        Process p = started.get(name);
        return p != null && p.isAlive();
    }

    /** The shipped configs: {@code configs/*.yaml} of the root (not its sub-folders), by name. */
    List<String> shippedConfigs() {
        Path folder = roots.base().resolve("configs");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new StudioException(500, "cannot list " + folder + ": " + e.getMessage());
        }
    }

    /** A shipped config's file; 400 unless {@code name} is one of {@link #shippedConfigs}. */
    Path shipped(String name) {
        if (name == null || !shippedConfigs().contains(name)) {
            throw StudioException.badRequest("config '" + name + "' is not one of configs/*.yaml: " + shippedConfigs());
        }
        return roots.base().resolve("configs").resolve(name);
    }

    /** Keeps an uploaded config in the studio's temporary folder (never in the user's folders); returns its file. */
    synchronized Path upload(String fileName, byte[] content) {
        try {
            if (uploads == null) {
                uploads = Files.createTempDirectory("retune-studio-configs");
            }
            String stem = fileName == null ? "upload" : Path.of(fileName.replace('\\', '/')).getFileName().toString()
                    .replaceFirst("\\.(ya?ml|json)$", "").replaceAll("[^A-Za-z0-9._-]", "_");
            Path dir = Files.createTempDirectory(uploads, "upload");
            return Files.write(dir.resolve((stem.isEmpty() || stem.startsWith(".") ? "upload" + stem : stem) + ".yaml"), content);
        } catch (IOException e) {
            throw new StudioException(500, "cannot keep the uploaded config: " + e.getMessage());
        }
    }

    /**
     * Starts {@code retune train CONFIG --out runs/NAME [--set ...]} once the config loads with the overrides (a bad
     * key is a 400 naming it, not a process that dies); 409 when the run is being trained.
     *
     * @param name the run folder's name; null for the config's default ({@code runs/<config name>})
     */
    synchronized Started start(Path config, String name, List<String> overrides) {
        RetuneConfig resolved = ConfigLoader.load(config, overrides); // throws ConfigException (400) naming the file and key
        requireInsideRoot("model.path", resolved.model().path());
        requireInsideRoot("data.dataset", resolved.data().dataset());
        requireInsideRoot("data.cache_dir", resolved.data().cacheDir());
        String run = Runs.requirePlainName(name == null || name.isBlank() ? RunFolder.forConfig(config).dir().getFileName().toString() : name.strip());
        Path runDir = roots.folder(Roots.Root.RUNS).resolve(run);
        OptionalLong trainer = RunLock.trainer(runDir);
        if (alive(run) || trainer.isPresent()) {
            throw StudioException.conflict("runs/" + run + " is being trained right now"
                    + (trainer.isPresent() && trainer.getAsLong() > 0 ? " (process " + trainer.getAsLong() + ")" : "") + "; stop it first");
        }
        Path logs = roots.created(Roots.Root.STUDIO).resolve("logs");
        Path log = logs.resolve(run + "-" + LocalDateTime.now().format(STAMP) + ".log");
        Path base = roots.base();
        List<String> args = new ArrayList<>(List.of("train", config.startsWith(base) ? base.relativize(config).toString() : config.toString(),
                "--out", base.relativize(runDir).toString()));
        overrides.forEach(o -> args.addAll(List.of("--set", o)));
        try {
            Files.createDirectories(logs);
            Process process = new ProcessBuilder(LocalLauncher.retuneCommand(args)).directory(base.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            started.put(run, process);
            return new Started(run, process.pid(), roots.url(Roots.Root.STUDIO, log));
        } catch (IOException e) {
            throw new StudioException(500, "cannot start retune train: " + e.getMessage());
        }
    }

    /**
     * A run started from the page reads and writes only inside the root, as every other endpoint does: a config path
     * (relative to the root, where the process works) that leads out, by name or through a link, is refused naming
     * its key. Unset paths keep their defaults (a preset model in the run folder; the user's token cache).
     */
    private void requireInsideRoot(String key, String value) {
        if (value != null && !Roots.leadsInto(roots.base(), roots.base().resolve(value))) {
            throw StudioException.badRequest(key + " " + value + " lies outside the studio's root " + roots.base()
                    + "; a run started from the page reads and writes only inside it (train from a terminal for other folders)");
        }
    }

    /** SIGTERM to the process training {@code runDir}; 409 when none is. Returns its PID. */
    long stop(Path runDir, String name) {
        OptionalLong trainer = RunLock.trainer(runDir);
        if (trainer.isEmpty() || trainer.getAsLong() <= 0) {
            throw StudioException.conflict("runs/" + name + " is not being trained" + (alive(name) ? " yet (its process is still starting)" : ""));
        }
        long pid = trainer.getAsLong();
        ProcessHandle process = ProcessHandle.of(pid)
                .orElseThrow(() -> StudioException.conflict("runs/" + name + ": process " + pid + " has already ended"));
        process.destroy(); // SIGTERM: the step finishes, a checkpoint is written, the process exits 143
        return pid;
    }

    /** The last lines of the newest studio log of run {@code name}; null when the studio never started it. */
    List<String> logTail(String name) {
        Path logs = roots.folder(Roots.Root.STUDIO).resolve("logs");
        Pattern pattern = Pattern.compile(Pattern.quote(name) + "-\\d{8}-\\d{6}\\.log");
        if (!Files.isDirectory(logs)) {
            return null;
        }
        Path newest;
        try (Stream<Path> list = Files.list(logs)) {
            newest = list.filter(p -> pattern.matcher(p.getFileName().toString()).matches()).max(Path::compareTo).orElse(null);
        } catch (IOException e) {
            return null;
        }
        return newest == null ? null : tail(newest);
    }

    /** The last {@link #LOG_LINES} lines among the file's last {@link #LOG_TAIL_BYTES} bytes: memory stays flat. */
    private static List<String> tail(Path file) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int read = (int) Math.min(length, LOG_TAIL_BYTES);
            byte[] bytes = new byte[read];
            in.seek(length - read);
            in.readFully(bytes);
            List<String> lines = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\r?\n|\r"));
            if (read < length && !lines.isEmpty()) {
                lines = lines.subList(1, lines.size()); // the first line is cut
            }
            return List.copyOf(lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
        } catch (IOException e) {
            throw new StudioException(500, "cannot read " + file + ": " + e.getMessage());
        }
    }
}
