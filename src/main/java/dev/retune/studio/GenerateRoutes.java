package dev.retune.studio;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;

/**
 * The Generate tab's endpoints.
 *
 * <pre>
 *   GET  /api/sources                 {sources: [{spec, label, kind}]}: models, run checkpoints, adapters under the root
 *   POST /api/generate                {source, prompts, duration, top_k, top_p, temperature, guidance_scale, seed, variations}
 *                                     → 202, the job: {id, kind, state, done, total, items: [{index, prompt, seed, state, ...}]}
 *   GET  /api/jobs                    {jobs: [...]}, newest first (this process's jobs, generations and comparisons)
 *   GET  /api/jobs/{id}               one job
 *   POST /api/jobs/{id}/cancel        drops a waiting job, or stops the running one before its next item
 *   GET  /api/events                  Server-Sent Events for every job: "jobs" (all, on connect), "job" (one job, on
 *                                     each change of state or progress), "item" ({job, item}: an item just finished)
 *   GET  /api/generations?limit=N&amp;before=JOB  the gallery: earlier items read from studio/generations, newest job first;
 *                                     {items: [...], next: JOB or null} (pass next as before for the page after)
 * </pre>
 *
 * A job's items are each prompt × each variation, prompt-major: item i = prompt i / variations, variation i % variations,
 * with seed {@code seed + i}. {@code seed} is drawn at random when absent. A finished item carries its file's
 * {@code url} and {@code download_url}, its {@code parameters} (the sidecar) and {@code metrics}
 * ({@link dev.retune.evaluate.ClipMetrics}).
 */
final class GenerateRoutes {

    /**
     * The body of {@code POST /api/generate}; absent sampling fields take {@code retune generate}'s defaults.
     *
     * @param source     a spec from /api/sources, or a path inside the root
     * @param prompts    one or more prompts
     * @param seed       the first item's seed (null: random)
     * @param variations clips per prompt (null: 1)
     */
    record GenerateBody(String source, List<String> prompts, Double duration, Integer topK, Double topP, Double temperature,
                        Double guidanceScale, Long seed, Integer variations) {}

    /** Most items one job may hold. */
    static final int MAX_ITEMS = 100;
    /** Seeds stay below 2⁵³ so the page's numbers hold them exactly. */
    static final long MAX_SEED = (1L << 53) - 1;
    private static final int DEFAULT_GALLERY = 24;
    private static final int MAX_GALLERY = 200;

    private final Roots roots;
    private final Sources sources;
    private final GenerationJobs jobs;

    GenerateRoutes(Roots roots, Sources sources, GenerationJobs jobs) {
        this.roots = roots;
        this.sources = sources;
        this.jobs = jobs;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/sources", ctx -> ctx.json(Map.of("sources", sources.list())));
        routes.post("/api/generate", this::generate);
        routes.get("/api/jobs", ctx -> ctx.json(Map.of("jobs", jobs.list())));
        routes.get("/api/jobs/{id}", ctx -> ctx.json(jobs.view(ctx.pathParam("id"))));
        routes.post("/api/jobs/{id}/cancel", ctx -> ctx.json(jobs.cancel(ctx.pathParam("id"))));
        routes.sse("/api/events", this::events);
        routes.get("/api/generations", this::gallery);
    }

