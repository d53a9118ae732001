package dev.retune.studio;

import dev.retune.run.RunFolder;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.javalin.http.sse.SseClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The Runs tab's endpoints.
 *
 * <pre>
 *   GET  /api/configs                 the shipped configs (configs/*.yaml)
 *   GET  /api/runs                    every run folder: status, steps, best validation loss, checkpoints
 *   GET  /api/runs/{name}             the same plus config.yaml, summary.json, history and the studio's process
 *   GET  /api/runs/{name}/metrics     SSE: "history" (all so far), then "step", "eval", "start" records as training
 *                                     appends them to metrics.jsonl, and "status" whenever the status changes
 *   GET  /api/runs/{name}/log         the last lines of the studio's log of a run it started
 *   POST /api/runs                    start `retune train` (JSON {config, name, set} or multipart with an uploaded
 *                                     "file", or "config", and "name", "set" fields); {name, pid, log}
 *   POST /api/runs/{name}/stop        SIGTERM to the process training it; {name, pid}
 * </pre>
 */
final class RunRoutes {

    /** {@code POST /api/runs} as JSON: a shipped config's file name, an optional run name, {@code --set} lines. */
    record StartRequest(String config, String name, List<String> set) {}

    /** A point of a curve: a step and its loss (null when not finite). */
    record Point(long step, Double loss) {}

    private static final long POLL_MS = 400;
    /** A comment this often tells whether the page is still there when the run writes nothing. */
    private static final long KEEP_ALIVE_MS = 5000;
    private static final int READ_CHUNK = 64 * 1024;

    private final Roots roots;
    private final long uploadLimit;
    private final TrainingProcesses processes;
    private final Runs runs;
    /** Polls every followed run's metrics.jsonl; its threads end when nobody follows a run (the studio closes no executor). */
    private final ScheduledThreadPoolExecutor tails = new ScheduledThreadPoolExecutor(2, r -> {
        Thread t = new Thread(r, "studio-metrics-tail");
        t.setDaemon(true);
        return t;
    });

    RunRoutes(Roots roots, long uploadLimit) {
        this.roots = roots;
        this.uploadLimit = uploadLimit;
        this.processes = new TrainingProcesses(roots);
        this.runs = new Runs(roots, processes::alive);
        tails.setKeepAliveTime(10, TimeUnit.SECONDS);
        tails.allowCoreThreadTimeOut(true);
        tails.setRemoveOnCancelPolicy(true);
    }

    void register(RoutesConfig routes) {
        routes.get("/api/configs", ctx -> ctx.json(Map.of("configs", processes.shippedConfigs())));
        routes.get("/api/runs", ctx -> ctx.json(Map.of("runs", runs.list())));
        routes.get("/api/runs/{name}", ctx -> ctx.json(details(ctx.pathParam("name"))));
        routes.get("/api/runs/{name}/log", this::log);
        routes.post("/api/runs", this::start);
        routes.post("/api/runs/{name}/stop", this::stop);
        routes.sse("/api/runs/{name}/metrics", this::follow);
    }

    private Map<String, Object> details(String name) throws IOException {
        Path dir = runs.dir(name);
        RunFolder run = new RunFolder(dir);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("run", runs.row(dir, name));
        details.put("config", Files.isRegularFile(run.configFile()) ? Files.readString(run.configFile()) : null);
        details.put("summary", Runs.summary(run));
        details.put("plot", Files.isRegularFile(run.plot()) ? roots.url(Roots.Root.RUNS, run.plot()) : null);
        details.put("history", history(run.metrics()));
        details.put("has_log", processes.logTail(name) != null);
        return details;
    }

    private static Map<String, List<Point>> history(Path metrics) {
        Curves curves = new Curves();
        new MetricsTail(metrics).poll(curves::add);
        return curves.asMap();
    }

    private void log(Context ctx) {
        String name = Runs.requirePlainName(ctx.pathParam("name"));
        List<String> lines = processes.logTail(name);
        if (lines == null) {
            throw StudioException.notFound("the studio has no log of runs/" + name + " (it did not start it)");
        }
        ctx.json(Map.of("name", name, "lines", lines));
    }

    private void start(Context ctx) throws IOException {
        String contentType = ctx.contentType() == null ? "" : ctx.contentType();
        TrainingProcesses.Started started;
        if (contentType.startsWith("multipart/form-data")) {
            UploadedFile file = ctx.uploadedFile("file");
            String shipped = ctx.formParam("config");
            Path config;
            if (file != null && file.size() > 0) {
                config = processes.upload(file.filename(), read(file));
            } else if (shipped != null && !shipped.isBlank()) {
                config = processes.shipped(shipped);
            } else {
                throw StudioException.badRequest("give a shipped config (config) or upload one (file)");
            }
            started = processes.start(config, ctx.formParam("name"), setLines(ctx.formParams("set")));
        } else {
            StartRequest request = ctx.bodyAsClass(StartRequest.class);
            started = processes.start(processes.shipped(request.config()), request.name(),
                    setLines(request.set() == null ? List.of() : request.set()));
        }
        ctx.status(201).json(started);
    }

    /** The uploaded file's bytes; 413 past the upload limit (read no further than it). */
    private byte[] read(UploadedFile file) throws IOException {
        if (file.size() > uploadLimit) {
            throw new StudioException(413, "file: the uploaded config has " + file.size() + " bytes; at most " + uploadLimit + " are accepted");
        }
        try (InputStream in = file.content()) {
            byte[] bytes = in.readNBytes((int) uploadLimit + 1);
            if (bytes.length > uploadLimit) {
                throw new StudioException(413, "file: the uploaded config is larger than " + uploadLimit + " bytes");
            }
            return bytes;
        }
    }

    /** {@code --set} lines: each non-blank line of each value, stripped; every one must be KEY=VALUE. */
    private static List<String> setLines(List<String> values) {
        List<String> lines = new ArrayList<>();
        for (String value : values) {
            for (String line : value.split("\r?\n")) {
                String set = line.strip();
                if (set.isEmpty()) {
                    continue;
                }
                if (!set.matches("[A-Za-z_][A-Za-z0-9_.\\[\\]-]*=.*")) {
                    throw StudioException.badRequest("set: '" + set + "' is not KEY=VALUE (e.g. train.max_steps=200)");
                }
                lines.add(set);
            }
        }
        return lines;
    }

    private void stop(Context ctx) {
        String name = ctx.pathParam("name");
        long pid = processes.stop(runs.dir(name), name);
        ctx.json(Map.of("name", name, "pid", pid));
    }

    /**
     * Follows a run's metrics.jsonl: the history so far as one event, then every record appended, by byte offset, polled;
     * a line still being written waits for the next poll. Ends when the page goes away.
     */
    private void follow(SseClient client) {
        String name = client.ctx().pathParam("name");
        Path dir = runs.dir(name);
        Follower follower = new Follower(client, dir, name);
        client.keepAlive();
        follower.begin();
        follower.task = tails.scheduleWithFixedDelay(follower, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
        client.onClose(follower::end);
        if (follower.ended) {
            follower.task.cancel(false); // the page left before the task was known
        }
    }

    /** One page following one run: its tail of metrics.jsonl and the status it was last told. */
    private final class Follower implements Runnable {
        private final SseClient client;
        private final Path dir;
        private final String name;
        private final MetricsTail tail;
        private Runs.Status status;
        private long quietMs;
        private volatile ScheduledFuture<?> task;
        private volatile boolean ended;

        Follower(SseClient client, Path dir, String name) {
            this.client = client;
            this.dir = dir;
            this.name = name;
            this.tail = new MetricsTail(new RunFolder(dir).metrics());
        }

        /** The whole history so far, then the status. */
        void begin() {
            Curves curves = new Curves();
            tail.poll(curves::add);
            client.sendEvent("history", json(curves.asMap()));
            status = runs.status(dir, name);
            client.sendEvent("status", json(Map.of("status", status.label())));
        }

        /** One poll: the records appended since the last, a status change, now and then a comment to find a closed page. */
        @Override
        public void run() {
            if (ended || client.terminated()) {
                end();
                return;
            }
            try {
                boolean sent = tail.poll(record -> sendRecord(client, record));
                Runs.Status now = runs.status(dir, name);
                if (now != status) {
                    status = now;
                    client.sendEvent("status", json(Map.of("status", now.label())));
                    sent = true;
                }
                quietMs = sent ? 0 : quietMs + POLL_MS;
                if (quietMs >= KEEP_ALIVE_MS) {
                    client.sendComment("waiting");
                    quietMs = 0;
                }
            } catch (RuntimeException e) {
                client.close(); // the page's EventSource reconnects and starts again from the whole history
                end();
            }
        }

        void end() {
            ended = true;
            ScheduledFuture<?> scheduled = task;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }

    private static void sendRecord(SseClient client, JsonNode record) {
        String type = record.path("type").asString("");
        switch (type) {
            case "step", "eval" -> client.sendEvent(type, json(point(record)));
            case "start" -> client.sendEvent("start", json(Map.of("from_step", record.path("from_step").asLong(0))));
            default -> { }
        }
    }

    private static Point point(JsonNode record) {
        JsonNode loss = record.path("loss");
        return new Point(record.path("step").asLong(), loss.isNumber() && Double.isFinite(loss.doubleValue()) ? loss.doubleValue() : null);
    }

    private static String json(Object value) {
        return StudioJson.mapper().writeValueAsString(value);
    }

    /** A run's train and validation curves as {@link dev.retune.run.RunHistory} tells them: a new segment supersedes later steps. */
    private static final class Curves {
        private final List<Point> steps = new ArrayList<>();
        private final List<Point> evals = new ArrayList<>();

        void add(JsonNode record) {
            switch (record.path("type").asString("")) {
                case "start" -> {
                    long from = record.path("from_step").asLong(0);
                    steps.removeIf(p -> p.step() > from);
                    evals.removeIf(p -> p.step() > from);
                }
                case "step" -> steps.add(point(record));
                case "eval" -> evals.add(point(record));
                default -> { }
            }
        }

        Map<String, List<Point>> asMap() {
            return Map.of("steps", steps, "evals", evals);
        }
    }

    /**
     * Reads the records appended to a JSONL file since the last poll, from a byte offset; a last line without its
     * newline (still being written) is left for the next poll. Reads in chunks: memory stays flat however long the file.
     */
    static final class MetricsTail {
        private final Path file;
        private long offset;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        MetricsTail(Path file) {
            this.file = file;
        }

        /** Gives each whole new record to {@code sink}; returns whether there was any. */
        boolean poll(java.util.function.Consumer<JsonNode> sink) {
            boolean any = false;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                if (channel.size() < offset) {
                    offset = 0; // replaced by a shorter file: read it from the start
                    partial.reset();
                }
                ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
                while (channel.read(buffer, offset) > 0) {
                    buffer.flip();
                    offset += buffer.remaining();
                    while (buffer.hasRemaining()) {
                        byte b = buffer.get();
                        if (b != '\n') {
                            partial.write(b);
                            continue;
                        }
                        String line = partial.toString(StandardCharsets.UTF_8);
                        partial.reset();
                        JsonNode record = parse(line);
                        if (record != null) {
                            sink.accept(record);
                            any = true;
                        }
                    }
                    buffer.clear();
                }
            } catch (NoSuchFileException e) {
                return false; // not trained yet
            } catch (IOException e) {
                throw new StudioException(500, "cannot read " + file + ": " + e.getMessage());
            }
            return any;
        }

        private static JsonNode parse(String line) {
            if (line.isBlank()) {
                return null;
            }
            try {
                return StudioJson.mapper().readTree(line);
            } catch (JacksonException e) {
                return null; // a line torn by a crash, followed by the next segment's records
            }
        }
    }
}
