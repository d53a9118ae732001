package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataCsvTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("metadata.csv"), text, StandardCharsets.UTF_8);
    }

    @Test
    void quotedFieldsKeepCommasQuotesAndNewlines() throws IOException {
        MetadataTable table = MetadataCsv.read(write("""
                file_name,caption,genre
                a.wav,"drums, bass",rock
                b.wav,"she said ""hi""\",pop
                c.wav,"line one
                line two",jazz
                d.wav,after,folk
                """));

        assertEquals(List.of(), table.problems());
        List<MetadataRow> rows = table.rows();
        assertEquals(List.of("drums, bass", "she said \"hi\"", "line one\nline two", "after"),
                rows.stream().map(MetadataRow::description).toList());
        // c.wav spans lines 4-5, so d.wav starts on line 6, not 5.
        assertEquals(List.of(2, 3, 4, 6), rows.stream().map(MetadataRow::line).toList());
        assertEquals("jazz", rows.get(2).metadata().get("genre"));
    }

    @Test
    void windowsLineEndingsCountLinesAndLeaveNoCarriageReturns() throws IOException {
        MetadataTable table = MetadataCsv.read(write("file,text\r\na.wav,\"two\r\nlines\"\r\nb.wav,plain\r\n"));

        assertEquals(List.of(2, 4), table.rows().stream().map(MetadataRow::line).toList());
        assertEquals("plain", table.rows().get(1).description());
        assertTrue(table.rows().stream().noneMatch(r -> r.audio().contains("\r") || r.description().endsWith("\r")));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void readsUtf8WithAndWithoutByteOrderMark(boolean bom) throws IOException {
        byte[] body = "file_name,description\nä.wav,café ☕\n".getBytes(StandardCharsets.UTF_8);
        byte[] mark = bom ? new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF} : new byte[0];
        byte[] bytes = new byte[mark.length + body.length];
        System.arraycopy(mark, 0, bytes, 0, mark.length);
        System.arraycopy(body, 0, bytes, mark.length, body.length);
        Path csv = Files.write(dir.resolve("metadata.csv"), bytes);

        MetadataTable table = MetadataCsv.read(csv);

        assertEquals(List.of("file_name", "description"), table.header());
        assertEquals("file_name", table.audioColumn());
        assertEquals(new MetadataRow(2, "ä.wav", "café ☕", Map.of()), table.rows().get(0));
    }

    @Test
    void acceptsColumnAliasesWhateverTheirCaseAndSpacing() throws IOException {
        MetadataTable fileNameCaption = MetadataCsv.read(write("file_name,caption\na.wav,x\n"));
        assertEquals("file_name", fileNameCaption.audioColumn());
        assertEquals("caption", fileNameCaption.textColumn());

        MetadataTable pathPrompt = MetadataCsv.read(write("prompt,path\nx,a.wav\n"));
        assertEquals(new MetadataRow(2, "a.wav", "x", Map.of()), pathPrompt.rows().get(0));

        MetadataTable shouted = MetadataCsv.read(write(" Audio_File , DESCRIPTION \n  a.wav  , x \n"));
        assertEquals("Audio_File", shouted.audioColumn());
        assertEquals(new MetadataRow(2, "a.wav", "x", Map.of()), shouted.rows().get(0));
    }

    @Test
    void prefersEarlierAcceptedNameAndKeepsTheOtherAsMetadata() throws IOException {
        MetadataTable table = MetadataCsv.read(write("text,file,caption\nshort,a.wav,long caption\n"));

        assertEquals("caption", table.textColumn());
        assertEquals("long caption", table.rows().get(0).description());
        assertEquals(Map.of("text", "short"), table.rows().get(0).metadata());
    }

    @Test
    void keepsOtherColumnsInHeaderOrderWithLowerCaseKeys() throws IOException {
        MetadataTable table = MetadataCsv.read(write("Genre,file_name,bpm,description,key,moods,split\n"
                + "rock,a.wav,120,loud,E minor,\"angry, fast\",train\n"));

        Map<String, String> metadata = table.rows().get(0).metadata();
        assertEquals(List.of("genre", "bpm", "key", "moods", "split"), List.copyOf(metadata.keySet()));
        assertEquals(List.of("rock", "120", "E minor", "angry, fast", "train"), List.copyOf(metadata.values()));
    }

    @Test
    void missingRequiredColumnNamesFileColumnsFoundAndAcceptedNames() throws IOException {
        Path csv = write("name,caption,genre\na.wav,x,rock\n");

        DatasetException e = assertThrows(DatasetException.class, () -> MetadataCsv.read(csv));

        assertTrue(e.getMessage().contains(csv.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("columns found: name, caption, genre"), e.getMessage());
        assertTrue(e.getMessage().contains("audio_file, file_name, file, path, audio"), e.getMessage());
    }

    @Test
    void missingTextColumnIsReportedToo() throws IOException {
        Path csv = write("file_name,genre\na.wav,rock\n");

        DatasetException e = assertThrows(DatasetException.class, () -> MetadataCsv.read(csv));

        assertTrue(e.getMessage().contains("description, caption, text, prompt"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\uFEFF", "\n\n  \n"})
    void fileWithoutHeaderIsRefused(String text) throws IOException {
        Path csv = write(text);

        DatasetException e = assertThrows(DatasetException.class, () -> MetadataCsv.read(csv));

        assertTrue(e.getMessage().contains(csv.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void missingFileNamesThePath() {
        Path csv = dir.resolve("nowhere/metadata.csv");

        DatasetException e = assertThrows(DatasetException.class, () -> MetadataCsv.read(csv));

        assertTrue(e.getMessage().contains(csv.toString()), e.getMessage());
    }

    @Test
    void duplicateColumnIsRefused() throws IOException {
        Path csv = write("file,caption,Genre,genre\na.wav,x,rock,pop\n");

        DatasetException e = assertThrows(DatasetException.class, () -> MetadataCsv.read(csv));

        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
    }

    @Test
    void unclosedQuoteReportsWhereTheRowStartsAndKeepsEarlierRows() throws IOException {
        MetadataTable table = MetadataCsv.read(write("""
                file,caption
                a.wav,one
                b.wav,two
                c.wav,"never closed
                d.wav,four
                e.wav,five
                """));

        assertEquals(List.of("a.wav", "b.wav"), table.rows().stream().map(MetadataRow::audio).toList());
        assertEquals(1, table.problems().size());
        Problem problem = table.problems().get(0);
        assertEquals(Problem.Kind.MALFORMED_CSV, problem.kind());
        assertEquals(4, problem.line());
        assertTrue(problem.message().startsWith("line 4:"), problem.message());
    }

    @Test
    void wrongFieldCountIsAProblemAndReadingGoesOn() throws IOException {
        MetadataTable table = MetadataCsv.read(write("""
                file,caption,genre
                a.wav,one
                b.wav,two,rock,extra
                c.wav,three,pop
                """));

        assertEquals(List.of(
                new Problem(2, "a.wav", Problem.Kind.MALFORMED_CSV, "line 2: expected 3 fields, found 2"),
                new Problem(3, "b.wav", Problem.Kind.MALFORMED_CSV, "line 3: expected 3 fields, found 4")),
                table.problems());
        assertEquals(List.of("c.wav"), table.rows().stream().map(MetadataRow::audio).toList());
    }

    @Test
    void blankLinesAreSkippedSilently() throws IOException {
        MetadataTable table = MetadataCsv.read(write("file,caption\n\na.wav,one\n   \nb.wav,two\n\n"));

        assertEquals(List.of(), table.problems());
        assertEquals(List.of(3, 5), table.rows().stream().map(MetadataRow::line).toList());
    }
}
