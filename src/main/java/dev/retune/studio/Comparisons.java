package dev.retune.studio;

import dev.retune.data.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;

/**
 * Side-by-side comparisons: one prompt and seed through 2 to 4 sources, generated through the {@link GenerationJobs}
 * queue. Each comparison is kept as {@code studio/comparisons/ID.json} (written atomically) and its clips as
 * {@code studio/comparisons/ID/LABEL.wav}, so it outlives the studio process.
 *
 * <p>The clips are labelled A, B, C, D. In a blind comparison the sources are shuffled onto the labels (the shuffle
 * kept only in the comparison's file) and no view names a clip's source until ratings have been submitted; the clips'
 * files are named by label, so their URLs tell nothing either.
 */
final class Comparisons {

    static final int MIN_SOURCES = 2;
    static final int MAX_SOURCES = 4;
    private static final Pattern ID = Pattern.compile("[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{4}");

    /**
     * A clip of a comparison.
     *
     * @param label  A, B, ...
     * @param source the source spec behind it
     */
    record Clip(String label, String source) {}

    /**
     * What {@code ID.json} holds.
     *
     * @param revealed whether ratings were submitted, after which a blind comparison names its sources
     */
    record Stored(String id, String created, String prompt, long seed, Sampling sampling, boolean blind, List<Clip> clips,
                  boolean revealed) {

        Stored withRevealed() {
            return new Stored(id, created, prompt, seed, sampling, blind, clips, true);
        }

        /** The source behind {@code label}, or null when the comparison has no such clip. */
        String source(String label) {
            return clips.stream().filter(c -> c.label().equals(label)).map(Clip::source).findFirst().orElse(null);
        }
    }

    private final Roots roots;
    private final Sources sources;
    private final GenerationJobs jobs;
    private final SecureRandom random = new SecureRandom();

    Comparisons(Roots roots, Sources sources, GenerationJobs jobs) {
        this.roots = roots;
        this.sources = sources;
        this.jobs = jobs;
    }

    /** Queues the comparison's clips (429 when the queue is full) and stores it; returns its view. */
    synchronized Map<String, Object> create(String prompt, Long seed, Sampling sampling, List<String> specs, boolean blind) {
        if (prompt == null || prompt.isBlank()) {
            throw StudioException.badRequest("prompt is missing; give the text of a prompt");
        }
        if (specs == null || specs.size() < MIN_SOURCES || specs.size() > MAX_SOURCES) {
            throw StudioException.badRequest("sources must name " + MIN_SOURCES + " to " + MAX_SOURCES + " sources, found "
                    + (specs == null ? 0 : specs.size()));
        }
        Set<String> distinct = new LinkedHashSet<>();
        List<Sources.Resolved> resolved = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Sources.Resolved source = sources.resolve("sources[" + i + "]", specs.get(i));
            if (!distinct.add(source.spec())) {
                throw StudioException.badRequest("sources names " + source.spec() + " twice");
            }
            resolved.add(source);
        }
        long chosenSeed = seed == null ? random.nextLong(1L << 31) : seed;
        GenerateRoutes.checkSeed(chosenSeed, 1);
        if (blind) {
            Collections.shuffle(resolved, random);
        }
        String id = GenerationJobs.newId();
        Path folder = roots.created(Roots.Root.STUDIO).resolve("comparisons");
        List<Clip> clips = new ArrayList<>();
        List<GenerationJobs.Plan> plans = new ArrayList<>();
        for (int i = 0; i < resolved.size(); i++) {
            String label = String.valueOf((char) ('A' + i));
            clips.add(new Clip(label, resolved.get(i).spec()));
            plans.add(new GenerationJobs.Plan(resolved.get(i), prompt.strip(), chosenSeed, folder.resolve(id).resolve(label + ".wav"), label));
        }
        Stored stored = new Stored(id, Instant.now().toString(), prompt.strip(), chosenSeed, sampling, blind, clips, false);
        jobs.submit(id, "compare", sampling, plans, blind);
        write(stored);
        return view(stored);
    }

    /** The comparison {@code id} as stored; 404 when there is none. */
    synchronized Stored stored(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw StudioException.notFound("no comparison " + id);
        }
        Path file = roots.folder(Roots.Root.STUDIO).resolve("comparisons").resolve(id + ".json");
        if (!Files.isRegularFile(file)) {
            throw StudioException.notFound("no comparison " + id);
        }
        try {
            return StudioJson.mapper().readValue(Files.readString(file), Stored.class);
        } catch (IOException | JacksonException e) {
            throw new StudioException(500, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Marks {@code id} as rated: from now on its views name its sources. */
    synchronized Stored reveal(String id) {
        Stored revealed = stored(id).withRevealed();
        write(revealed);
        return revealed;
    }

    /** Whether every clip of the comparison is on disk. */
    boolean complete(Stored stored) {
        return stored.clips().stream().allMatch(clip -> Clips.complete(audio(stored, clip)));
    }

    /**
     * The page's view: the comparison's fields, its {@code state} (the job's, or done / incomplete when this process
     * ran no such job) and its {@code clips} [{label, source (unless hidden), url, ...}], sources hidden while blind and
     * not yet rated.
     */
    Map<String, Object> view(Stored stored) {
        boolean hidden = stored.blind() && !stored.revealed();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", stored.id());
        view.put("created", stored.created());
        view.put("prompt", stored.prompt());
        view.put("seed", stored.seed());
        view.put("sampling", stored.sampling());
        view.put("blind", stored.blind());
        view.put("revealed", stored.revealed());
        GenerationJobs.State state = jobs.state(stored.id());
        view.put("state", state != null ? state.json() : complete(stored) ? "done" : "incomplete");
        List<Map<String, Object>> clips = new ArrayList<>();
        for (Clip clip : stored.clips()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("label", clip.label());
            item.put("source", hidden ? null : clip.source());
            Path audio = audio(stored, clip);
            if (Clips.complete(audio)) {
                item.putAll(Clips.view(roots, audio, hidden));
            }
            clips.add(item);
        }
        view.put("clips", clips);
        return view;
    }

    /** The newest comparisons first, at most {@code limit}. */
    List<Map<String, Object>> list(int limit) {
        Path folder = roots.folder(Roots.Root.STUDIO).resolve("comparisons");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<String> ids;
        try (Stream<Path> files = Files.list(folder)) {
            ids = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length())).filter(n -> ID.matcher(n).matches())
                    .sorted(Comparator.reverseOrder()).limit(limit).toList();
        } catch (IOException e) {
            throw new StudioException(500, "cannot list " + folder + ": " + e.getMessage());
        }
        return ids.stream().map(id -> view(stored(id))).toList();
    }

    private Path audio(Stored stored, Clip clip) {
        return roots.folder(Roots.Root.STUDIO).resolve("comparisons").resolve(stored.id()).resolve(clip.label() + ".wav");
    }

    private void write(Stored stored) {
        Path file = roots.created(Roots.Root.STUDIO).resolve("comparisons").resolve(stored.id() + ".json");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new StudioException(500, "cannot create " + file.getParent() + ": " + e.getMessage());
        }
        AtomicFile.writeString(file, StudioJson.mapper().writeValueAsString(stored) + "\n");
    }
}
