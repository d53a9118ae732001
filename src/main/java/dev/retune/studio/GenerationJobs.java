package dev.retune.studio;

import dev.retune.Log;
import dev.retune.ProgressListener;
import dev.retune.config.DeviceConfig;
import dev.retune.generate.Generation;
import dev.retune.generate.GenerationRequest;
import dev.retune.generate.ModelLocation;
import dev.retune.generate.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * The studio's generation queue. The device is one, so one job runs at a time, on one worker thread; at most
 * {@code queueLimit} jobs wait behind it and one more is refused (429). A job is a list of items, each one prompt
 * through one source with its own seed, generated alone by {@link Generation#run} so that any item can be made again
 * from its seed. Cancelling a waiting job drops it; cancelling the running one stops it before its next item.
 *
 * <p>The last source loaded stays loaded across items and jobs ({@link LoadedModel}). Listeners hear {@code job} (a job's
 * view, on each change of state or progress) and {@code item} (a finished item), as JSON, for Server-Sent Events.
 */
final class GenerationJobs implements AutoCloseable {

    enum State { QUEUED, RUNNING, DONE, CANCELLED, FAILED;

        String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One item to generate.
     *
     * @param source the model
     * @param prompt the text prompt
     * @param seed   its own seed
     * @param file   the audio file to write (wav); its sidecar goes next to it
     * @param label  its name in a comparison ("A", "B", ...); null in a generation job
     */
    record Plan(Sources.Resolved source, String prompt, long seed, Path file, String label) {}

    /** Jobs kept in memory for the queue view; older finished ones live on as files (the gallery). */
    private static final int KEPT_JOBS = 100;
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final Roots roots;
    private final DeviceConfig.Kind device;
    private final int queueLimit;
    private final Map<String, GenerationJob> jobs = new LinkedHashMap<>();
    private final Deque<GenerationJob> waiting = new ArrayDeque<>();
    private final List<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();
    private final Thread worker;
    private GenerationJob running;
    private boolean closed;
    private final LoadedModel loaded;

    GenerationJobs(Roots roots, DeviceConfig.Kind device, int queueLimit) {
        this.roots = roots;
        this.device = device;
        this.queueLimit = queueLimit;
        this.loaded = new LoadedModel(device);
        this.worker = new Thread(this::work, "studio-generation");
        worker.setDaemon(true);
        worker.start();
    }

    /** A new job id: UTC time first, so ids (and the folders named by them) sort oldest first. */
    static String newId() {
        return ID_TIME.format(Instant.now()) + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }

    /**
     * Queues a job of {@code plans} (a 429 when the queue is full).
     *
     * @param kind  generate or compare
     * @param blind whether the job's views leave the sources out (a blind comparison)
     */
    Map<String, Object> submit(String id, String kind, Sampling sampling, List<Plan> plans, boolean blind) {
        Map<String, Object> view;
        synchronized (this) {
            if (closed) {
                throw new StudioException(503, "the studio is shutting down");
            }
            int behindRunning = waiting.size() - (running == null && !waiting.isEmpty() ? 1 : 0);
            boolean idle = running == null && waiting.isEmpty();
            if (!idle && behindRunning >= queueLimit) {
                throw StudioException.tooMany("the generation queue is full: " + behindRunning + " job(s) wait behind the running one (limit "
                        + queueLimit + ", --queue); wait for one to finish or cancel one");
            }
            GenerationJob job = new GenerationJob(id, kind, sampling, plans, blind);
            jobs.put(id, job);
            forgetOldJobs();
            waiting.add(job);
            notifyAll();
            view = job.view();
        }
        publish("job", view);
        return view;
    }

    /** Cancels a waiting job, or stops the running one before its next item (409 when it has ended). */
    Map<String, Object> cancel(String id) {
        Map<String, Object> view;
        synchronized (this) {
            GenerationJob job = job(id);
            if (job.state == State.QUEUED) {
                waiting.remove(job);
                job.state = State.CANCELLED;
            } else if (job.state == State.RUNNING) {
                job.stop.set(true);
            } else {
                throw StudioException.conflict("job " + id + " has already ended (" + job.state.json() + ")");
            }
            view = job.view();
        }
        publish("job", view);
        return view;
    }

    synchronized Map<String, Object> view(String id) {
        return job(id).view();
    }

    /** The state of job {@code id}, or null when this process does not know it. */
    synchronized State state(String id) {
        GenerationJob job = jobs.get(id);
        return job == null ? null : job.state;
    }

    /** The jobs this process knows, newest first. */
    synchronized List<Map<String, Object>> list() {
        List<Map<String, Object>> views = new ArrayList<>();
        jobs.values().forEach(job -> views.add(0, job.view()));
        return views;
    }

    /** Hands {@code listener} each event (name, JSON data) until the returned action removes it. */
    Runnable subscribe(BiConsumer<String, String> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private GenerationJob job(String id) {
        GenerationJob job = jobs.get(id);
        if (job == null) {
            throw StudioException.notFound("no job " + id);
        }
        return job;
    }

    private void forgetOldJobs() {
        var it = jobs.values().iterator();
        while (jobs.size() > KEPT_JOBS && it.hasNext()) {
            GenerationJob job = it.next();
            if (job.state != State.QUEUED && job.state != State.RUNNING) {
                it.remove();
            }
        }
    }

    private void publish(String event, Object data) {
        if (listeners.isEmpty()) {
            return;
        }
        String json = StudioJson.mapper().writeValueAsString(data);
        for (BiConsumer<String, String> listener : listeners) {
            try {
                listener.accept(event, json);
            } catch (RuntimeException e) {
                listeners.remove(listener); // a listener gone wrong (a closed stream) must not stop the worker
            }
        }
    }

    private void publishJob(GenerationJob job) {
        Map<String, Object> view;
        synchronized (this) {
            view = job.view();
        }
        publish("job", view);
    }

    private void work() {
        while (true) {
            GenerationJob job;
            synchronized (this) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                job = waiting.poll();
                job.state = State.RUNNING;
                running = job;
            }
            publishJob(job);
            State end = run(job);
            synchronized (this) {
                job.state = end;
                running = null;
            }
            publishJob(job);
        }
    }

    /** Generates the job's items in order; returns the state it ends in. */
    private State run(GenerationJob job) {
        try {
            for (GenerationJob.Item item : job.items) {
                if (job.stop.get()) {
                    return State.CANCELLED;
                }
                synchronized (this) {
                    item.state = State.RUNNING;
                }
                publishJob(job);
                if (!generate(job, item)) {
                    return State.CANCELLED;
                }
                Map<String, Object> clip = Clips.view(roots, item.plan.file(), job.blind);
                Map<String, Object> finished;
                synchronized (this) {
                    item.clip = clip;
                    item.state = State.DONE;
                    job.done++;
                    finished = Map.of("job", job.id, "item", item.view(job.blind));
                }
                publish("item", finished);
                publishJob(job);
            }
            return State.DONE;
        } catch (RuntimeException e) {
            Log.warn("studio: generation job " + job.id + " failed: " + e.getMessage());
            synchronized (this) {
                job.error = Sampling.fieldNames(String.valueOf(e.getMessage()));
                job.items.stream().filter(i -> i.state == State.RUNNING).forEach(i -> i.state = State.FAILED);
            }
            return State.FAILED;
        }
    }

    /** One item, alone: false when the job was stopped before it started. */
    private boolean generate(GenerationJob job, GenerationJob.Item item) {
        Plan plan = item.plan;
        ModelLocation location = plan.source().location();
        ModelSource model = loaded.of(location);
        Sampling sampling = job.sampling;
        GenerationRequest request = new GenerationRequest(location, device, List.of(plan.prompt()), null, sampling.sampler(), plan.seed(),
                sampling.duration(), null, 1, GenerationRequest.Output.file(plan.file()));
        try {
            Files.createDirectories(plan.file().getParent());
        } catch (IOException e) {
            throw new StudioException(500, "cannot create " + plan.file().getParent() + ": " + e.getMessage());
        }
        Generation.Summary summary = Generation.run(request, model, audio -> { }, ProgressListener.NONE, job.stop);
        if (summary.prompts() == 0) {
            return false;
        }
        Clips.measure(plan.file());
        return true;
    }

    /** Stops the worker after the item it is generating; waiting jobs are cancelled. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (running != null) {
                running.stop.set(true);
            }
            waiting.forEach(job -> job.state = State.CANCELLED);
            waiting.clear();
            notifyAll();
        }
        try {
            worker.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
