package dev.retune.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A value written {@code TARGET[:WEIGHT]}, as {@code --adapter}, {@code --blend} and {@code --mix} take it. A Linux
 * path may itself hold ':', so the rule is: the text after the LAST ':' is the weight when it is a number (digits with an
 * optional sign, point and exponent; NaN and Infinity count as numbers, to be refused by name); otherwise the whole
 * text is the target.
 *
 * @param target what is weighted: a folder or a source spec
 * @param weight the number after the last ':', or the default when there is none
 */
public record Weighted(String target, double weight) {

    private static final Pattern NUMBER = Pattern.compile("[+-]?((\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?|nan|inf|infinity)",
            Pattern.CASE_INSENSITIVE);

    /**
     * Splits {@code text}; the weight must be finite and ≥ 0.
     *
     * @param option        the option or key, for messages
     * @param defaultWeight the weight without ':' (null: a weight is required)
     * @throws InvalidRequestException naming {@code option}
     */
    public static Weighted parse(String option, String text, Double defaultWeight) {
        int colon = text.lastIndexOf(':');
        String suffix = colon < 0 ? null : text.substring(colon + 1);
        if (suffix == null || !NUMBER.matcher(suffix).matches()) {
            if (defaultWeight == null) {
                throw new InvalidRequestException(option + " " + text + ": expected SOURCE:WEIGHT"
                        + (suffix == null ? ", found no ':'" : ", and '" + suffix + "' after the last ':' is not a number"));
            }
            if (suffix != null && !Files.exists(Path.of(text)) && Files.isDirectory(Path.of(text.substring(0, colon)))) {
                throw new InvalidRequestException(option + " " + text + ": '" + suffix + "' after the last ':' is not a weight"
                        + " (a number ≥ 0), and " + text + " is no folder");
            }
            return new Weighted(text, defaultWeight);
        }
        if (colon == 0) {
            throw new InvalidRequestException(option + " " + text + " names nothing before the weight");
        }
        return new Weighted(text.substring(0, colon), check(option + " " + text, Double.parseDouble(normalized(suffix))));
    }

    /** {@code weight} when it is finite and ≥ 0; {@code what} starts the message otherwise. */
    public static double check(String what, double weight) {
        if (Double.isNaN(weight)) {
            throw new InvalidRequestException(what + ": the weight is not a number (NaN); give a number ≥ 0");
        }
        if (weight < 0 || Double.isInfinite(weight)) {
            throw new InvalidRequestException(what + ": the weight must be a finite number ≥ 0, found " + weight);
        }
        return weight;
    }

    /** Java's parser spells NaN and Infinity one way only. */
    private static String normalized(String number) {
        String lower = number.toLowerCase(Locale.ROOT);
        String sign = lower.startsWith("-") ? "-" : "";
        String unsigned = lower.replaceFirst("^[+-]", "");
        return switch (unsigned) {
            case "nan" -> "NaN";
            case "inf", "infinity" -> sign + "Infinity";
            default -> number;
        };
    }

    /** {@code target:weight} with the weight in its shortest form; the target alone when {@code weight} is 1. */
    public String describe() {
        return weight == 1 ? target : target + ":" + format(weight);
    }

    /** The shortest plain form of {@code weight}: 0.5, 1, 0.25. */
    public static String format(double weight) {
        return weight == Math.rint(weight) && Math.abs(weight) < 1e15 ? Long.toString((long) weight) : Double.toString(weight);
    }
}
