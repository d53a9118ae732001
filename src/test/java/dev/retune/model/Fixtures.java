package dev.retune.model;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The musicgen-tiny-ref fixture: a random tiny MusicGen in the HF layout with outputs computed by transformers. */
public final class Fixtures {

    private Fixtures() {}

    public static Path tinyRef() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/musicgen-tiny-ref/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
