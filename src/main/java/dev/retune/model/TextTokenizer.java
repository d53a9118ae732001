package dev.retune.model;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns prompts into text-encoder input ids with the Hugging Face tokenizers library (through DJL), from a model
 * folder's {@code tokenizer.json}: t5-base's Unigram model for the real MusicGen checkpoints, {@link TinyTokenizer}'s
 * word-level one for the tiny demo model. The file's normalizer, pre-tokenizer, model and post-processor are applied
 * as transformers applies them (the post-processor appends T5's {@code </s>}); truncation and padding are done here,
 * per call, so any padding or truncation settings stored in the file are ignored.
 *
 * <p>Holds a native tokenizer: close it.
 */
public final class TextTokenizer implements AutoCloseable {

    /** The name DJL reads (environment variable first, then system property) to pick its native library build. */
    private static final String RUST_FLAVOR = "RUST_FLAVOR";

    /**
     * Special tokens on (the post-processor adds {@code </s>}). DJL's own truncation and padding off: by default it
     * truncates to 512, pads, and warns when the file names no maximum length.
     */
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    /**
     * The most text tokens a prompt keeps, in training and in generation alike (MusicGen's own limit, and what keeps
     * T5's L × L attention small); longer descriptions are truncated, keeping {@code </s>}.
     */
    public static final int MAX_PROMPT_TOKENS = 256;

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabularySize;
    private final long padId;

    /**
     * Token ids and attention mask, both [B, L], right-padded to the longest text of the batch: the mask is 1 on real
     * tokens and 0 on padding. The arrays are shared, not copied.
     */
    public record Batch(long[][] ids, long[][] mask) {

        public Batch {
            if (ids.length == 0 || ids.length != mask.length) {
                throw new IllegalArgumentException("expected ids and mask with the same number of rows (at least one), "
                        + "found " + ids.length + " and " + mask.length);
            }
            for (int b = 0; b < ids.length; b++) {
                if (ids[b].length != ids[0].length || mask[b].length != ids[0].length) {
                    throw new IllegalArgumentException("expected every row of ids and mask to have length "
                            + ids[0].length + ", found " + ids[b].length + " and " + mask[b].length + " in row " + b);
                }
            }
        }

        /** B: the number of texts. */
        public int size() {
            return ids.length;
        }

        /** L: the padded length. */
        public int length() {
            return ids[0].length;
        }

        /** The ids as an int64 CPU tensor [B, L]. */
        public Tensor idsTensor() {
            return toTensor(ids);
        }

        /** The attention mask as an int64 CPU tensor [B, L]. */
        public Tensor maskTensor() {
            return toTensor(mask);
        }
    }

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int vocabularySize, long padId) {
        this.tokenizer = tokenizer;
        this.vocabularySize = vocabularySize;
        this.padId = padId;
    }

    /** Loads a Hugging Face {@code tokenizer.json}; a missing, unreadable or malformed file is a ModelException. */
    public static TextTokenizer load(Path tokenizerJson) {
        String text;
        try {
            text = Files.readString(tokenizerJson);
        } catch (NoSuchFileException e) {
            throw new ModelException("tokenizer file " + tokenizerJson + " does not exist", e);
        } catch (IOException e) {
            throw new ModelException("cannot read tokenizer file " + tokenizerJson + ": " + e, e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new ModelException(tokenizerJson + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(tokenizerJson + ": expected a Hugging Face tokenizer.json (a JSON object)");
        }
        Map<String, Long> vocabulary = vocabulary(root, tokenizerJson);
        useBundledCpuLibrary();
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (EngineException e) {
            throw new ModelException("the Hugging Face tokenizers native library did not load (needed for "
                    + tokenizerJson + "): " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new ModelException(tokenizerJson + " is not a tokenizer the Hugging Face tokenizers library accepts: "
                    + e.getMessage(), e);
        }
        return new TextTokenizer(tokenizer, vocabulary.size(), padId(root, vocabulary));
    }

    /**
     * Tokenizes each text (with the file's special tokens, e.g. T5's trailing {@code </s>}), truncates to maxLength
     * tokens and right-pads with the pad id to the longest result. Truncation shortens the text's own tokens and keeps
     * the special tokens around them, as the Hugging Face library does: a cut T5 prompt still ends with {@code </s>}.
     */
    public Batch encode(List<String> texts, int maxLength) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("expected at least one text, found none");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("expected maxLength of at least 1, found " + maxLength);
        }
        for (int b = 0; b < texts.size(); b++) {
            if (texts.get(b) == null) {
                throw new IllegalArgumentException("expected a text at index " + b + ", found null");
            }
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        long[][] rows = new long[encodings.length][];
        int length = 0;
        for (int b = 0; b < encodings.length; b++) {
            rows[b] = truncate(encodings[b].getIds(), encodings[b].getSpecialTokenMask(), maxLength);
            length = Math.max(length, rows[b].length);
        }
        long[][] ids = new long[rows.length][length]; // [B, L]
        long[][] mask = new long[rows.length][length]; // [B, L]
        for (int b = 0; b < rows.length; b++) {
            Arrays.fill(ids[b], padId);
            System.arraycopy(rows[b], 0, ids[b], 0, rows[b].length);
            Arrays.fill(mask[b], 0, rows[b].length, 1L);
        }
        return new Batch(ids, mask);
    }

    /** Distinct tokens of the model vocabulary and the added tokens: the text encoder's embedding rows. */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** The id that fills padding: the file's padding pad_id if it has one, else {@code <pad>}'s id, else 0. */
    public long padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /**
     * ids cut to maxLength: the special tokens the post-processor put at either end (marked in specialMask) stay,
     * the text's tokens between them are shortened.
     */
    static long[] truncate(long[] ids, long[] specialMask, int maxLength) {
        if (ids.length <= maxLength) {
            return ids;
        }
        int trailing = 0;
        while (trailing < ids.length && specialMask[ids.length - 1 - trailing] == 1) {
            trailing++;
        }
        int leading = 0;
        while (leading < ids.length - trailing && specialMask[leading] == 1) {
            leading++;
        }
        int content = maxLength - leading - trailing;
        if (content < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for the "
                    + (leading + trailing) + " special tokens the tokenizer adds");
        }
        long[] kept = new long[maxLength];
        System.arraycopy(ids, 0, kept, 0, leading + content);
        System.arraycopy(ids, ids.length - trailing, kept, leading + content, trailing);
        return kept;
    }

    private static Tensor toTensor(long[][] rows) {
        long[] shape = {rows.length, rows[0].length}; // [B, L]
        long[] flat = new long[Math.multiplyExact(rows.length, rows[0].length)];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, flat, b * rows[0].length, rows[0].length);
        }
        TensorOptions int64 = new TensorOptions(torch.ScalarType.Long);
        if (flat.length == 0) {
            return torch.zeros(shape, int64);
        }
        // from_blob only wraps the native copy of flat: clone before the scope frees it.
        return Safetensors.keepPastScope(() -> torch.from_blob(new LongPointer(flat), shape, int64).clone());
    }

    /**
     * Token → id for every token: the model's vocabulary (a token → id object for WordLevel, WordPiece and BPE, a
     * [piece, score] list for Unigram) and the added tokens, counted once each as the library's get_vocab_size does.
     */
    private static Map<String, Long> vocabulary(JsonNode root, Path file) {
        JsonNode vocab = root.path("model").path("vocab");
        Map<String, Long> ids = new HashMap<>();
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                if (!entry.getValue().isIntegralNumber()) {
                    throw new ModelException(file + ": expected an integer id for token '" + entry.getKey()
                            + "' in model.vocab, found " + entry.getValue());
                }
                ids.put(entry.getKey(), entry.getValue().longValue());
            }
        } else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                JsonNode piece = vocab.get(id).path(0);
                if (!piece.isString()) {
                    throw new ModelException(file + ": expected [piece, score] at model.vocab[" + id + "], found "
                            + vocab.get(id));
                }
                ids.put(piece.stringValue(), (long) id);
            }
        } else {
            throw new ModelException(file + ": expected model.vocab (a token → id object, or a Unigram model's "
                    + "[piece, score] list), found " + (vocab.isMissingNode() ? "none" : vocab.toString()));
        }
        for (JsonNode token : root.path("added_tokens")) {
            if (!token.path("content").isString() || !token.path("id").isIntegralNumber()) {
                throw new ModelException(file + ": expected content and id in every added_tokens entry, found "
                        + token);
            }
            ids.putIfAbsent(token.path("content").stringValue(), token.path("id").longValue());
        }
        return ids;
    }

    private static long padId(JsonNode root, Map<String, Long> vocabulary) {
        JsonNode stored = root.path("padding").path("pad_id");
        if (stored.isIntegralNumber()) {
            return stored.longValue();
        }
        // Any id will do where nothing names one: the mask, not the pad id, tells the encoder where a text ends.
        return vocabulary.getOrDefault("<pad>", 0L);
    }

    /**
     * DJL picks its native tokenizers build from the machine: with a CUDA GPU of compute capability 8.0 to 9.0 it
     * wants a cu122 build that the jar does not bundle and downloads it from publish.djl.ai, which fails offline.
     * Tokenizing runs on the CPU anyway, so unless RUST_FLAVOR is already set we ask for the CPU build in the jar.
     * Must run before DJL loads the library (the first tokenizer created in this JVM).
     */
    private static void useBundledCpuLibrary() {
        if (System.getenv(RUST_FLAVOR) == null && System.getProperty(RUST_FLAVOR) == null) {
            System.setProperty(RUST_FLAVOR, "cpu");
        }
    }
}
