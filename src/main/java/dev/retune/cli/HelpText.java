package dev.retune.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * How every verb's {@code --help} lays out its description and footer. Picocli wraps a long line wherever Java's line
 * breaker allows, which includes after the dot of a file name ({@code model.} / {@code safetensors}), and starts the
 * rest at column 0, under the indentation of examples and exit-code tables. Here lines break only at spaces, and a
 * continuation is indented under the text it continues.
 *
 * <ul>
 *   <li>Description: the first line is the summary (also shown in the parent's list of verbs); the lines after it
 *       are running text, reflowed to the width, with an empty line between paragraphs.</li>
 *   <li>Footer: each line as written; a longer one continues under its text: an exit-code row under the meaning
 *       ({@code "  6  training diverged ..."}), an indented example four columns deeper, prose two columns in.</li>
 * </ul>
 */
final class HelpText {

    /** {@code "  130 / 143  "}: the code column of an exit-code table row. */
    private static final Pattern EXIT_CODE_ROW = Pattern.compile("^(\\s*\\d+(?: / \\d+)?\\s+)\\S");
    /** A word with the spaces before it. */
    private static final Pattern WORD = Pattern.compile("( *)(\\S+)");

    private HelpText() {}

    /** Installs the layout on {@code cli} and every subcommand below it. */
    static void apply(CommandLine cli) {
        cli.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> description(help.commandSpec().usageMessage()));
        cli.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_FOOTER, help -> footer(help.commandSpec().usageMessage()));
        cli.getSubcommands().values().forEach(HelpText::apply);
    }

    private static String description(UsageMessageSpec usage) {
        String[] lines = usage.description();
        if (lines.length == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        wrap(text(lines[0]), usage.width(), 0, out);
        StringBuilder paragraph = new StringBuilder();
        for (int i = 1; i <= lines.length; i++) {
            String line = i < lines.length ? text(lines[i]).strip() : "";
            if (!line.isEmpty()) {
                paragraph.append(paragraph.length() > 0 ? " " : "").append(line);
            } else if (paragraph.length() > 0) {
                wrap(paragraph.toString(), usage.width(), 0, out);
                paragraph.setLength(0);
            }
        }
        return out.toString();
    }

    private static String footer(UsageMessageSpec usage) {
        StringBuilder out = new StringBuilder();
        for (String raw : usage.footer()) {
            String line = text(raw);
            Matcher row = EXIT_CODE_ROW.matcher(line);
            int indent = line.length() - line.stripLeading().length();
            int continuation = row.find() ? row.group(1).length() : indent > 0 ? indent + 4 : 2;
            wrap(line, usage.width(), continuation, out);
        }
        return out.toString();
    }

    /** Picocli's format escapes, as its own renderer would apply them. */
    private static String text(String line) {
        return line.replace("%n", "\n").replace("%%", "%");
    }

    /**
     * Appends {@code line} broken at spaces into lines of at most {@code width} columns, continuation lines indented by
     * {@code continuation}. A word longer than the room left stays whole on its own line.
     */
    static void wrap(String line, int width, int continuation, StringBuilder out) {
        if (line.contains("\n")) {
            for (String part : line.split("\n", -1)) {
                wrap(part, width, continuation, out);
            }
            return;
        }
        Matcher word = WORD.matcher(line);
        StringBuilder current = new StringBuilder();
        while (word.find()) {
            String gap = word.group(1);
            String text = word.group(2);
            if (current.isEmpty() || current.length() + gap.length() + text.length() <= width) {
                current.append(gap).append(text); // the first word keeps the line's own indentation
            } else {
                out.append(current).append('\n');
                current = new StringBuilder(" ".repeat(continuation)).append(text);
            }
        }
        out.append(current).append('\n');
    }
}
