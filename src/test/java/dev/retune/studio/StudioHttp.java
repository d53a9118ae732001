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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A studio started for a test and real HTTP against it: JSON calls, files as bytes, multipart uploads, Server-Sent
 * Events, and waiting for a generation job. Closing it stops the studio. (The security tests use {@link RawHttp}, so
 * that nothing normalizes their requests.)
 */
final class StudioHttp implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.shared();

    private static final String BOUNDARY = "studio-test-boundary";

    private final Studio studio;
    private final HttpClient http = HttpClient.newHttpClient();

    private StudioHttp(Studio studio) {
        this.studio = studio;
    }

    /** A studio serving {@code root} on loopback, on a free port. */
    static StudioHttp serve(Path root) {
        return serve(StudioOptions.local(root, 0));
    }

    static StudioHttp serve(StudioOptions options) {
        return new StudioHttp(Studio.start(options));
    }

    /** An answer: its status and its body, which {@link #json} reads as JSON. */
    record Answer(String path, int status, String body) {

        /** The body as JSON; null when it is empty. */
        JsonNode json() {
            return body.isEmpty() ? null : JSON.readTree(body);
        }

        /** The body as JSON, once checked that the status is 200. */
        JsonNode ok() {
            assertEquals(200, status, path + ": " + body);
            return json();
        }

        /** Checks that the status is {@code expected} and that the JSON error names {@code named}. */
        void assertError(int expected, String named) {
            assertEquals(expected, status, body);
            assertTrue(json().get("error").asString().contains(named), body);
        }
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(path, request(path).GET());
    }

    /** POSTs {@code json} as application/json. */
    Answer post(String path, String json) throws IOException, InterruptedException {
        return send(path, request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** POSTs nothing: no body, no Content-Type. */
    Answer post(String path) throws IOException, InterruptedException {
        return send(path, request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** POSTs {@code content} as the multipart form field {@code file}, named {@code fileName}. */
    Answer upload(String path, String fileName, byte[] content) throws IOException, InterruptedException {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/x-yaml\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        return send(path, request(path).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** A file by its URL, as bytes. */
    HttpResponse<byte[]> bytes(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Polls job {@code id} until it has ended (done, cancelled or failed); returns its last view. */
    JsonNode awaitJob(String id) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (true) {
            Answer answer = get("/api/jobs/" + id);
            assertEquals(200, answer.status(), answer.body());
            String state = answer.json().get("state").asString();
            if (!state.equals("queued") && !state.equals("running")) {
                return answer.json();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("job " + id + " still " + state + " after 3 minutes: " + answer.body());
            }
            Thread.sleep(100);
        }
    }

    /** The event stream at {@code path}, whose {@link Events#next} waits up to 20 s. */
    Events events(String path) throws IOException, InterruptedException {
        return events(path, 20);
    }

    /** The event stream at {@code path}, asked for as a browser's EventSource asks; {@link Events#next} waits up to {@code timeoutSeconds}. */
    Events events(String path, int timeoutSeconds) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(request(path).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        return new Events(response.body(), timeoutSeconds);
    }

    /** Stops the studio. */
    @Override
    public void close() {
        studio.close();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + path));
    }

    private Answer send(String path, HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(path, response.statusCode(), response.body());
    }

    /** One Server-Sent Event. */
    record Event(String name, JsonNode data) {}

    /** A Server-Sent Events stream read on its own thread. */
    static final class Events implements AutoCloseable {
        private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
        private final List<String> names = new CopyOnWriteArrayList<>();
        private final InputStream body;
        private final int timeoutSeconds;

        private Events(InputStream body, int timeoutSeconds) {
            this.body = body;
            this.timeoutSeconds = timeoutSeconds;
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
                        names.add(name);
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

        /** The names of all events received so far, in order (skipped ones included). */
        List<String> names() {
            return List.copyOf(names);
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
