package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.retune.data.DatasetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts from --prompt texts, text files and CSV files, read one at a time. */
class PromptReaderTest {

    @TempDir
    Path dir;

    @Test
    void aTextFileGivesItsNonBlankLinesStrippedAfterTheGivenTexts() throws IOException {
        Path file = Files.writeString(dir.resolve("p.txt"), "\uFEFFwarm pad\r\n\r\n   \n  fast drums  \nlast line without a break");

        assertEquals(List.of("given", "warm pad", "fast drums", "last line without a break"), readAll(List.of("given"), file));
        assertEquals(4, PromptReader.count(List.of("given"), file));
    }

    @Test
    void aCsvFileGivesItsPromptColumnWithQuotedCommasAndLineBreaks() throws IOException {
        Path file = Files.writeString(dir.resolve("p.csv"),
                "id,Description,Prompt\n1,ignored,\"warm pad, slow\"\n2,ignored,\"two\nlines\"\n3,ignored,  \n\n4,ignored,drums\n");

        assertEquals(List.of("warm pad, slow", "two\nlines", "drums"), readAll(List.of(), file), "prompt is preferred to description");
    }

    @Test
    void linesBeforeABadOneAreReadBeforeItsErrorWhichNamesFileLineAndByte() throws IOException {
        Path file = dir.resolve("p.txt");
        Files.write(file, "one\ntwo\ncaf\u00e9\nfour\n".getBytes(StandardCharsets.ISO_8859_1));

        try (PromptReader reader = PromptReader.open(List.of(), file)) {
            assertEquals("one", reader.next());
            assertEquals("two", reader.next());
            DatasetException e = assertThrows(DatasetException.class, reader::next);
            assertEquals(file + " line 3 is not valid UTF-8 (byte 0xe9 at byte 4 of the line); save the file as UTF-8", e.getMessage());
        }
    }

    @Test
    void aCsvErrorNamesTheLineOfTheRow() throws IOException {
        Path width = Files.writeString(dir.resolve("w.csv"), "id,prompt\n1,a\n\n2,b,c\n");
        Path encoding = dir.resolve("e.csv");
        Files.write(encoding, "prompt\nok\n\"caf\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));

        DatasetException wrongWidth = assertThrows(DatasetException.class, () -> readAll(List.of(), width));
        DatasetException badByte = assertThrows(DatasetException.class, () -> readAll(List.of(), encoding));

        assertEquals(width + " line 4: expected 2 fields like the header, found 3 (quote a field that holds a comma)", wrongWidth.getMessage());
        assertEquals(encoding + " line 3 is not valid UTF-8 (byte 0xe9 at byte 5 of the line); save the file as UTF-8", badByte.getMessage());
    }

    @Test
    void onlyGivenTextsWithoutAFile() {
        try (PromptReader reader = PromptReader.open(List.of("a", "b"), null)) {
            assertEquals("a", reader.next());
            assertEquals("b", reader.next());
            assertFalse(reader.hasNext());
        }
    }

    private static List<String> readAll(List<String> texts, Path file) {
        List<String> prompts = new ArrayList<>();
        try (PromptReader reader = PromptReader.open(texts, file)) {
            reader.forEachRemaining(prompts::add);
        }
        return prompts;
    }
}
