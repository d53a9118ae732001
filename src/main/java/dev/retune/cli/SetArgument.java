package dev.retune.cli;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** {@code [NAME=]PATH}: a set of clips with the name reports give it (default: the file or folder's name). */
record SetArgument(String name, Path path) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    static SetArgument parse(String text) {
        int equals = text.indexOf('=');
        if (equals > 0 && NAME.matcher(text.substring(0, equals)).matches()) {
            return new SetArgument(text.substring(0, equals), Path.of(text.substring(equals + 1)));
        }
        Path path = Path.of(text);
        Path name = path.toAbsolutePath().normalize().getFileName();
        return new SetArgument(name == null ? text : name.toString(), path);
    }
}
