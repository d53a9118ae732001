package dev.retune.cli;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;

/**
 * Extracts every native library bundled in the Bytedeco jars (libtorch, OpenBLAS, FFmpeg, CUDA, JavaCPP's own) into
 * JavaCPP's cache before the first one is loaded. Every process entry point calls it first: {@link Main#main} (the CLI
 * and the workers of {@code train --nproc}) and the test suite's session listener.
 *
 * <p>Why: JavaCPP extracts a library only at the moment it loads it. The bundled {@code libtorch.so} needs
 * {@code libtorch_cpu.so} and looks for it next to itself ({@code $ORIGIN}); on a first run that sibling is not
 * extracted yet, so the dynamic linker goes on to the system's library path. On a machine with another libtorch
 * there (Debian's {@code libtorch-dev}, which {@code python3-torch} pulls in) two libtorch builds end up in one
 * process and the first static initialiser crashes it (SIGSEGV in {@code pthread_mutex_lock}). With every
 * directory extracted first, each dependency resolves to its bundled sibling, as it does on every later run.
 *
 * <p>{@link Loader#cacheResource} extracts under JavaCPP's file lock and checks again under it, so concurrent first
 * runs are safe; a warm cache costs one {@code stat} per file.
 */
public final class NativeLibraries {

    private NativeLibraries() {}

    /** Extracts what is not in the cache yet; returns the number of library files bundled for this platform. */
    public static int extract() {
        try {
            List<Bundled> files = bundled();
            for (Bundled file : files) {
                if (!file.extracted()) {
                    Loader.cacheResource(file.url());
                }
            }
            return files.size();
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot extract the native libraries into " + cacheDir()
                    + " (" + e.getMessage() + "); free space there or choose another folder with -Dorg.bytedeco.javacpp.cachedir=DIR", e);
        }
    }

    /**
     * A file of a jar and where JavaCPP extracts it.
     *
     * @param size its size in the jar
     */
    record Bundled(URL url, long size, Path cached) {
        /**
         * Whether it is in the cache already. By size only: JavaCPP extracts {@code libopenblas.so.0} a second time
         * under the name of its identical {@code libopenblas_nolapack.so.0}, with the other entry's time stamp, so
         * comparing time stamps (as {@link Loader#cacheResource} does) would rewrite that file on every run.
         */
        boolean extracted() throws IOException {
            return Files.isRegularFile(cached) && Files.size(cached) == size;
        }
    }

    /** The files under {@code org/bytedeco/<library>/<platform>[-extension]/} of every jar on the class path. */
    static List<Bundled> bundled() throws IOException, URISyntaxException {
        Pattern nativeFile = Pattern.compile("org/bytedeco/[^/]+/" + Pattern.quote(Loader.getPlatform()) + "(-[^/]+)?/.*[^/]");
        Path cache = Loader.getCacheDir().getCanonicalFile().toPath();
        boolean flat = List.of("true", "t", "").contains(System.getProperty("org.bytedeco.javacpp.cachedir.nosubdir", "false").toLowerCase(Locale.ROOT));
        List<Bundled> files = new ArrayList<>();
        Enumeration<URL> roots = NativeLibraries.class.getClassLoader().getResources("org/bytedeco/");
        while (roots.hasMoreElements()) {
            URLConnection connection = roots.nextElement().openConnection();
            if (!(connection instanceof JarURLConnection jar)) {
                continue; // a folder of classes holds no natives
            }
            URL jarUrl = jar.getJarFileURL();
            Path jarFile = Path.of(jarUrl.toURI());
            try (JarFile archive = new JarFile(jarFile.toFile())) {
                for (Enumeration<JarEntry> entries = archive.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (nativeFile.matcher(entry.getName()).matches()) {
                        Path cached = flat ? cache.resolve(Path.of(entry.getName()).getFileName())
                                : cache.resolve(jarFile.getFileName().toString()).resolve(entry.getName());
                        files.add(new Bundled(new URL("jar:" + jarUrl + "!/" + entry.getName()), entry.getSize(), cached));
                    }
                }
            }
        }
        return files;
    }

    private static String cacheDir() {
        try {
            return Loader.getCacheDir().toString();
        } catch (IOException e) {
            return "JavaCPP's cache folder";
        }
    }
}
