package dev.retune.studio;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The only folders the studio reads files from or writes into, all under one root folder. A request names a folder and
 * a path inside it; the path is refused unless, with every symbolic link followed, it still lies inside that folder:
 * no {@code ..}, no absolute path, no link that leads out.
 */
final class Roots {

    /** A folder of the root, named in URLs by its lower-case name ({@code /files/runs/demo/loss.png}). */
    enum Root {
        MODELS("models"), RUNS("runs"), EXPERIMENTS("experiments"), SWEEPS("sweeps"), RATINGS("ratings"),
        /** What the page itself writes: generations, comparisons. */
        STUDIO("studio");

        private final String folder;

        Root(String folder) {
            this.folder = folder;
        }

        String urlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Root named(String name) {
            for (Root root : values()) {
                if (root.urlName().equals(name)) {
                    return root;
                }
            }
            throw StudioException.notFound("no folder named '" + name + "' is served");
        }
    }

    private final Path base;

    Roots(Path base) {
        this.base = base.toAbsolutePath().normalize();
    }

    Path base() {
        return base;
    }

    /** The folder of {@code root} (it may not exist yet). */
    Path folder(Root root) {
        return base.resolve(root.folder);
    }

    /** The folder of {@code root}, created when missing (for the folders the studio writes: studio, ratings). */
    Path created(Root root) {
        Path folder = folder(root);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new StudioException(500, "cannot create " + folder + ": " + e.getMessage());
        }
        return folder;
    }

    /** An existing regular file at {@code relative} inside {@code root}, as its real path. */
    Path file(Root root, String relative) {
        Path path = existing(root, relative);
        if (!Files.isRegularFile(path)) {
            throw StudioException.notFound(root.urlName() + "/" + relative + " is not a file");
        }
        return path;
    }

    /**
     * An existing file or folder at {@code relative} inside {@code root}, as its real path: 403 when the path leaves
     * the folder by any means, 404 when nothing is there.
     */
    Path existing(Root root, String relative) {
        Path folder = folder(root);
        Path path = inside(folder, relative, root.urlName());
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw StudioException.notFound(root.urlName() + "/" + relative + " does not exist");
        }
        if (!leadsInto(folder, path)) {
            throw StudioException.forbidden(root.urlName() + "/" + relative + " leads outside " + root.urlName() + "/");
        }
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw StudioException.notFound(root.urlName() + "/" + relative + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * Whether {@code path} lies inside {@code folder} by name and once every symbolic link is followed. A path that does
     * not exist (yet) is judged by its deepest existing folder: it would be created there.
     */
    static boolean leadsInto(Path folder, Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!absolute.startsWith(folder.toAbsolutePath().normalize())) {
            return false;
        }
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            Path real = existing == null ? absolute : existing.toRealPath().resolve(existing.relativize(absolute));
            return real.startsWith(folder.toRealPath());
        } catch (IOException e) {
            return false; // what cannot be resolved is not known to be inside
        }
    }

    /** {@code relative} resolved in {@code folder}; refused when it is absolute or climbs out by name. */
    static Path inside(Path folder, String relative, String label) {
        if (relative == null || relative.isEmpty() || relative.indexOf('\0') >= 0 || relative.indexOf('\\') >= 0) {
            throw StudioException.forbidden("not a path inside " + label + "/: '" + relative + "'");
        }
        Path given = Path.of(relative);
        if (given.isAbsolute() || relative.startsWith("/")) {
            throw StudioException.forbidden("absolute paths are refused; give a path inside " + label + "/");
        }
        for (Path part : given) {
            if (part.toString().equals("..")) {
                throw StudioException.forbidden("'..' is refused in paths inside " + label + "/");
            }
        }
        Path path = folder.resolve(given).normalize();
        if (!path.startsWith(folder)) {
            throw StudioException.forbidden(relative + " is not inside " + label + "/");
        }
        return path;
    }

    /** The URL of a file inside {@code root} ({@code /files/ROOT/PATH}), its path segments percent-encoded. */
    String url(Root root, Path file) {
        Path folder = folder(root);
        Path real;
        try {
            real = folder.toRealPath().relativize(file.toRealPath());
        } catch (IOException e) {
            real = folder.relativize(file.toAbsolutePath().normalize());
        }
        StringBuilder url = new StringBuilder("/files/").append(root.urlName());
        for (Path part : real) {
            url.append('/').append(URLEncoder.encode(part.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return url.toString();
    }
}
