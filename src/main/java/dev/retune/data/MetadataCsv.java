package dev.retune.data;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvReadFeature;

/**
 * Reads a dataset's metadata.csv (RFC 4180, UTF-8 with or without a byte-order mark, header row required).
 *
 * <p>A bad row becomes a {@link Problem} and reading goes on; only a file that cannot be used at all (missing, no
 * header, no audio or text column) throws {@link DatasetException}. A syntax error Jackson cannot step over (a quote
 * left open) ends reading: the rows before it are kept and one problem names the line where the broken row starts.
 */
public final class MetadataCsv {

    /** Accepted names for the audio column, in order of preference; matched case-insensitively. */
    public static final List<String> AUDIO_COLUMNS = List.of("audio_file", "file_name", "file", "path", "audio");

    /** Accepted names for the text column, in order of preference; matched case-insensitively. */
    public static final List<String> TEXT_COLUMNS = List.of("description", "caption", "text", "prompt");

    // No schema: Jackson hands each row over as an array of strings, so we see every row's real field count.
    // SKIP_EMPTY_LINES also skips lines holding only whitespace.
    private static final CsvMapper MAPPER = CsvMapper.builder().enable(CsvReadFeature.SKIP_EMPTY_LINES).build();

    private MetadataCsv() {}

    public static MetadataTable read(Path csv) {
        String text = readText(csv);
        try (JsonParser parser = MAPPER.createParser(text)) {
            RowCursor cursor = new RowCursor(parser);
            List<String> header = readHeader(csv, cursor);
            Columns columns = Columns.find(csv, header);
            List<MetadataRow> rows = new ArrayList<>();
            List<Problem> problems = new ArrayList<>();
            try {
                for (RawRow raw = cursor.next(); raw != null; raw = cursor.next()) {
                    if (raw.fields().size() == header.size()) {
                        rows.add(columns.toRow(raw));
                    } else {
                        problems.add(new Problem(raw.line(), columns.audioOrEmpty(raw), Problem.Kind.MALFORMED_CSV,
                                "line " + raw.line() + ": expected " + header.size() + " fields, found " + raw.fields().size()));
                    }
                }
            } catch (StreamReadException e) {
                problems.add(new Problem(cursor.rowStart(), "", Problem.Kind.MALFORMED_CSV,
                        "line " + cursor.rowStart() + ": " + e.getOriginalMessage() + " (noticed at line "
                                + e.getLocation().getLineNr() + "); this row and the rest of the file are not read"));
            }
            return new MetadataTable(csv, header, header.get(columns.audio()), header.get(columns.text()), rows, problems);
        }
    }

    private static String readText(Path csv) {
        if (Files.exists(csv) && !Files.isRegularFile(csv)) {
            // Reading a named pipe would block until something writes to it.
            throw new DatasetException(csv + " is not a regular file (a folder, pipe, device or socket); a dataset needs a"
                    + " metadata.csv file with a header row");
        }
        try {
            String text = Files.readString(csv, StandardCharsets.UTF_8);
            // Spreadsheet exports often start with a byte-order mark; left in, it would become part of the first column name.
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw new DatasetException("no such file: " + csv + " (a dataset needs a metadata.csv with a header row)", e);
        } catch (MalformedInputException e) {
            throw new DatasetException(csv + " is not valid UTF-8; save it as UTF-8 and try again", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + csv + ": " + e.getMessage(), e);
        }
    }

    private static List<String> readHeader(Path csv, RowCursor cursor) {
        RawRow header;
        try {
            header = cursor.next();
        } catch (StreamReadException e) {
            throw new DatasetException(csv + ": cannot read the header row: " + e.getOriginalMessage(), e);
        }
        if (header == null) {
            throw new DatasetException(csv + " is empty; it needs a header row such as: file_name,description");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < header.fields().size(); i++) {
            String name = header.fields().get(i);
            if (name.isEmpty()) {
                throw new DatasetException(csv + ": column " + (i + 1) + " of the header has no name");
            }
            if (!seen.add(key(name))) {
                throw new DatasetException(csv + ": column '" + name + "' appears twice in the header");
            }
        }
        return header.fields();
    }

    /** Column names are compared, and used as metadata keys, in lower case, so "Genre" and "genre" mean the same. */
    private static String key(String columnName) {
        return columnName.toLowerCase(Locale.ROOT);
    }

    /** One row as Jackson split it, before it is checked against the header. */
    private record RawRow(int line, List<String> fields) {}

    /** Pulls rows off the parser and remembers where the row being read started, for error messages. */
    private static final class RowCursor {
        private final JsonParser parser;
        private int rowStart;

        RowCursor(JsonParser parser) {
            this.parser = parser;
        }

        int rowStart() {
            return rowStart;
        }

        /** The next non-blank row, or null at the end of the file. */
        RawRow next() {
            if (parser.nextToken() == null) {
                return null;
            }
            // At a row's START_ARRAY, currentLocation() is the row's first line; currentTokenLocation() still points
            // at the end of the previous row, so it would be one line early.
            rowStart = parser.currentLocation().getLineNr();
            List<String> fields = new ArrayList<>();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY && t != null; t = parser.nextToken()) {
                fields.add(parser.getString().strip());
            }
            return new RawRow(rowStart, fields);
        }
    }

    /** Where the audio and text columns sit in the header, and which column names the rest of the metadata has. */
    private record Columns(int audio, int text, List<String> keys) {

        static Columns find(Path csv, List<String> header) {
            List<String> keys = header.stream().map(MetadataCsv::key).toList();
            int audio = firstPresent(keys, AUDIO_COLUMNS);
            int text = firstPresent(keys, TEXT_COLUMNS);
            List<String> missing = new ArrayList<>();
            if (audio < 0) {
                missing.add("no audio column (accepted names: " + String.join(", ", AUDIO_COLUMNS) + ")");
            }
            if (text < 0) {
                missing.add("no text column (accepted names: " + String.join(", ", TEXT_COLUMNS) + ")");
            }
            if (!missing.isEmpty()) {
                throw new DatasetException(csv + ": " + String.join("; ", missing)
                        + "; columns found: " + String.join(", ", header));
            }
            return new Columns(audio, text, keys);
        }

        private static int firstPresent(List<String> keys, List<String> accepted) {
            for (String name : accepted) {
                int index = keys.indexOf(name);
                if (index >= 0) {
                    return index;
                }
            }
            return -1;
        }

        MetadataRow toRow(RawRow raw) {
            Map<String, String> metadata = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                if (i != audio && i != text) {
                    metadata.put(keys.get(i), raw.fields().get(i));
                }
            }
            return new MetadataRow(raw.line(), raw.fields().get(audio), raw.fields().get(text), metadata);
        }

        /** The audio cell of a row with the wrong field count, when the row reaches that far. */
        String audioOrEmpty(RawRow raw) {
            return audio < raw.fields().size() ? raw.fields().get(audio) : "";
        }
    }
}
