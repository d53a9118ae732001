package dev.retune.train.metrics;

import dev.retune.data.AtomicFile;
import java.awt.AWTError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** An XChart chart as a PNG file, rendered off-screen (no display needed) and written atomically. */
public final class Png {

    private Png() {}

    public static void write(Path file, Chart<?, ?> chart) {
        byte[] png;
        try {
            png = encode(chart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw " + file + ": " + e.getMessage(), e);
        } catch (AWTError | NoClassDefFoundError e) {
            // DISPLAY names an X server that cannot be reached (a stale ssh -X session): AWT then fails to start
            // even for off-screen images.
            throw new IllegalStateException("cannot draw " + file + ": " + e
                    + " (run the JVM with -Djava.awt.headless=true, or unset DISPLAY)", e);
        }
        AtomicFile.write(file, temp -> Files.write(temp, png));
    }

    /**
     * PNG bytes encoded in memory. Not {@code BitmapEncoder.getBitmapBytes}: ImageIO's default stream caches on disk
     * and registers a JVM shutdown hook on first use, which fails when the first plot is drawn during shutdown
     * (a run stopped by SIGTERM before its first evaluation).
     */
    private static byte[] encode(Chart<?, ?> chart) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(BitmapEncoder.getBufferedImage(chart));
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
