package dev.retune.studio;

import io.javalin.config.RoutesConfig;
import java.util.Map;

/**
 * The Experiments tab's endpoints; audio, plots and reports are fetched from {@link FileRoutes} by the URLs given.
 *
 * <pre>
 *   GET /api/experiments                  experiment and sweep folders: kind, name, finished, items, modified
 *   GET /api/experiments/{kind}/{name}    the gallery of experiments/NAME (kind experiment) or sweeps/NAME (sweep)
 * </pre>
 */
final class ExperimentRoutes {

    private final Galleries galleries;

    ExperimentRoutes(Roots roots) {
        this.galleries = new Galleries(roots, new Runs(roots, name -> false)); // the studio starts no sweep runs
    }

    void register(RoutesConfig routes) {
        routes.get("/api/experiments", ctx -> ctx.json(Map.of("experiments", galleries.list())));
        routes.get("/api/experiments/{kind}/{name}", ctx -> ctx.json(galleries.gallery(ctx.pathParam("kind"), ctx.pathParam("name"))));
    }
}
