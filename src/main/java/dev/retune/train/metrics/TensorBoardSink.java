package dev.retune.train.metrics;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metrics as a TensorBoard event file in the run folder, so TensorBoard (and the TensorBoard import of W&B or Aim)
 * shows a run with no server and no account. Scalars per step ({@code train/loss}, {@code train/ce_k0}...,
 * {@code train/lr}, {@code train/grad_norm}, {@code train/tokens_per_s}) and per evaluation ({@code eval/loss},
 * {@code eval/ce_k0}...); values that are not finite (null in metrics.jsonl) are left out. The loss plot
 * ({@code plots/loss}) is added as an image whenever its PNG changed: after each evaluation and at close. This sink
 * must come after the {@link PlotSink} that draws the PNG, so it finds the plot of the same evaluation.
 *
 * <p>Each start of a run writes a new file, {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>}, and never touches
 * an older one: TensorBoard reads all the files of a folder as one run. A resumed start begins with a SessionLog START
 * at the first new step, which tells readers to drop the earlier start's records from that step on (the steps
 * after its last checkpoint, trained again now). Each record goes to the file with one write, so a crash loses at
 * most the record being written; a write that fails is cut off again, so the file stays readable to its end.
 */
public final class TensorBoardSink implements MetricsSink {

    static final String FILE_PREFIX = "events.out.tfevents.";
    private static final String FILE_VERSION = "brain.Event:2";
    private static final String PLOT_TAG = "plots/loss";
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** Files this process opened: the last part of the name, so two starts within a second never collide. */
    private static final AtomicLong OPENED = new AtomicLong();

    private final Path folder;
    private final Path plot;
    private FileChannel out;
    private Path file;
    private long lastStep;
    private byte[] plotShown;

    /**
     * @param folder the run folder, where the event file is created (at {@link #start}, or at the first record)
     * @param plot   the loss plot PNG that a {@link PlotSink} draws
     */
    public TensorBoardSink(Path folder, Path plot) {
        this.folder = folder;
        this.plot = plot;
    }

    /** The event file of this start, or null before it is created. */
    Path file() {
        return file;
    }

    @Override
    public void start(long totalSteps, long startStep) {
        lastStep = startStep;
        Message started = DynamicMessage.newBuilder(TensorBoardProtos.SESSION_LOG)
                .setField(field(TensorBoardProtos.SESSION_LOG, "status"),
                        TensorBoardProtos.SESSION_LOG.findEnumTypeByName("SessionStatus").findValueByNumber(TensorBoardProtos.SESSION_START))
                .build();
        write(event(startStep + 1).setField(field(TensorBoardProtos.EVENT, "session_log"), started).build());
    }

    @Override
    public void step(StepMetrics m) {
        lastStep = m.step();
        List<Message> values = new ArrayList<>();
        addScalar(values, "train/loss", m.loss());
        addCodebooks(values, "train/ce_k", m.cePerCodebook());
        addScalar(values, "train/lr", m.lr());
        addScalar(values, "train/grad_norm", m.skipped() ? Double.NaN : m.gradNorm());
        addScalar(values, "train/tokens_per_s", m.tokensPerSecond());
        writeSummary(m.step(), values);
    }

    @Override
    public void eval(EvalMetrics m) {
        List<Message> values = new ArrayList<>();
        addScalar(values, "eval/loss", m.loss());
        addCodebooks(values, "eval/ce_k", m.cePerCodebook());
        writeSummary(m.step(), values);
        showPlot(m.step());
    }

