package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.TextConfig;
import dev.retune.data.MetadataCsv;
import dev.retune.data.MetadataRow;
import dev.retune.data.MetadataTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class TextTokenizerTest {

    private static final long PAD = 0;
    private static final long EOS = 1;
    private static final long UNK = 2;

    /**
     * A T5-style Unigram tokenizer.json in miniature: the layout of t5-base's file (Metaspace pre-tokenizer, "$A </s>"
     * template, [piece, score] vocab with unk_id) without its precompiled normalizer.
     */
    private static final String UNIGRAM_JSON = """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
                {"id": 0, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true},
                {"id": 1, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true},
                {"id": 2, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true}
              ],
              "normalizer": null,
              "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "WhitespaceSplit"},
                {"type": "Metaspace", "replacement": "▁", "add_prefix_space": true}
              ]},
              "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}
              },
              "decoder": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": true},
              "model": {
                "type": "Unigram",
                "unk_id": 2,
                "vocab": [
                  ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["▁", -2.0], ["▁warm", -4.0], ["▁pad", -4.5],
                  ["▁in", -3.5], ["▁a", -3.0], ["▁minor", -5.0], [",", -3.2], ["▁slow", -5.0], ["er", -4.0],
                  ["▁dark", -5.0], ["s", -3.0], ["e", -3.5], ["r", -4.0], ["é", -6.0], ["▁caf", -7.0],
                  ["▁bpm", -6.0], ["7", -5.0], ["0", -5.0]
                ],
                "byte_fallback": false
              }
            }
            """;

    @TempDir
    Path dir;

    private PointerScope scope;
    private TextTokenizer tiny;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
        Path file = dir.resolve("tokenizer.json");
        TinyTokenizer.write(file);
        tiny = TextTokenizer.load(file);
    }

    @AfterEach
    void tearDown() {
        tiny.close();
        scope.close();
    }

    @Test
    void padsABatchOnTheRightWithEosAtEachRealEnd() {
        TextTokenizer.Batch batch = tiny.encode(List.of("warm", "bright, airy sine pad in E major", "dark drone"), 32);

        assertEquals(3, batch.size());
        assertEquals(9, batch.length());
        long[] warm = {id("warm"), EOS, PAD, PAD, PAD, PAD, PAD, PAD, PAD};
        long[] bright = {id("bright"), id(","), id("airy"), id("sine"), id("pad"), id("in"), id("e"), id("major"), EOS};
        long[] dark = {id("dark"), id("drone"), EOS, PAD, PAD, PAD, PAD, PAD, PAD};
        assertArrayEquals(new long[][] {warm, bright, dark}, batch.ids());
        assertArrayEquals(new long[][] {
            {1, 1, 0, 0, 0, 0, 0, 0, 0},
            {1, 1, 1, 1, 1, 1, 1, 1, 1},
            {1, 1, 1, 0, 0, 0, 0, 0, 0}}, batch.mask());
    }

    @Test
    void unknownWordsBecomeUnk() {
        assertArrayEquals(new long[] {UNK, id("dark"), id("pad"), EOS}, ids("wobbly dark pad"));
    }

    @Test
    void splitsOffEveryPunctuationCharacter() {
        assertArrayEquals(new long[] {id("a"), id("\""), id("lo"), id("-"), id("fi"), id("\""), id("!"), id("!"), EOS},
                ids("a \"lo-fi\"!!"));
        assertArrayEquals(new long[] {id("f"), id("#"), id("minor"), id(","), id("128"), id("bpm"), EOS},
                ids("F# minor,128 bpm"));
    }

    @Test
    void truncationKeepsEosLast() {
        TextTokenizer.Batch batch = tiny.encode(List.of("warm analog pad in a minor", "dark"), 4);

        assertArrayEquals(new long[][] {{id("warm"), id("analog"), id("pad"), EOS}, {id("dark"), EOS, PAD, PAD}},
                batch.ids());
        assertArrayEquals(new long[][] {{1, 1, 1, 1}, {1, 1, 0, 0}}, batch.mask());
        assertArrayEquals(new long[][] {{EOS}}, tiny.encode(List.of("warm analog pad"), 1).ids());
    }

    @Test
    void theEmptyTextIsJustEos() {
        assertArrayEquals(new long[] {EOS}, ids(""));
        assertArrayEquals(new long[] {EOS}, ids("  \t\n "));
    }

    @Test
    void normalisesUnicodeAndMapsTheRestToUnk() {
        // NFKC turns the "ﬁ" ligature into "fi" and full-width digits into ASCII; the emoji and "café" are unknown.
        assertArrayEquals(new long[] {id("warm"), id("fi"), id("70"), UNK, UNK, EOS}, ids("WARM ﬁ ７０ 🎹 café"));
    }

    @Test
    void everyDemoDescriptionAndMetadataValueIsInTheVocabulary() {
        MetadataTable table = MetadataCsv.read(Path.of("datasets/demo/metadata.csv"));
        assertTrue(table.problems().isEmpty(), table.problems().toString());
        // DescriptionMerger appends "genre: ambient. bpm: 70. key: A minor" built from the merged fields.
        List<String> texts = new ArrayList<>(List.of(String.join(": ", TextConfig.DEFAULT_FIELDS)));
        for (MetadataRow row : table.rows()) {
            texts.add(row.description());
            for (String field : TextConfig.DEFAULT_FIELDS) {
                texts.add(field + ": " + row.metadata().getOrDefault(field, "") + ".");
            }
        }
        TextTokenizer.Batch batch = tiny.encode(texts, 512);
        for (int b = 0; b < texts.size(); b++) {
            long[] row = batch.ids()[b];
            assertFalse(Arrays.stream(row).anyMatch(id -> id == UNK), "<unk> in \"" + texts.get(b) + "\"");
        }
    }

    @Test
    void vocabularySizeMatchesTheFile() throws IOException {
        int inFile = JsonMapper.builder().build()
                .readTree(Files.readString(dir.resolve("tokenizer.json"))).path("model").path("vocab").size();
        assertEquals(inFile, tiny.vocabularySize());
        assertEquals(TinyTokenizer.vocabularySize(), tiny.vocabularySize());
        assertEquals(PAD, tiny.padId());
    }

    @Test
    void tensorsAreInt64AndEqualTheArrays() {
        TextTokenizer.Batch batch = tiny.encode(List.of("warm pad", "dark, slow drone in d minor", ""), 16);
        Tensor ids = batch.idsTensor();
        Tensor mask = batch.maskTensor();

        for (Tensor tensor : List.of(ids, mask)) {
            assertArrayEquals(new long[] {3, batch.length()}, tensor.sizes().vec().get());
            assertEquals(ScalarType.Long, tensor.scalar_type().intern()); // native enums: intern() for identity
        }
        assertArrayEquals(flatten(batch.ids()), values(ids));
        assertArrayEquals(flatten(batch.mask()), values(mask));
    }

    @Test
    void readsAT5StyleUnigramTokenizer() throws IOException {
        Path file = dir.resolve("unigram.json");
        Files.writeString(file, UNIGRAM_JSON);
        try (TextTokenizer t5 = TextTokenizer.load(file)) {
            TextTokenizer.Batch batch = t5.encode(List.of("warm pad in a minor, slower", "café 70 bpm", "", "qq"), 5);

            // ▁warm ▁pad ▁in ▁a </s> (cut from ▁warm ▁pad ▁in ▁a ▁minor , ▁slow er </s>)
            assertArrayEquals(new long[] {4, 5, 6, 7, EOS}, batch.ids()[0]);
            // ▁caf é ▁ 7 0 ... cut to 4 pieces and </s>
            assertArrayEquals(new long[] {17, 16, 3, 19, EOS}, batch.ids()[1]);
            assertArrayEquals(new long[] {EOS, PAD, PAD, PAD, PAD}, batch.ids()[2]);
            assertTrue(Arrays.stream(batch.ids()[3]).anyMatch(id -> id == UNK), Arrays.toString(batch.ids()[3]));
            assertEquals(21, t5.vocabularySize());
            assertEquals(PAD, t5.padId());
        }
        try (TextTokenizer t5 = TextTokenizer.load(file)) {
            assertArrayEquals(new long[][] {{4, 5, 6, 7, 8, 9, 10, 11, EOS}},
                    t5.encode(List.of("warm pad in a minor, slower"), 512).ids());
        }
    }

    @Test
    void truncationKeepsSpecialTokensAtBothEnds() {
        long[] ids = {7, 20, 21, 22, 23, 1};
        long[] special = {1, 0, 0, 0, 0, 1};
        assertArrayEquals(new long[] {7, 20, 21, 1}, TextTokenizer.truncate(ids, special, 4));
        assertArrayEquals(new long[] {7, 1}, TextTokenizer.truncate(ids, special, 2));
        assertArrayEquals(ids, TextTokenizer.truncate(ids, special, 6));
        assertThrows(IllegalArgumentException.class, () -> TextTokenizer.truncate(ids, special, 1));
    }

    @Test
    void missingOrBrokenFilesNameTheFile() throws IOException {
        Path missing = dir.resolve("absent/tokenizer.json");
        assertTrue(assertThrows(ModelException.class, () -> TextTokenizer.load(missing)).getMessage()
                .contains(missing.toString()));

        Path truncated = dir.resolve("truncated.json");
        Files.writeString(truncated, UNIGRAM_JSON.substring(0, 200));
        assertTrue(assertThrows(ModelException.class, () -> TextTokenizer.load(truncated)).getMessage()
                .contains(truncated.toString()));

        Path noVocab = dir.resolve("novocab.json");
        Files.writeString(noVocab, "{\"model\": {\"type\": \"WordLevel\"}}");
        assertTrue(assertThrows(ModelException.class, () -> TextTokenizer.load(noVocab)).getMessage()
                .contains(noVocab.toString()));

        Path unknownModel = dir.resolve("bogus.json");
        Files.writeString(unknownModel, UNIGRAM_JSON.replace("\"Unigram\"", "\"Bogus\""));
        assertTrue(assertThrows(ModelException.class, () -> TextTokenizer.load(unknownModel)).getMessage()
                .contains(unknownModel.toString()));
    }

    @Test
    void rejectsAnEmptyBatchAndANonPositiveMaxLength() {
        assertThrows(IllegalArgumentException.class, () -> tiny.encode(List.of(), 8));
        assertThrows(IllegalArgumentException.class, () -> tiny.encode(List.of("warm"), 0));
        assertThrows(IllegalArgumentException.class, () -> tiny.encode(Arrays.asList("warm", null), 8));
    }

    private long[] ids(String text) {
        return tiny.encode(List.of(text), 512).ids()[0];
    }

    private static long id(String token) {
        int id = TinyTokenizer.vocabulary().indexOf(token);
        assertTrue(id >= 0, "'" + token + "' is not in the tiny vocabulary");
        return id;
    }

    private static long[] flatten(long[][] rows) {
        return Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    }

    private static long[] values(Tensor tensor) {
        long[] out = new long[(int) tensor.numel()];
        tensor.contiguous().data_ptr_long().get(out);
        return out;
    }
}
