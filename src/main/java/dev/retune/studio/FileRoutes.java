package dev.retune.studio;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /files/ROOT/PATH}: a file from one of the {@link Roots}, with HTTP range requests so players can seek
 * (except the JSON records of comparisons, which would tell a blind listener which clip is which).
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

    private static final Pattern RANGE = Pattern.compile("(\\d*)-(\\d*)");

    private final Roots roots;

    FileRoutes(Roots roots) {
        this.roots = roots;
    }

    void register(RoutesConfig routes) {
        routes.get("/files/{root}/<path>", this::serve);
    }

    private void serve(Context ctx) throws IOException {
        Roots.Root root = Roots.Root.named(ctx.pathParam("root"));
        Path file = roots.file(root, ctx.pathParam("path"));
        if (root == Roots.Root.STUDIO && file.startsWith(roots.folder(root).toRealPath().resolve("comparisons"))
                && file.getFileName().toString().endsWith(".json")) {
            // A comparison's record and its clips' sidecars name the sources: served, they would unblind a rating.
            throw StudioException.forbidden("a comparison's records are read through /api/comparisons");
        }
        String type = contentType(file);
        if (type.startsWith("text/html") || type.startsWith("image/svg")) {
            ctx.header("Content-Security-Policy", "sandbox");
        }
        if (ctx.queryParam("download") != null) {
            ctx.header("Content-Disposition", "attachment; filename=\"" + file.getFileName().toString().replace("\"", "") + "\"");
        }
        send(ctx, file, type);
    }

    /**
     * The file, or the one byte range a {@code Range: bytes=FROM-TO}, {@code FROM-} or {@code -LAST} header asks for
     * (206, or 416 when it lies outside the file). Several ranges in one header get the whole file (200), as RFC 9110
     * allows.
     */
    private static void send(Context ctx, Path file, String type) throws IOException {
        long size = Files.size(file);
        long[] range = range(ctx.header("Range"), size);
        ctx.header("Accept-Ranges", "bytes");
        ctx.contentType(type);
        if (range == null) {
            ctx.header("Content-Length", Long.toString(size));
            ctx.result(Files.newInputStream(file));
            return;
        }
        if (range.length == 0) {
            ctx.header("Content-Range", "bytes */" + size);
            ctx.status(416);
            return;
        }
        long from = range[0];
        long length = range[1] - range[0] + 1;
        InputStream in = Files.newInputStream(file);
        in.skipNBytes(from);
        ctx.status(206);
        ctx.header("Content-Range", "bytes " + from + "-" + range[1] + "/" + size);
        ctx.header("Content-Length", Long.toString(length));
        ctx.result(new BoundedInputStream(in, length));
    }

    /** The inclusive byte range asked for; null for the whole file, an empty array when unsatisfiable. */
    static long[] range(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return null;
        }
        Matcher m = RANGE.matcher(header.substring(6).trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return null;
        }
        try {
            long from;
            long to;
            if (m.group(1).isEmpty()) {
                long last = Long.parseLong(m.group(2));
                if (last == 0) {
                    return new long[0];
                }
                from = Math.max(0, size - last);
                to = size - 1;
            } else {
                from = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < from) {
                    return null; // not a valid range: ignored
                }
                to = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            }
            return from >= size ? new long[0] : new long[] {from, to};
        } catch (NumberFormatException e) {
            return null; // too many digits for a file: ignore the header, as for any malformed one
        }
    }

    /** The first {@code remaining} bytes of a stream, closing it when closed. */
    private static final class BoundedInputStream extends FilterInputStream {

        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }

    static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }
}
