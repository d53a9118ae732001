package dev.retune.data;

import dev.retune.Failure;
import dev.retune.RetuneException;
import java.nio.file.Path;

/** An audio file could not be opened, decoded or written; the message names the file and FFmpeg's reason. */
public class AudioException extends RetuneException {

    private final Path file;

    public AudioException(Path file, String reason) {
        super(Failure.BAD_INPUT, file + ": " + reason);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
