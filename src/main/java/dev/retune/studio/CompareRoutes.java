package dev.retune.studio;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Compare tab's endpoints.
 *
 * <pre>
 *   POST /api/comparisons               {prompt, seed, duration, top_k, top_p, temperature, guidance_scale, sources: [2..4], blind}
 *                                       → 202, the comparison: {id, prompt, seed, sampling, blind, revealed, state,
 *                                         clips: [{label, source (null while blind), url, parameters, metrics}]}
 *   GET  /api/comparisons               {comparisons: [...]}, newest first (at most 50)
 *   GET  /api/comparisons/{id}          one comparison
 *   POST /api/comparisons/{id}/ratings  {ratings: {"A": 1..5, ...}, preferred: "A" or null, rater, set}
 *                                       → {comparison (sources revealed), line (the JSON line appended to ratings/SET.jsonl)}
 *   GET  /api/ratings?set=NAME          {set, lines, sources: [{source, n, mean, std, low, high, preferred}]}
 * </pre>
 *
 * The clips are generated through the same queue as the Generate tab's jobs (the job id is the comparison id; its
 * progress comes on {@code /api/events}), so the queue's 429 applies.
 */
final class CompareRoutes {

    /** The body of {@code POST /api/comparisons}; absent sampling fields take {@code retune generate}'s defaults. */
    record ComparisonBody(String prompt, Long seed, Double duration, Integer topK, Double topP, Double temperature, Double guidanceScale,
                          List<String> sources, Boolean blind) {}

    /**
     * The body of {@code POST /api/comparisons/{id}/ratings}.
     *
     * @param set the ratings set (null: {@value Ratings#DEFAULT_SET})
     */
    record RatingBody(Map<String, Integer> ratings, String preferred, String rater, String set) {}

    private static final int LISTED = 50;

    private final Comparisons comparisons;
    private final Ratings ratings;

    CompareRoutes(Comparisons comparisons, Ratings ratings) {
        this.comparisons = comparisons;
        this.ratings = ratings;
    }

    void register(RoutesConfig routes) {
        routes.post("/api/comparisons", this::create);
        routes.get("/api/comparisons", ctx -> ctx.json(Map.of("comparisons", comparisons.list(LISTED))));
        routes.get("/api/comparisons/{id}", ctx -> ctx.json(comparisons.view(comparisons.stored(ctx.pathParam("id")))));
        routes.post("/api/comparisons/{id}/ratings", this::rate);
        routes.get("/api/ratings", ctx -> ctx.json(ratings.summary(ctx.queryParam("set"))));
    }

    private void create(Context ctx) {
        ComparisonBody body = GenerateRoutes.body(ctx, ComparisonBody.class);
        Sampling sampling = Sampling.of(body.duration(), body.topK(), body.topP(), body.temperature(), body.guidanceScale());
        ctx.status(202).json(comparisons.create(body.prompt(), body.seed(), sampling, body.sources(), Boolean.TRUE.equals(body.blind())));
    }

    private void rate(Context ctx) {
        RatingBody body = GenerateRoutes.body(ctx, RatingBody.class);
        Comparisons.Stored stored = comparisons.stored(ctx.pathParam("id"));
        if (!comparisons.complete(stored)) {
            throw StudioException.conflict("comparison " + stored.id() + " is not complete: rate it once every clip is generated");
        }
        Map<String, Object> line = ratings.append(body.set(), stored, body.ratings(), body.preferred(), body.rater());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("comparison", comparisons.view(comparisons.reveal(stored.id())));
        answer.put("line", line);
        ctx.json(answer);
    }
}
