package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Real HTTP against a running studio for the Runs and Experiments tests: JSON calls, multipart uploads, Server-Sent Events. */
final class StudioRunsHttp {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final Studio studio;
    private final HttpClient http = HttpClient.newHttpClient();

    StudioRunsHttp(Studio studio) {
        this.studio = studio;
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = request("GET", path, null, null);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    /** A file by its URL, as bytes. */
    HttpResponse<byte[]> bytes(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> post(String json) throws IOException, InterruptedException {
        return request("POST", "/api/runs", HttpRequest.BodyPublishers.ofString(json), "application/json");
    }

    HttpResponse<String> upload(String fileName, byte[] content) throws IOException, InterruptedException {
        return request("POST", "/api/runs", multipart(fileName, content), null);
    }

    private static final String BOUNDARY = "studio-runs-test-boundary";

    static HttpRequest.BodyPublisher multipart(String fileName, byte[] content) {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/x-yaml\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        return HttpRequest.BodyPublishers.ofByteArray(body);
    }

    HttpResponse<String> request(String method, String path, HttpRequest.BodyPublisher body, String type)
            throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
        if (body != null) {
            builder.header("Content-Type", type != null ? type : "multipart/form-data; boundary=" + BOUNDARY);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertError(int status, String named, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(JSON.readTree(response.body()).get("error").asString().contains(named), response.body());
    }

    /** One Server-Sent Event. */
    record Event(String name, JsonNode data) {}

    /** A Server-Sent Events stream read on its own thread. */
    final class Events implements AutoCloseable {
        private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
        private final InputStream body;
        private final int timeoutSeconds;

        Events(String path) throws IOException, InterruptedException {
            this(path, 20);
        }

        /** @param timeoutSeconds how long {@link #next} waits for an event */
        Events(String path, int timeoutSeconds) throws IOException, InterruptedException {
            this.timeoutSeconds = timeoutSeconds;
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + path))
                    .header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            body = response.body();
            Thread reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String name = null;
                StringBuilder data = new StringBuilder();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    } else if (line.isEmpty() && name != null) {
                        queue.add(new Event(name, JSON.readTree(data.toString())));
                        name = null;
                        data.setLength(0);
                    }
                }
            } catch (IOException e) {
                // closed by the test
            }
        }

        /** The next event with one of {@code names} (others skipped), within the stream's timeout. */
        Event next(String... names) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            List<String> wanted = List.of(names);
            while (System.nanoTime() < deadline) {
                Event event = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event != null && wanted.contains(event.name())) {
                    return event;
                }
            }
            fail("no " + wanted + " event within " + timeoutSeconds + " s");
            return null;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
