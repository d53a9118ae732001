package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's Markdown tables, CSV rows and PNG plots. */
class ReportFilesTest {

    @TempDir
    Path dir;

    @Test
    void markdownColumnsArePaddedAndPipesEscaped() {
        String table = new MarkdownTable(List.of("source", "loss")).row(List.of("runs/a|b", 1.25)).row(List.of("base", 10.5)).toString();

        assertEquals("""
                | source    | loss |
                | --------- | ---- |
                | runs/a\\|b | 1.25 |
                | base      | 10.5 |
                """, table);
        assertThrows(IllegalArgumentException.class, () -> new MarkdownTable(List.of("a", "b")).row(List.of(1)));
    }

    @Test
    void csvQuotesOnlyWhatNeedsItAndWritesNullAsEmpty() throws Exception {
        StringWriter out = new StringWriter();
        CsvWriter csv = new CsvWriter(out, List.of("file", "prompt", "lufs"));
        csv.row(List.of("a.wav", "warm, slow \"pad\"", -23.0));
        csv.row(Arrays.asList("b.wav", "line\nbreak", null));

        assertEquals("file,prompt,lufs\r\na.wav,\"warm, slow \"\"pad\"\"\",-23.0\r\nb.wav,\"line\nbreak\",\r\n", out.toString());
    }

    @Test
    void plotsArePngsOfTheChartSize() throws Exception {
        Map<String, double[]> values = new LinkedHashMap<>();
        values.put("base", new double[] {-20, -18, -25, -22});
        values.put("adapted", new double[] {-14, -15, -13});
        Charts.distributions(dir.resolve("lufs.png"), "integrated loudness (LUFS)", values);
        Charts.estimates(dir.resolve("loss.png"), "held-out loss", List.of("base", "adapted"), new double[] {5.1, 4.2},
                new double[] {4.9, 4.0}, new double[] {5.4, 4.3});

        for (String name : new String[] {"lufs.png", "loss.png"}) {
            BufferedImage image = ImageIO.read(dir.resolve(name).toFile());
            assertEquals(900, image.getWidth(), name);
            assertEquals(500, image.getHeight(), name);
            assertTrue(distinctColours(image) > 3, name + " has something drawn on it");
        }
    }

    private static long distinctColours(BufferedImage image) {
        return Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth())).distinct().count();
    }
}
