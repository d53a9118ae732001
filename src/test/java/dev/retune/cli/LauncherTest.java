package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./retune} launcher rebuilds the jar when the sources changed and when the build flavour asked for
 * ({@code RETUNE_MAVEN_ARGS}, e.g. {@code -Pgpu}) is not the one the jar was built with. Run on a copy of the script in
 * a stand-in project whose {@code mvn} and {@code java} record their calls.
 */
class LauncherTest {

    @TempDir
    Path project;

    @Test
    void aChangedFlavourRebuildsAndTheSameFlavourDoesNot() throws Exception {
        Path calls = project.resolve("calls.txt");
        Path bin = Files.createDirectories(project.resolve("bin"));
        executable(bin.resolve("mvn"), "echo \"mvn $*\" >> " + calls + "\nmkdir -p target && touch target/retune.jar\n");
        executable(bin.resolve("java"), "echo \"java $*\" >> " + calls + "\n");
        Files.copy(Path.of("retune"), project.resolve("retune"));
        for (String source : List.of("pom.xml", "src/main/A.java", "native/src/a.cu", "native/include/a.h")) {
            Files.createDirectories(project.resolve(source).getParent());
            Files.writeString(project.resolve(source), "");
            Files.setLastModifiedTime(project.resolve(source), FileTime.from(Instant.now().minusSeconds(3600)));
        }
        Files.createDirectories(project.resolve("target"));
        Files.writeString(project.resolve("target/retune.jar"), ""); // built by plain Maven: the default flavour

        assertEquals(List.of("java"), launch(bin, calls, null), "an up-to-date default jar runs as it is");
        assertEquals(List.of("mvn -q -B package -DskipTests -Pgpu", "java"), launch(bin, calls, "-Pgpu"), "GPU asked for: rebuild");
        assertEquals(List.of("java"), launch(bin, calls, "-Pgpu"), "GPU again: already built");
        assertEquals(List.of("mvn -q -B package -DskipTests", "java"), launch(bin, calls, null), "back to the default: rebuild");
        assertEquals(List.of("java"), launch(bin, calls, null));
    }

    /** Runs {@code ./retune --version} and returns the commands it ran (program and arguments, java's shortened). */
    private List<String> launch(Path bin, Path calls, String mavenArgs) throws IOException, InterruptedException {
        Files.deleteIfExists(calls);
        ProcessBuilder builder = new ProcessBuilder("bash", project.resolve("retune").toString(), "--version").redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().remove("RETUNE_MAVEN_ARGS");
        if (mavenArgs != null) {
            builder.environment().put("RETUNE_MAVEN_ARGS", mavenArgs);
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        Thread.sleep(10); // the next build's jar must be measurably newer than this one's stamp
        return Files.readAllLines(calls).stream().map(line -> line.startsWith("java ") ? "java" : line.strip()).toList();
    }

    private static void executable(Path file, String body) throws IOException {
        Files.writeString(file, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
