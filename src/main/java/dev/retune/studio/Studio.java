package dev.retune.studio;

import dev.retune.Failure;
import dev.retune.Log;
import dev.retune.RetuneException;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * {@code retune studio}: the local web page over the library, served by this process. The page (HTML, CSS and script
 * bundled in the jar, nothing from the network) calls a JSON API; progress comes as Server-Sent Events; audio and
 * plots come from the {@link Roots} with range requests.
 *
 * <pre>
 *   GET  /                          the page
 *   GET  /api/info                  version, root folder, device, which folders exist
 *   GET  /files/ROOT/PATH           a file of models, runs, experiments, sweeps, ratings or studio ({@link FileRoutes})
 * </pre>
 *
 * Each tab's endpoints are registered by its own class, whose Javadoc lists them: {@link GenerateRoutes} (sources,
 * the generation queue and its events, the gallery), {@link CompareRoutes} (comparisons, blind ratings and their
 * summary), {@link RunRoutes} (run folders, live metrics, starting and stopping training processes) and
 * {@link ExperimentRoutes} (experiment and sweep galleries).
 */
public final class Studio implements AutoCloseable {

    private final StudioOptions options;
    private final Javalin server;
    private final GenerationJobs jobs;

    private Studio(StudioOptions options, Javalin server, GenerationJobs jobs) {
        this.options = options;
        this.server = server;
        this.jobs = jobs;
    }

    /**
     * Serves the studio until {@link #close}. A host other than loopback without a token gets a fresh token (read it
     * from {@link #url}).
     *
     * @throws RetuneException naming the option when the address cannot be bound
     */
    public static Studio start(StudioOptions options) {
        boolean loopback = options.loopback();
        StudioOptions served = !loopback && options.token() == null ? options.withToken(Access.newToken()) : options;
        Roots roots = new Roots(served.root());
        Access access = new Access(served.token(), loopback);
        GenerationJobs jobs = new GenerationJobs(roots, served.device(), served.queueLimit());
        Javalin server = Javalin.create(config -> configure(config, served, roots, access, jobs));
        try {
            server.start(served.host(), served.port());
        } catch (RuntimeException e) {
            jobs.close();
            throw new RetuneException(Failure.USAGE, "cannot serve on " + served.host() + ":" + served.port() + ": " + rootMessage(e), e);
        }
        return new Studio(served, server, jobs);
    }

    private static void configure(JavalinConfig config, StudioOptions options, Roots roots, Access access, GenerationJobs jobs) {
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.jsonMapper(new StudioJson());
        config.http.maxRequestSize = options.uploadLimit();
        config.http.compressionStrategy = CompressionStrategy.NONE; // loopback needs none, and ranges stay exact
        config.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = "/dev/retune/studio/web";
            files.location = Location.CLASSPATH;
            files.headers = Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff");
        });
        config.routes.before(access::check);
        config.routes.before(ctx -> ctx.header("X-Content-Type-Options", "nosniff"));
        config.routes.get("/api/info", ctx -> ctx.json(info(roots, options)));
        new FileRoutes(roots).register(config.routes);
        Sources sources = new Sources(roots);
        new GenerateRoutes(roots, sources, jobs).register(config.routes);
        new CompareRoutes(new Comparisons(roots, sources, jobs), new Ratings(roots)).register(config.routes);
        new RunRoutes(roots, options.uploadLimit()).register(config.routes);
        new ExperimentRoutes(roots).register(config.routes);
        config.routes.exception(StudioException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        config.routes.exception(RetuneException.class, (e, ctx) -> error(ctx, e.failure() == Failure.USAGE || e.failure() == Failure.BAD_INPUT ? 400 : 500, e.getMessage()));
        config.routes.exception(JacksonException.class, (e, ctx) -> error(ctx, 400, "request body: " + e.getOriginalMessage()));
        config.routes.exception(Exception.class, (e, ctx) -> {
            Log.warn("studio: " + ctx.method() + " " + ctx.path() + " failed: " + e);
            error(ctx, 500, String.valueOf(e.getMessage()));
        });
    }

    private static Map<String, Object> info(Roots roots, StudioOptions options) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", Studio.class.getPackage().getImplementationVersion());
        info.put("root", roots.base().toString());
        info.put("device", options.device().name().toLowerCase(Locale.ROOT));
        Map<String, Boolean> folders = new LinkedHashMap<>();
        for (Roots.Root root : Roots.Root.values()) {
            folders.put(root.urlName(), Files.isDirectory(roots.folder(root)));
        }
        info.put("folders", folders);
        return info;
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message));
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    /** The page's address; with a token, the URL carries it (open it once and the browser keeps it as a cookie). */
    public String url() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port() + "/" + (options.token() == null ? "" : "?token=" + options.token());
    }

    public int port() {
        return server.port();
    }

    /** Stops serving. Training runs started from the page are separate processes and go on. */
    @Override
    public void close() {
        server.stop();
        jobs.close();
    }
}
