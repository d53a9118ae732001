package dev.retune.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;

/** Special files for the tests of bad datasets and configs. */
public final class TestFiles {

    private TestFiles() {}

    /** A named pipe: opening it for reading blocks until a writer comes, so no check may open it. */
    public static Path namedPipe(Path path) throws IOException {
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        try {
            if (mkfifo.waitFor() != 0) {
                throw new IOException("mkfifo " + path + " failed with exit code " + mkfifo.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("mkfifo " + path);
        }
        return path;
    }
}
