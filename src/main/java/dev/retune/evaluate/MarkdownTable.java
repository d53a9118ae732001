package dev.retune.evaluate;

import java.util.ArrayList;
import java.util.List;

/** A GitHub-flavoured Markdown table, columns padded so the text also reads as a table. */
public final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public MarkdownTable(List<String> header) {
        if (header.isEmpty()) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.header = List.copyOf(header);
    }

    /** Adds a row of {@code cells}, one per column; each is written as its string form, pipes escaped. */
    public MarkdownTable row(List<?> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException(header.size() + " columns, found a row of " + cells.size() + ": " + cells);
        }
        rows.add(cells.stream().map(c -> String.valueOf(c).replace("|", "\\|").replace("\n", " ")).toList());
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = Math.max(3, header.get(c).length());
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        line(out, rule, width);
        rows.forEach(row -> line(out, row, width));
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        out.append('|');
        for (int c = 0; c < cells.size(); c++) {
            out.append(' ').append(cells.get(c)).append(" ".repeat(width[c] - cells.get(c).length())).append(" |");
        }
        out.append('\n');
    }
}
