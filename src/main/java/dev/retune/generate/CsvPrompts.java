package dev.retune.generate;

import dev.retune.data.DatasetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvReadFeature;

/**
 * The prompts of a CSV file (RFC 4180, UTF-8, header row required), row by row: the first of its prompt,
 * description, text or caption columns. Rows whose prompt cell is blank are skipped; a row with the wrong number
 * of fields is an error naming its line, since a stray comma would otherwise cut a prompt short.
 */
final class CsvPrompts implements AutoCloseable {

    /** Accepted names of the prompt column, in order of preference; matched case-insensitively. */
    static final List<String> COLUMNS = List.of("prompt", "description", "text", "caption");

    // No schema: each row comes as an array of strings, so its real field count is seen.
    private static final CsvMapper MAPPER = CsvMapper.builder().enable(CsvReadFeature.SKIP_EMPTY_LINES).build();

    private final Utf8Lines lines;
    private final JsonParser parser;
    private final int width;
    private final int column;
    private int rowLine = 1;

    CsvPrompts(Utf8Lines lines) {
        this.lines = lines;
        this.parser = MAPPER.createParser(lines.asReader());
        List<String> header = row();
        if (header == null) {
            throw new DatasetException(lines.file() + " is empty; a CSV of prompts needs a header row with a prompt column");
        }
        List<String> names = header.stream().map(name -> name.toLowerCase(Locale.ROOT)).toList();
        this.width = header.size();
        this.column = COLUMNS.stream().mapToInt(names::indexOf).filter(i -> i >= 0).findFirst()
                .orElseThrow(() -> new DatasetException(lines.file() + ": no prompt column (accepted names: "
                        + String.join(", ", COLUMNS) + "); columns found: " + String.join(", ", header)));
    }

    /** The next non-blank prompt, or null after the last row. */
    String next() {
        for (List<String> row = row(); row != null; row = row()) {
            if (row.size() != width) {
                throw new DatasetException(lines.file() + " line " + rowLine + ": expected " + width + " fields like the header, found "
                        + row.size() + " (quote a field that holds a comma)");
            }
            String prompt = row.get(column).strip();
            if (!prompt.isEmpty()) {
                return prompt;
            }
        }
        return null;
    }

    /** The next row's fields, or null at the end of the file. */
    private List<String> row() {
        try {
            if (parser.nextToken() == null) {
                return null;
            }
            // At a row's START_ARRAY, currentLocation() is the row's first line.
            rowLine = parser.currentLocation().getLineNr();
            List<String> fields = new ArrayList<>();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY && t != null; t = parser.nextToken()) {
                fields.add(parser.getString());
            }
            return fields;
        } catch (StreamReadException e) {
            throw new DatasetException(lines.file() + " line " + rowLine + ": " + e.getOriginalMessage()
                    + " (noticed at line " + e.getLocation().getLineNr() + ")", e);
        }
    }

    @Override
    public void close() {
        parser.close();
        lines.close();
    }
}
