package dev.retune.evaluate;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Rows of RFC 4180 CSV, written as they come (one row per clip: a report never holds them all): a field with a comma,
 * quote or line break is quoted, quotes doubled; numbers in their shortest exact form; null as an empty field.
 */
public final class CsvWriter {

    private final Writer out;
    private final int columns;

    public CsvWriter(Writer out, List<String> header) throws IOException {
        this.out = out;
        this.columns = header.size();
        line(header);
    }

    public void row(List<?> fields) throws IOException {
        if (fields.size() != columns) {
            throw new IllegalArgumentException(columns + " columns, found a row of " + fields.size() + ": " + fields);
        }
        line(fields);
    }

    private void line(List<?> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(field(fields.get(i)));
        }
        out.write("\r\n");
    }

    private static String field(Object value) {
        if (value == null) {
            return "";
        }
        String text = String.valueOf(value);
        boolean quote = text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0;
        return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }
}
