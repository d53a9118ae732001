package dev.retune.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardSinkTest {

    @TempDir
    Path dir;

    private static StepMetrics step(long step, double loss, double gradNorm, boolean skipped) {
        return new StepMetrics(step, 0, loss, new double[] {loss + 0.25, loss - 0.25}, 1e-4 * step, gradNorm, 1,
                skipped, 1500.5 + step, 0.1, 0);
    }

    private static TfEventsReader.Scalar scalar(long step, String tag, double value) {
        return new TfEventsReader.Scalar(step, tag, (float) value);
    }

    private static List<Path> eventFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().startsWith(TensorBoardSink.FILE_PREFIX)).sorted().toList();
        }
    }

    @Test
    void recordFramingMatchesTensorFlowsFileHeader() {
        // Every TensorFlow event file starts with the 24-byte file_version event; its length field and that
        // field's masked CRC32C are the same bytes in all of them.
        ByteBuffer record = TfRecord.frame(new byte[24]);
        byte[] head = new byte[12];
        record.get(head);
        assertEquals("1800000000000000a37f4b22", HexFormat.of().formatHex(head));
        assertEquals(8 + 4 + 24 + 4, record.limit());
    }

    @Test
    void scalarsAndThePlotReadBackWithValidCrcs() throws IOException {
        Path png = dir.resolve("loss.png");
        double before = System.currentTimeMillis() / 1000.0;
        TensorBoardSink sink = new TensorBoardSink(dir, png);
        try (CompositeSink both = new CompositeSink(List.of(new PlotSink(png, "demo"), sink), text -> { })) {
            both.start(10, 0);
            both.step(step(1, 4.5, 2.0, false));
            both.step(step(2, 4.0, Double.NaN, true));
            both.eval(new EvalMetrics(2, 3.75, new double[] {3.5, 4.0}, true, false));
            both.step(step(3, 3.5, 1.5, false));
            both.step(step(4, Double.NaN, 1.25, false));
        }
        double after = System.currentTimeMillis() / 1000.0;

        assertEquals(List.of(sink.file()), eventFiles(dir));
        assertTrue(sink.file().getFileName().toString().matches("events\\.out\\.tfevents\\.\\d{10}\\.[A-Za-z0-9_-]+\\." + ProcessHandle.current().pid() + "\\.\\d+"),
                sink.file().toString());
        TfEventsReader.Events events = TfEventsReader.read(sink.file());
        assertEquals("brain.Event:2", events.fileVersion());
        assertEquals(List.of(1L), events.sessionStarts());
        assertTrue(events.wallTimes().stream().allMatch(t -> t >= Math.floor(before) && t <= after + 1), events.wallTimes().toString());
        List<TfEventsReader.Scalar> expected = new ArrayList<>();
        expected.addAll(List.of(scalar(1, "train/loss", 4.5), scalar(1, "train/ce_k0", 4.75), scalar(1, "train/ce_k1", 4.25),
                scalar(1, "train/lr", 1e-4), scalar(1, "train/grad_norm", 2.0), scalar(1, "train/tokens_per_s", 1501.5)));
        // A skipped step has no grad norm.
        expected.addAll(List.of(scalar(2, "train/loss", 4.0), scalar(2, "train/ce_k0", 4.25), scalar(2, "train/ce_k1", 3.75),
                scalar(2, "train/lr", 2e-4), scalar(2, "train/tokens_per_s", 1502.5)));
        expected.addAll(List.of(scalar(2, "eval/loss", 3.75), scalar(2, "eval/ce_k0", 3.5), scalar(2, "eval/ce_k1", 4.0)));
        // A NaN loss (and so NaN CEs) is left out, as metrics.jsonl writes null.
        expected.addAll(List.of(scalar(3, "train/loss", 3.5), scalar(3, "train/ce_k0", 3.75), scalar(3, "train/ce_k1", 3.25),
                scalar(3, "train/lr", 3e-4), scalar(3, "train/grad_norm", 1.5), scalar(3, "train/tokens_per_s", 1503.5)));
        expected.addAll(List.of(scalar(4, "train/lr", 4e-4), scalar(4, "train/grad_norm", 1.25), scalar(4, "train/tokens_per_s", 1504.5)));
        assertEquals(expected, events.scalars());

        // The plot drawn at the eval (step 2), and again at close (after step 4) with step 3's loss added.
        assertEquals(List.of(2L, 4L), events.images().stream().map(TfEventsReader.Image::step).toList());
        for (TfEventsReader.Image image : events.images()) {
            assertEquals("plots/loss", image.tag());
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.png()));
            assertNotNull(decoded, "the image is a PNG");
            assertEquals(decoded.getWidth(), image.width());
            assertEquals(decoded.getHeight(), image.height());
            assertEquals(decoded.getColorModel().hasAlpha() ? 4 : 3, image.colorspace());
        }
        assertArrayEquals(Files.readAllBytes(png), events.images().get(1).png(), "the last image is the final loss.png");
    }

    @Test
    void aPlotUnchangedSinceTheLastEvalIsNotAddedAgainAtClose() throws IOException {
        Path png = dir.resolve("loss.png");
        TensorBoardSink sink = new TensorBoardSink(dir, png);
        try (CompositeSink both = new CompositeSink(List.of(new PlotSink(png, "demo"), sink), text -> { })) {
            both.start(2, 0);
            both.step(step(1, 4.5, 2.0, false));
            both.eval(new EvalMetrics(1, 3.75, new double[] {3.5, 4.0}, true, false));
        }

        assertEquals(List.of(1L), TfEventsReader.read(sink.file()).images().stream().map(TfEventsReader.Image::step).toList());
    }

    @Test
    void eachStartWritesANewFileAndLeavesTheEarlierOnesAsTheyWere() throws IOException {
        Path png = dir.resolve("loss.png");
        TensorBoardSink first = new TensorBoardSink(dir, png);
        first.start(4, 0);
        first.step(step(1, 4.5, 2.0, false));
        first.step(step(2, 4.0, 2.0, false));
        first.close();
        byte[] firstBytes = Files.readAllBytes(first.file());

        TensorBoardSink second = new TensorBoardSink(dir, png);
        second.start(4, 1);
        second.step(step(2, 3.9, 2.0, false));
        second.close();

        assertEquals(2, eventFiles(dir).size(), eventFiles(dir).toString());
        assertTrue(!first.file().equals(second.file()));
        assertArrayEquals(firstBytes, Files.readAllBytes(first.file()), "the first start's file is untouched");
        TfEventsReader.Events resumed = TfEventsReader.read(second.file());
        assertEquals("brain.Event:2", resumed.fileVersion());
        assertEquals(List.of(2L), resumed.sessionStarts(), "readers drop the first start's step 2 and later");
        assertEquals(List.of(scalar(2, "train/loss", 3.9)),
                resumed.scalars().stream().filter(s -> s.tag().equals("train/loss")).toList());
        assertEquals(List.of(1L, 2L), TfEventsReader.read(first.file()).scalars().stream()
                .filter(s -> s.tag().equals("train/loss")).map(TfEventsReader.Scalar::step).toList());
    }

    @Test
    void aFolderThatCannotBeWrittenFailsNamingTheFileAndLeavesNothing() throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        TensorBoardSink sink = new TensorBoardSink(notAFolder, dir.resolve("loss.png"));

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> sink.start(4, 0));
        assertTrue(e.getMessage().startsWith("cannot create " + notAFolder.resolve(TensorBoardSink.FILE_PREFIX)), e.getMessage());

        List<String> reported = new ArrayList<>();
        try (CompositeSink composite = new CompositeSink(List.of(sink), reported::add)) {
            composite.step(step(1, 4.5, 2.0, false));
            composite.step(step(2, 4.0, 2.0, false));
        }
        assertEquals(2, reported.size(), reported.toString());
        assertTrue(reported.get(0).startsWith("metrics: TensorBoardSink.step failed: java.io.UncheckedIOException: cannot create"),
                reported.get(0));
        assertEquals(List.of("plain-file"), Arrays.stream(dir.toFile().list()).sorted().toList());
    }
}
