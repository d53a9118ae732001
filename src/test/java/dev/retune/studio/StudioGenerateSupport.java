package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the Generate and Compare tests share: a tiny model folder in a root, and JSON calls to a running studio. */
final class StudioGenerateSupport {

    /** A JSON answer. */
    record Answer(int status, JsonNode json) {}

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Studio studio;

    StudioGenerateSupport(Studio studio) {
        this.studio = studio;
    }

    /** A tiny model with random weights drawn from {@code seed}, saved as {@code root/models/NAME}. */
    static Path tinyModel(Path root, String name, long seed) {
        torch.manual_seed(seed);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        Path tokenizer = root.resolve("tokenizer-" + name + ".json");
        TinyTokenizer.write(tokenizer);
        Path folder = root.resolve("models").resolve(name);
        ModelFolder.save(model, folder, ScalarType.Float, tokenizer);
        return folder;
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    Answer post(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<byte[]> bytes(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Polls job {@code id} until it has ended (done, cancelled or failed); returns its last view. */
    JsonNode awaitJob(String id) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (true) {
            Answer answer = get("/api/jobs/" + id);
            assertEquals(200, answer.status(), answer.json().toString());
            String state = answer.json().get("state").asString();
            if (!state.equals("queued") && !state.equals("running")) {
                return answer.json();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("job " + id + " still " + state + " after 3 minutes: " + answer.json());
            }
            Thread.sleep(100);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + studio.port() + path);
    }

    private static Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : JsonMapper.shared().readTree(response.body()));
    }
}
