package dev.retune.studio;

import dev.retune.RetuneException;
import dev.retune.adapt.PeftAdapter;
import dev.retune.generate.InvalidRequestException;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.Weighted;
import dev.retune.model.ModelFolder;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the studio generates from: the model folders under {@code models/}, the checkpoints of the runs under
 * {@code runs/} and the PEFT adapters runs wrote, each named by a spec in the syntax of {@link ModelLocation#parse}
 * with paths relative to the root ({@code models/tiny}, {@code runs/demo@best}, {@code models/tiny+runs/x/adapter}).
 * A spec typed by hand is taken too, but every path in it must lie inside the root once links are followed: no
 * request reads a model from anywhere else.
 */
final class Sources {

    /**
     * One source offered on the page.
     *
     * @param spec  what to send back as {@code source}
     * @param label for people
     * @param kind  model, checkpoint or adapter
     */
    record Source(String spec, String label, String kind) {}

    /** A spec the user gave and the model location it names (paths absolute, real, inside the root). */
    record Resolved(String spec, ModelLocation location) {}

    private final Roots roots;

    Sources(Roots roots) {
        this.roots = roots;
    }

    /** Every source found on disk, models first, then each run's checkpoints and adapter, by name. */
    List<Source> list() {
        List<Source> sources = new ArrayList<>();
        for (Path model : folders(roots.folder(Roots.Root.MODELS))) {
            if (Files.isRegularFile(model.resolve(ModelFolder.CONFIG))) {
                sources.add(new Source("models/" + model.getFileName(), model.getFileName().toString(), "model"));
            }
        }
        for (Path dir : folders(roots.folder(Roots.Root.RUNS))) {
            String name = dir.getFileName().toString();
            RunFolder run = new RunFolder(dir);
            if (run.hasCheckpoint()) {
                if (Files.exists(run.checkpoints().resolve(Checkpointer.BEST))) {
                    sources.add(new Source("runs/" + name + "@best", name + " · best", "checkpoint"));
                }
                sources.add(new Source("runs/" + name + "@latest", name + " · latest", "checkpoint"));
                for (long step : new Checkpointer(dir, Integer.MAX_VALUE).steps()) {
                    sources.add(new Source("runs/" + name + "@" + step, name + " · step-" + step, "checkpoint"));
                }
            }
            if (Files.isRegularFile(run.adapter().resolve(PeftAdapter.CONFIG_FILE)) && Files.isRegularFile(run.configFile())) {
                adapter(run, name).ifPresent(sources::add);
            }
        }
        return sources;
    }

    /** The run's adapter on its base model, when the base model lies inside the root. */
    private Optional<Source> adapter(RunFolder run, String name) {
        try {
            Path base = run.trainedModelFolder(run.readConfig());
            Path folder = roots.base().resolve(base);
            if (!Roots.leadsInto(roots.base(), folder) || !Files.isRegularFile(folder.resolve(ModelFolder.CONFIG))) {
                return Optional.empty();
            }
            Path real = folder.toRealPath();
            Path root = roots.base().toRealPath();
            String spec = root.relativize(real) + "+runs/" + name + "/adapter";
            return Optional.of(new Source(spec, name + " · adapter on " + real.getFileName(), "adapter"));
        } catch (IOException | RetuneException e) {
            return Optional.empty(); // a run whose config or base model cannot be read offers no adapter
        }
    }

    private static List<Path> folders(Path parent) {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new StudioException(500, "cannot list " + parent + ": " + e.getMessage());
        }
    }

    /**
     * The model {@code spec} names, given in the request's {@code field}: 400 when it names no model, run or adapter
     * (or is missing), 403 when a path in it is absolute, climbs out with {@code ..} or leads out through a link.
     */
    Resolved resolve(String field, String spec) {
        if (spec == null || spec.isBlank()) {
            throw StudioException.badRequest(field + " is missing: give a source from /api/sources or a path inside the root");
        }
        String given = spec.strip();
        String[] parts = given.split("\\+", -1);
        String base = parts[0];
        String checkpoint = "";
        int at = base.lastIndexOf('@');
        if (at > 0) {
            checkpoint = base.substring(at);
            base = base.substring(0, at);
        }
        StringBuilder real = new StringBuilder(real(field, base)).append(checkpoint);
        try {
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].isBlank()) {
                    real.append('+');
                    continue;
                }
                Weighted adapter = Weighted.parse("adapter", parts[i], 1.0); // DIR[:WEIGHT]
                real.append('+').append(real(field, adapter.target())).append(':').append(adapter.weight());
            }
            return new Resolved(given, ModelLocation.parse(real.toString()));
        } catch (InvalidRequestException e) {
            throw StudioException.badRequest(field + " '" + given + "': " + e.getMessage());
        }
    }

    /** {@code relative} as a real absolute path inside the root. */
    private String real(String field, String relative) {
        Path root = roots.base();
        Path path;
        try {
            path = Roots.inside(root, relative, root.toString());
        } catch (StudioException e) {
            throw new StudioException(e.status(), field + ": " + e.getMessage());
        }
        if (!Files.exists(path)) {
            throw StudioException.badRequest(field + ": " + relative + " does not exist under the root");
        }
        if (!Roots.leadsInto(root, path)) {
            throw StudioException.forbidden(field + ": " + relative + " leads outside the root " + root);
        }
        try {
            return path.toRealPath().toString();
        } catch (IOException e) {
            throw StudioException.badRequest(field + ": " + relative + " cannot be read: " + e.getMessage());
        }
    }
}
