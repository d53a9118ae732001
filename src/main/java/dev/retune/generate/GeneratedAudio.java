package dev.retune.generate;

import java.nio.file.Path;

/**
 * One prompt's output, complete on disk.
 *
 * @param index   the prompt's place in the request (0-based): the given prompts first, then the prompts file's
 * @param file    the audio file written
 * @param sidecar what its JSON sidecar ({@code FILE.json}) says
 */
public record GeneratedAudio(long index, Path file, Sidecar sidecar) {

    public String prompt() {
        return sidecar.prompt();
    }

    /** The length of the audio file. */
    public double seconds() {
        return sidecar.seconds();
    }
}
