package dev.retune.data;

import java.nio.file.Path;

/** An audio file could not be opened, decoded or written; the message names the file and FFmpeg's reason. */
public class AudioException extends RuntimeException {

    private final Path file;

    public AudioException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
