package dev.retune.train;

import dev.retune.model.AtomicFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Metrics as JSON lines: {@code metrics.jsonl} in the run folder, or stdout in {@code --json} mode. One object per
 * optimizer step ({@code "type":"step"}), per validation pass ({@code "eval"}) and per user message
 * ({@code "message"}). Each line is written with one call and flushed, so a crash loses at most the line being
 * written. Numbers that are not finite (a NaN loss, a skipped step's grad norm) are written as {@code null}.
 *
 * <p>On resume, {@link #resume} first drops what the interrupted run logged after the checkpoint's step, then
 * appends.
 */
public final class JsonlSink implements MetricsSink {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final double BYTES_PER_MB = 1024.0 * 1024.0;

    private final Writer out;
    private final boolean ownsStream;
    private final String name;

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

    /** Continues the log of a run resumed from the checkpoint at {@code step}: see {@link #truncateAfter}. */
    public static JsonlSink resume(Path file, long step) {
        if (Files.exists(file)) {
            truncateAfter(file, step);
        }
        return open(file, true);
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

    /**
     * Drops what a run logged after the checkpoint it is resumed from: keeps every line before the first record
     * whose step is greater than {@code step} (so the steps and evals up to it, and the messages among them), and
     * nothing after it. A final line without its newline (torn by a crash) is dropped; any other line that is not
     * JSON is an error naming it. The file is replaced atomically: a crash leaves the old file or the new one.
     */
    public static void truncateAfter(Path file, long step) {
        List<String> lines;
        boolean tornTail;
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            tornTail = !text.isEmpty() && !text.endsWith("\n");
            lines = text.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int complete = tornTail ? lines.size() - 1 : lines.size();
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < complete; i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode record = parse(line, file, i + 1);
            JsonNode recordStep = record.path("step");
            if (recordStep.isNumber() && recordStep.longValue() > step) {
                break;
            }
            kept.add(line);
        }
        StringBuilder text = new StringBuilder();
        kept.forEach(line -> text.append(line).append('\n'));
        AtomicFile.writeString(file, text.toString());
    }

    private static JsonNode parse(String line, Path file, int number) {
        try {
            return MAPPER.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalStateException(file + " line " + number + " is not JSON: " + e.getOriginalMessage(), e);
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
        try {
            out.write(MAPPER.writeValueAsString(line) + "\n");
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + ": " + e.getMessage(), e);
        }
    }
}
