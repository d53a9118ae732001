package dev.retune.studio;

import dev.retune.data.AtomicFile;
import dev.retune.evaluate.ClipAnalyzer;
import dev.retune.evaluate.ClipMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * A generated clip as the page shows it, read from its files: the audio, its JSON sidecar ({@code FILE.json}, written
 * by {@link dev.retune.generate.Generation}) and its technical metrics ({@code FILE.metrics.json}, measured once by
 * {@link ClipAnalyzer} when the clip is made). Reading the files, not memory, lets results outlive the studio process.
 */
final class Clips {

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private Clips() {}

    static Path sidecar(Path audio) {
        return audio.resolveSibling(audio.getFileName() + ".json");
    }

    static Path metricsFile(Path audio) {
        return audio.resolveSibling(audio.getFileName() + ".metrics.json");
    }

    /** Whether the clip is complete: the sidecar is written last. */
    static boolean complete(Path audio) {
        return Files.isRegularFile(sidecar(audio));
    }

    /** Measures {@code audio} and keeps the metrics next to it. */
    static void measure(Path audio) {
        ClipMetrics metrics = ClipAnalyzer.analyze(audio);
        AtomicFile.writeString(metricsFile(audio), StudioJson.mapper().writeValueAsString(metrics) + "\n");
    }

    /**
     * The clip's view: {@code url}, {@code download_url}, {@code prompt}, {@code seed}, {@code parameters} (the sidecar)
     * and {@code metrics} (null until measured). With {@code hideSource} the sidecar's source and checkpoint step are
     * left out (a blind comparison).
     */
    static Map<String, Object> view(Roots roots, Path audio, boolean hideSource) {
        Map<String, Object> parameters = read(sidecar(audio));
        if (hideSource) {
            parameters.remove("source");
            parameters.remove("checkpoint_step");
        }
        Map<String, Object> view = new LinkedHashMap<>();
        String url = roots.url(Roots.Root.STUDIO, audio);
        view.put("url", url);
        view.put("download_url", url + "?download=1");
        view.put("prompt", parameters.get("prompt"));
        view.put("seed", parameters.get("seed"));
        view.put("parameters", parameters);
        Map<String, Object> metrics = Files.isRegularFile(metricsFile(audio)) ? read(metricsFile(audio)) : null;
        if (metrics != null) {
            metrics.remove("file");
        }
        view.put("metrics", metrics);
        return view;
    }

    private static Map<String, Object> read(Path file) {
        try {
            return StudioJson.mapper().readValue(Files.readString(file), MAP);
        } catch (IOException | JacksonException e) {
            throw new StudioException(500, "cannot read " + file + ": " + e.getMessage());
        }
    }
}
