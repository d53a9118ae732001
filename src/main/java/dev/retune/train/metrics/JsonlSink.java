package dev.retune.train.metrics;

import dev.retune.run.RunException;
import dev.retune.run.RunHistory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Metrics as JSON lines: {@code metrics.jsonl} in the run folder, or stdout in {@code --json} mode. One object when
 * training starts ({@code "type":"start"}, with the step it resumes from), one per optimizer step ({@code "step"}),
 * per validation pass ({@code "eval"}) and per user message ({@code "message"}); each carries {@code wall_s}, the
 * seconds since this sink opened. Each line is written with one call and flushed, so a crash loses at most the line
 * being written. Numbers that are not finite (a NaN loss, a skipped step's grad norm) are written as {@code null}.
 *
 * <p>A run folder's file is only ever appended to: a resumed run adds a segment after the old ones, and
 * {@link RunHistory} reads the segments back as one history.
 */
public final class JsonlSink implements MetricsSink {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final double BYTES_PER_MB = 1024.0 * 1024.0;

    private final Writer out;
    private final boolean ownsStream;
    private final String name;
    private final long openedNanos = System.nanoTime();

    private JsonlSink(Writer out, boolean ownsStream, String name) {
        this.out = out;
        this.ownsStream = ownsStream;
        this.name = name;
    }

    /** Opens {@code file}: appending to what is there when {@code append}, otherwise starting it empty. */
    public static JsonlSink open(Path file, boolean append) {
        StandardOpenOption mode = append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try {
            Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
            return new JsonlSink(out, true, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends to a run's {@code metrics.jsonl}, creating it when absent. A last line torn by a crash is ended first, so
     * the new records start on their own lines (readers skip the torn one). Fails as a {@link RunException} naming
     * the file, and leaves no empty file behind, when the file cannot be written (a full disk).
     */
    public static JsonlSink appendTo(Path file) {
        boolean existed = Files.exists(file);
        try {
            boolean torn = existed && Files.size(file) > 0 && !endsWithNewline(file);
            JsonlSink sink = open(file, true);
            if (torn) {
                sink.out.write("\n");
                sink.out.flush();
            }
            return sink;
        } catch (IOException | UncheckedIOException e) {
            if (!existed) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // The error below says what failed; an empty file left here holds no history.
                }
            }
            throw new RunException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.read(last, channel.size() - 1);
            return last.get(0) == '\n';
        }
    }

    /** Writes to a stream the caller owns (stdout in {@code --json} mode); {@link #close} flushes, leaves it open. */
    public static JsonlSink toStream(OutputStream out) {
        return toWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
    }

    /** As {@link #toStream}, for a character stream (a picocli command's out writer). */
    public static JsonlSink toWriter(Writer out) {
        return new JsonlSink(out, false, "output stream");
    }

    @Override
    public void start(long totalSteps, long startStep) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("type", "start");
        line.put("from_step", startStep);
        line.put("total_steps", totalSteps);
        line.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        write(line);
    }

    @Override
    public void step(StepMetrics m) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("type", "step");
        line.put("step", m.step());
        line.put("epoch", m.epoch());
        putNumber(line, "loss", m.loss());
        line.put("lr", m.lr());
        putNumber(line, "grad_norm", m.skipped() ? Double.NaN : m.gradNorm());
        line.put("loss_scale", m.lossScale());
        line.put("skipped", m.skipped());
        putNumber(line, "tokens_per_s", m.tokensPerSecond());
        line.put("step_s", m.stepSeconds());
        line.put("native_mb", Math.round(m.nativeBytes() / BYTES_PER_MB));
        putCodebooks(line, m.cePerCodebook());
        write(line);
    }

    @Override
    public void eval(EvalMetrics m) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("type", "eval");
        line.put("step", m.step());
        putNumber(line, "loss", m.loss());
        putCodebooks(line, m.cePerCodebook());
        line.put("best", m.best());
        line.put("ema", m.usedEma());
        write(line);
    }

    @Override
    public void message(String text) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("type", "message");
        line.put("text", text);
        write(line);
    }

    @Override
    public void close() {
        try {
            if (ownsStream) {
                out.close();
            } else {
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + name + ": " + e.getMessage(), e);
        }
    }

    private static void putNumber(ObjectNode line, String key, double value) {
        if (Double.isFinite(value)) {
            line.put(key, value);
        } else {
            line.putNull(key);
        }
    }

    /** {@code ce} per codebook and {@code ppl = exp(ce)}, null where not finite. */
    private static void putCodebooks(ObjectNode line, double[] ce) {
        ArrayNode ces = line.putArray("ce");
        ArrayNode ppls = line.putArray("ppl");
        for (double value : ce) {
            addNumber(ces, value);
            addNumber(ppls, Math.exp(value));
        }
    }

    private static void addNumber(ArrayNode array, double value) {
        if (Double.isFinite(value)) {
            array.add(value);
        } else {
            array.addNull();
        }
    }

    private void write(ObjectNode line) {
        line.put("wall_s", Math.round((System.nanoTime() - openedNanos) / 1e6) / 1e3);
        try {
            out.write(MAPPER.writeValueAsString(line) + "\n");
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + ": " + e.getMessage(), e);
        }
    }
}
