package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's first commands: a fresh JVM whose JavaCPP cache and home folder start empty, as on a new machine or
 * CI runner. Both must work the first time, and every bundled library must be extracted before the first one loads
 * (otherwise the linker may pick a system libtorch for a sibling not extracted yet: see {@link NativeLibraries}).
 */
class FirstRunTest {

    private static final long TIMEOUT_S = 300;

    @TempDir
    Path dir;

    @Test
    void versionWithAnEmptyCacheExtractsEverythingBeforeLoadingAnything() throws Exception {
        Path cache = dir.resolve("javacpp-cache");

        Result version = retune(cache, dir.resolve("home"), List.of("-Dorg.bytedeco.javacpp.logger.debug=true"), "--version");

        assertEquals(0, version.exit(), version.output());
        assertTrue(version.output().contains("libtorch 2."), version.output());
        assertTrue(version.output().lines().anyMatch(l -> l.startsWith("libtorch ") && l.matches(".*, (CPU|GPU) natives\\)")),
                "the natives' flavour: " + version.output());
        assertTrue(version.output().lines().anyMatch(l -> l.matches("CUDA: (usable|not usable).*")), "whether CUDA is usable: " + version.output());
        // JavaCPP may extract a file again while loading (it renames libopenblas.so.0 for its no-LAPACK variant);
        // what must not happen is a file extracted for the first time after a library was loaded from the cache.
        List<String> lines = version.output().lines().toList();
        int firstLoad = IntStream.range(0, lines.size()).filter(i -> lines.get(i).startsWith("Debug: Loading " + cache)).findFirst().orElse(-1);
        assertTrue(firstLoad > 0, "libraries are loaded from the new cache\n" + version.output());
        Set<String> before = extracted(lines.subList(0, firstLoad));
        Set<String> after = extracted(lines.subList(firstLoad, lines.size()));
        assertTrue(before.size() > 20, "the bundled libraries were extracted first: " + before);
        after.removeAll(before);
        assertEquals(Set.of(), after, "extracted only after the first library had been loaded");
    }

    private static Set<String> extracted(List<String> debugLines) {
        return debugLines.stream().filter(l -> l.startsWith("Debug: Extracting ")).map(l -> l.substring("Debug: Extracting ".length()))
                .collect(Collectors.toCollection(HashSet::new));
    }

    @Test
    void aTwoStepTrainingWithAnEmptyCacheAndAnEmptyHomeExitsZero() throws Exception {
        Path config = TrainCommandTest.tinyConfig(dir);
        Path runDir = dir.resolve("run");

        Result train = retune(dir.resolve("javacpp-cache"), dir.resolve("home"), List.of(), "train", config.toString(), "--json",
                "--out", runDir.toString(), "--set", "train.max_steps=2");

        assertEquals(0, train.exit(), train.output());
        assertTrue(Files.isRegularFile(runDir.resolve("summary.json")), train.output());
    }

    record Result(int exit, String output) {}

    /** Runs the CLI in a new JVM with its own JavaCPP cache folder and home folder (both created empty). */
    private Result retune(Path cache, Path home, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        Files.createDirectories(cache);
        Files.createDirectories(home);
        List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx1g",
                "-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-Dorg.bytedeco.javacpp.cachedir=" + cache, "-Duser.home=" + home));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.retune.cli.Main"));
        command.addAll(List.of(args));
        Path output = dir.resolve("output-" + System.nanoTime() + ".txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "no exit within " + TIMEOUT_S + " s:\n" + Files.readString(output));
            return new Result(process.exitValue(), Files.readString(output));
        } finally {
            process.destroyForcibly();
        }
    }
}
