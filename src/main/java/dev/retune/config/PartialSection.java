package dev.retune.config;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Section {@code adapt.partial}: which parameters train when {@code adapt.method} is {@code partial}.
 *
 * @param patterns regexes searched in each parameter's Hugging Face name; a parameter trains when any matches
 */
public record PartialSection(List<String> patterns) {

    /** The output heads and the final norm, the usual first step of progressive unfreezing. */
    public static final List<String> DEFAULT_PATTERNS = List.of("^decoder\\.lm_heads\\.", "^decoder\\.model\\.decoder\\.layer_norm\\.");

    public PartialSection {
        patterns = patterns == null ? DEFAULT_PATTERNS : Check.items("adapt.partial.patterns", patterns, "a regex");
        if (patterns.isEmpty()) {
            throw new ConfigException("adapt.partial.patterns must list at least one regex", "adapt.partial.patterns");
        }
        for (String pattern : patterns) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new ConfigException("adapt.partial.patterns: '" + pattern + "' is not a valid regex: " + e.getDescription(),
                        "adapt.partial.patterns");
            }
        }
    }

    public static PartialSection defaults() {
        return new PartialSection(null);
    }
}
