package dev.retune.generate;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * The prompts of a generate run, one at a time: the given texts first, then those of a prompts file, read lazily so
 * that a file of any length takes the same memory. A text file gives one prompt per non-blank line (stripped); a
 * {@code .csv} file gives its prompt column ({@link CsvPrompts}). Files must be UTF-8; an unreadable file or line is a
 * {@link dev.retune.data.DatasetException} naming the file and the line. Holds at most one prompt read ahead.
 */
public final class PromptReader implements Iterator<String>, AutoCloseable {

    private final Iterator<String> texts;
    private final Utf8Lines lines;
    private final CsvPrompts csv;
    private String ahead;

    private PromptReader(Iterator<String> texts, Utf8Lines lines, CsvPrompts csv) {
        this.texts = texts;
        this.lines = lines;
        this.csv = csv;
    }

    /** {@code texts}, then the prompts of {@code file} (null for none). */
    public static PromptReader open(List<String> texts, Path file) {
        if (file == null) {
            return new PromptReader(texts.iterator(), null, null);
        }
        Utf8Lines lines = Utf8Lines.open(file);
        try {
            boolean isCsv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
            return isCsv ? new PromptReader(texts.iterator(), null, new CsvPrompts(lines)) : new PromptReader(texts.iterator(), lines, null);
        } catch (RuntimeException e) {
            lines.close();
            throw e;
        }
    }

    /** Reads every prompt once without keeping any: checks the whole file before generation starts, and counts. */
    static long count(List<String> texts, Path file) {
        long count = 0;
        try (PromptReader reader = open(texts, file)) {
            for (; reader.hasNext(); reader.next()) {
                count++;
            }
        }
        return count;
    }

    @Override
    public boolean hasNext() {
        if (ahead == null) {
            ahead = read();
        }
        return ahead != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more prompts");
        }
        String prompt = ahead;
        ahead = null;
        return prompt;
    }

    private String read() {
        if (texts.hasNext()) {
            return texts.next();
        }
        if (csv != null) {
            return csv.next();
        }
        if (lines != null) {
            for (String line = lines.next(); line != null; line = lines.next()) {
                if (!line.isBlank()) {
                    return line.strip();
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (csv != null) {
            csv.close();
        } else if (lines != null) {
            lines.close();
        }
    }
}