    private void generate(Context ctx) {
        GenerateBody body = body(ctx, GenerateBody.class);
        Sources.Resolved source = sources.resolve("source", body.source());
        if (body.prompts() == null || body.prompts().isEmpty()) {
            throw StudioException.badRequest("prompts is missing: give one prompt or more");
        }
        for (int i = 0; i < body.prompts().size(); i++) {
            if (body.prompts().get(i) == null || body.prompts().get(i).isBlank()) {
                throw StudioException.badRequest("prompts[" + i + "] is blank; give the text of a prompt");
            }
        }
        Sampling sampling = Sampling.of(body.duration(), body.topK(), body.topP(), body.temperature(), body.guidanceScale());
        int variations = body.variations() == null ? 1 : body.variations();
        if (variations < 1) {
            throw StudioException.badRequest("variations must be at least 1, found " + variations);
        }
        long items = (long) body.prompts().size() * variations;
        if (items > MAX_ITEMS) {
            throw StudioException.badRequest("prompts × variations is " + items + "; one job holds at most " + MAX_ITEMS + " items");
        }
        long seed = body.seed() == null ? ThreadLocalRandom.current().nextLong(1L << 31) : body.seed();
        checkSeed(seed, items);
        String id = GenerationJobs.newId();
        Path folder = roots.folder(Roots.Root.STUDIO).resolve("generations").resolve(id);
        List<GenerationJobs.Plan> plans = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            String prompt = body.prompts().get(i / variations).strip();
            plans.add(new GenerationJobs.Plan(source, prompt, seed + i, folder.resolve(String.format("item-%03d.wav", i)), null));
        }
        roots.created(Roots.Root.STUDIO);
        ctx.status(202).json(jobs.submit(id, "generate", sampling, plans, false));
    }

    /** The seeds {@code seed} .. {@code seed + items - 1} must lie in 0 .. 2⁵³ - 1. */
    static void checkSeed(long seed, long items) {
        if (seed < 0 || seed > MAX_SEED - items + 1) {
            throw StudioException.badRequest("seed must lie in 0 .. " + (MAX_SEED - items + 1) + " (each item takes the next seed), found " + seed);
        }
    }

    private void events(SseClient client) {
        client.keepAlive();
        Runnable remove = jobs.subscribe((event, json) -> {
            synchronized (client) {
                if (!client.terminated()) {
                    client.sendEvent(event, json);
                }
            }
        });
        client.onClose(remove);
        synchronized (client) {
            client.sendEvent("jobs", StudioJson.mapper().writeValueAsString(Map.of("jobs", jobs.list())));
        }
    }

    /** Earlier items from studio/generations, whole jobs at a time, newest job first. */
    private void gallery(Context ctx) {
        int limit = intParam(ctx, "limit", DEFAULT_GALLERY, 1, MAX_GALLERY);
        String before = ctx.queryParam("before");
        Path generations = roots.folder(Roots.Root.STUDIO).resolve("generations");
        List<Map<String, Object>> items = new ArrayList<>();
        String next = null;
        if (Files.isDirectory(generations)) {
            List<String> ids = names(generations, Files::isDirectory).stream()
                    .filter(id -> before == null || id.compareTo(before) < 0)
                    .sorted(Comparator.reverseOrder()).toList();
            for (String id : ids) {
                if (items.size() >= limit) {
                    next = items.isEmpty() ? null : (String) items.get(items.size() - 1).get("job");
                    break;
                }
                Path folder = generations.resolve(id);
                for (String name : names(folder, file -> file.getFileName().toString().endsWith(".wav") && Clips.complete(file))) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("job", id);
                    item.put("file", name);
                    item.putAll(Clips.view(roots, folder.resolve(name), false));
                    items.add(item);
                }
            }
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", items);
        page.put("next", next);
        ctx.json(page);
    }

    private static List<String> names(Path folder, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> children = Files.list(folder)) {
            return children.filter(keep).map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new StudioException(500, "cannot list " + folder + ": " + e.getMessage());
        }
    }

    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw StudioException.badRequest(name + " must be a whole number from " + min + " to " + max + ", found '" + text + "'");
    }

    /** The request body as {@code type}; a field of the wrong type or unknown is a 400 naming it. */
    static <T> T body(Context ctx, Class<T> type) {
        try {
            T body = StudioJson.mapper().readValue(ctx.body(), type);
            if (body == null) {
                throw StudioException.badRequest("the request body is empty; send a JSON object");
            }
            return body;
        } catch (JacksonException e) {
            String field = e.getPath().isEmpty() ? "" : e.getPath().stream()
                    .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")) + ": ";
            throw StudioException.badRequest("request body: " + field + e.getOriginalMessage());
        }
    }
}
