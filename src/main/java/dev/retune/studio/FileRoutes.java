package dev.retune.studio;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /files/ROOT/PATH}: a file from one of the {@link Roots}, with HTTP range requests so players can seek.
 * HTML (experiment reports) is served in a sandbox: it renders, but runs no script and reaches nothing of the page.
 */
final class FileRoutes {

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("wav", "audio/wav"), Map.entry("flac", "audio/flac"), Map.entry("mp3", "audio/mpeg"),
            Map.entry("ogg", "audio/ogg"), Map.entry("opus", "audio/ogg"), Map.entry("m4a", "audio/mp4"),
            Map.entry("png", "image/png"), Map.entry("svg", "image/svg+xml"), Map.entry("json", "application/json"),
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("md", "text/plain; charset=utf-8"),
            Map.entry("jsonl", "text/plain; charset=utf-8"), Map.entry("yaml", "text/plain; charset=utf-8"),
            Map.entry("yml", "text/plain; charset=utf-8"), Map.entry("csv", "text/plain; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("log", "text/plain; charset=utf-8"));

    private final Roots roots;

    FileRoutes(Roots roots) {
        this.roots = roots;
    }

    void register(RoutesConfig routes) {
        routes.get("/files/{root}/<path>", this::serve);
    }

    private void serve(Context ctx) throws IOException {
        Path file = roots.file(Roots.Root.named(ctx.pathParam("root")), ctx.pathParam("path"));
        String type = contentType(file);
        if (type.startsWith("text/html") || type.startsWith("image/svg")) {
            ctx.header("Content-Security-Policy", "sandbox");
        }
        if (ctx.queryParam("download") != null) {
            ctx.header("Content-Disposition", "attachment; filename=\"" + file.getFileName().toString().replace("\"", "") + "\"");
        }
        InputStream in = Files.newInputStream(file);
        ctx.writeSeekableStream(in, type, Files.size(file));
    }

    static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }
}
