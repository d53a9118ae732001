package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TinyTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void wordsAreSortedUniqueLowerCaseAndFreeOfPunctuation() {
        List<String> sorted = new ArrayList<>(TinyTokenizer.WORDS);
        sorted.sort(null);
        assertEquals(sorted, TinyTokenizer.WORDS, "keep WORDS sorted");
        assertEquals(TinyTokenizer.WORDS.size(), new HashSet<>(TinyTokenizer.WORDS).size(), "duplicate in WORDS");
        for (String word : TinyTokenizer.WORDS) {
            assertTrue(word.matches("[a-z0-9]+"), "'" + word + "' would be split or lower-cased before lookup");
        }
        assertTrue(TinyTokenizer.WORDS.size() >= 300 && TinyTokenizer.WORDS.size() <= 600,
                "found " + TinyTokenizer.WORDS.size() + " words");
    }

    @Test
    void vocabularyStartsWithTheT5SpecialsAndHasNoDuplicates() {
        List<String> vocabulary = TinyTokenizer.vocabulary();
        assertEquals(List.of("<pad>", "</s>", "<unk>"), vocabulary.subList(0, 3));
        assertEquals(vocabulary.size(), new HashSet<>(vocabulary).size());
        assertEquals(vocabulary.size(), TinyTokenizer.vocabularySize());
        assertTrue(vocabulary.containsAll(List.of(",", "-", "\"", "#", "60", "128", "180", "lo", "fi", "warm")));
    }

    @Test
    void writesAHuggingFaceWordLevelTokenizer() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TinyTokenizer.write(file);
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(file));

        assertEquals("WordLevel", root.path("model").path("type").stringValue());
        assertEquals("<unk>", root.path("model").path("unk_token").stringValue());
        assertEquals(TinyTokenizer.vocabularySize(), root.path("model").path("vocab").size());
        assertEquals(1, root.path("model").path("vocab").path("</s>").intValue());
        assertEquals("TemplateProcessing", root.path("post_processor").path("type").stringValue());
        assertTrue(root.path("truncation").isNull());
        assertTrue(root.path("padding").isNull());
    }

    @Test
    void tokenizesTheReferencePromptToFrozenIds() {
        Path file = dir.resolve("tokenizer.json");
        TinyTokenizer.write(file);
        try (TextTokenizer tokenizer = TextTokenizer.load(file)) {
            long[] ids = tokenizer.encode(List.of("Warm analog pad in A minor, slow attack, 70 bpm"), 64).ids()[0];
            // warm analog pad in a minor , slow attack , 70 bpm </s>. Tiny checkpoints depend on these ids.
            assertArrayEquals(new long[] {819, 256, 607, 490, 244, 561, 14, 702, 266, 14, 105, 297, 1}, ids);
        }
    }

    @Test
    void rewritesAtomicallyWithoutLeavingTemporaryFiles() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "stale");
        TinyTokenizer.write(file);
        String first = Files.readString(file);
        TinyTokenizer.write(file);

        assertEquals(first, Files.readString(file), "the file is a pure function of the class");
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(List.of(file), entries.toList());
        }
    }
}