    @Override
    public void close() {
        if (out == null) {
            return;
        }
        try {
            showPlot(lastStep);
        } finally {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
            } finally {
                out = null;
            }
        }
    }

    /** Adds the plot as an image at {@code step} when the PNG exists and differs from the one shown last. */
    private void showPlot(long step) {
        if (!Files.isRegularFile(plot)) {
            return;
        }
        byte[] png;
        try {
            png = Files.readAllBytes(plot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + plot + ": " + e.getMessage(), e);
        }
        if (Arrays.equals(png, plotShown)) {
            return;
        }
        writeSummary(step, List.of(DynamicMessage.newBuilder(TensorBoardProtos.VALUE)
                .setField(field(TensorBoardProtos.VALUE, "tag"), PLOT_TAG)
                .setField(field(TensorBoardProtos.VALUE, "image"), image(png))
                .build()));
        plotShown = png;
    }

    /** A Summary.Image of PNG bytes, its size and colorspace read from the PNG's header (IHDR). */
    private Message image(byte[] png) {
        if (png.length < 26 || !Arrays.equals(Arrays.copyOf(png, PNG_SIGNATURE.length), PNG_SIGNATURE)) {
            throw new IllegalStateException(plot + " is not a PNG file");
        }
        ByteBuffer header = ByteBuffer.wrap(png);
        int colorspace = switch (png[25]) {
            case 0 -> 1; // grayscale
            case 4 -> 2; // grayscale + alpha
            case 6 -> 4; // RGBA
            default -> 3; // RGB, or a palette of RGB colours
        };
        return DynamicMessage.newBuilder(TensorBoardProtos.IMAGE)
                .setField(field(TensorBoardProtos.IMAGE, "width"), header.getInt(16))
                .setField(field(TensorBoardProtos.IMAGE, "height"), header.getInt(20))
                .setField(field(TensorBoardProtos.IMAGE, "colorspace"), colorspace)
                .setField(field(TensorBoardProtos.IMAGE, "encoded_image_string"), ByteString.copyFrom(png))
                .build();
    }

    private static void addCodebooks(List<Message> values, String prefix, double[] ce) {
        for (int k = 0; k < ce.length; k++) {
            addScalar(values, prefix + k, ce[k]);
        }
    }

    private static void addScalar(List<Message> values, String tag, double value) {
        if (Double.isFinite(value)) {
            values.add(DynamicMessage.newBuilder(TensorBoardProtos.VALUE)
                    .setField(field(TensorBoardProtos.VALUE, "tag"), tag)
                    .setField(field(TensorBoardProtos.VALUE, "simple_value"), (float) value)
                    .build());
        }
    }

    private void writeSummary(long step, List<Message> values) {
        DynamicMessage.Builder summary = DynamicMessage.newBuilder(TensorBoardProtos.SUMMARY);
        values.forEach(v -> summary.addRepeatedField(field(TensorBoardProtos.SUMMARY, "value"), v));
        write(event(step).setField(field(TensorBoardProtos.EVENT, "summary"), summary.build()).build());
    }

    private static DynamicMessage.Builder event(long step) {
        return DynamicMessage.newBuilder(TensorBoardProtos.EVENT)
                .setField(field(TensorBoardProtos.EVENT, "wall_time"), System.currentTimeMillis() / 1000.0)
                .setField(field(TensorBoardProtos.EVENT, "step"), step);
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        return type.findFieldByName(name);
    }

    /** Appends one record, creating the file first if needed; a failed write is cut off again. */
    private void write(Message event) {
        if (out == null) {
            open();
        }
        long end = -1;
        try {
            end = out.position();
            ByteBuffer record = TfRecord.frame(event.toByteArray());
            while (record.hasRemaining()) {
                out.write(record);
            }
        } catch (IOException e) {
            try {
                if (end >= 0) {
                    out.truncate(end);
                }
            } catch (IOException ignored) {
                // The error below says what failed; a reader stops at the torn record.
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates this start's file with its first record, the file version; leaves no file behind when that fails. */
    private void open() {
        long seconds = System.currentTimeMillis() / 1000;
        while (true) {
            Path candidate = folder.resolve(String.format(Locale.ROOT, "%s%010d.%s.%d.%d", FILE_PREFIX, seconds,
                    Host.NAME, ProcessHandle.current().pid(), OPENED.incrementAndGet()));
            try {
                out = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue; // another process with the same pid on a shared folder: the next number
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + candidate + ": " + e.getMessage(), e);
            }
            file = candidate;
            break;
        }
        try {
            write(event(0).setField(field(TensorBoardProtos.EVENT, "file_version"), FILE_VERSION).build());
        } catch (UncheckedIOException e) {
            try {
                out.close();
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // The write error is the one to report.
            }
            out = null;
            throw e;
        }
    }

    /**
     * This machine's name, as TensorBoard puts it in file names: read from the kernel, as Python's gethostname does,
     * not through InetAddress, whose lookup may wait on DNS.
     */
    private static final class Host {
        static final String NAME = readName();

        private static String readName() {
            try {
                String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
                return name.isEmpty() ? "localhost" : name.replaceAll("[^A-Za-z0-9_-]", "_");
            } catch (IOException e) {
                return "localhost";
            }
        }
    }
}
