package dev.retune.generate;

import dev.retune.data.DatasetException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A UTF-8 text file read one line at a time, so a file of any length takes the same memory. Each line is decoded
 * on its own and strictly: a malformed byte is an error naming the file, the line and the byte's place in it (a
 * decoder over the whole stream would report it without a line, and lines read ahead of it would be lost).
 */
final class Utf8Lines implements AutoCloseable {

    /** Longer lines are refused: a prompt is a sentence or two, and a file without line breaks must not fill memory. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[MAX_LINE_BYTES];
    private int number;

    private Utf8Lines(Path file, InputStream in) {
        this.file = file;
        this.in = in;
    }

    /** Opens a regular file; a missing file, a folder or anything else is a {@link DatasetException} naming it. */
    static Utf8Lines open(Path file) {
        if (Files.isDirectory(file)) {
            throw new DatasetException(file + " is a folder, not a file of prompts");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new DatasetException(file + " is not a regular file (a pipe or device?); give a file of prompts");
        }
        try {
            return new Utf8Lines(file, new BufferedInputStream(Files.newInputStream(file)));
        } catch (NoSuchFileException e) {
            throw new DatasetException("no such file: " + file, e);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    /** The 1-based number of the line {@link #next} returned last. */
    int number() {
        return number;
    }

    /** The next line without its line break (\n or \r\n) and without a leading byte-order mark, or null at the end. */
    String next() {
        int length = 0;
        int b = read();
        if (b == -1) {
            return null;
        }
        number++;
        for (; b != -1 && b != '\n'; b = read()) {
            if (length == MAX_LINE_BYTES) {
                throw new DatasetException(file + " line " + number + " is longer than " + MAX_LINE_BYTES
                        + " bytes; a prompts file holds one short text per line");
            }
            buffer[length++] = (byte) b;
        }
        if (length > 0 && buffer[length - 1] == '\r') {
            length--;
        }
        String line = decode(length);
        return number == 1 && line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    /** The lines as one character stream (each ending in \n), for parsers that read characters. */
    Reader asReader() {
        return new Reader() {
            private String pending = "";
            private int position;

            @Override
            public int read(char[] into, int offset, int length) {
                if (length == 0) {
                    return 0;
                }
                if (position == pending.length()) {
                    String line = next();
                    if (line == null) {
                        return -1;
                    }
                    pending = line + "\n";
                    position = 0;
                }
                int count = Math.min(length, pending.length() - position);
                pending.getChars(position, position + count, into, offset);
                position += count;
                return count;
            }

            @Override
            public void close() {
                Utf8Lines.this.close();
            }
        };
    }

    private String decode(int length) {
        ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, length);
        CharBuffer chars = CharBuffer.allocate(length);
        decoder.reset();
        CoderResult result = decoder.decode(bytes, chars, true);
        if (result.isError()) {
            int at = bytes.position();
            throw new DatasetException(file + " line " + number + " is not valid UTF-8 (byte 0x"
                    + String.format("%02x", buffer[at] & 0xFF) + " at byte " + (at + 1) + " of the line); save the file as UTF-8");
        }
        decoder.flush(chars);
        return chars.flip().toString();
    }

    private int read() {
        try {
            return in.read();
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + " after line " + number + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // Only read from; nothing is lost when closing fails.
        }
    }
}
