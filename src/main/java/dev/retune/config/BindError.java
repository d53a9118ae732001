package dev.retune.config;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * Why a config tree could not be bound to the records, as one line naming the key and what it expects instead of
 * Jackson's message (which names Java types). {@code keys} are the dotted keys at fault, so that the loader can say
 * where each was set.
 */
record BindError(String message, List<String> keys) {

    static BindError of(JacksonException e, JsonNode tree, ObjectMapper mapper) {
        String key = dottedPath(e);
        if (e instanceof UnrecognizedPropertyException unknown) {
            return new BindError(unknownKey(key, unknown), List.of(key));
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof ConfigException invalid) {
            return new BindError(invalid.getMessage(), invalid.keys().isEmpty() ? List.of(key) : invalid.keys());
        }
        if (e instanceof MismatchedInputException mismatch) {
            return new BindError(mismatch(key, mismatch, tree, mapper), List.of(key));
        }
        if (e instanceof InputCoercionException tooLarge) {
            return new BindError(key + " must be " + expected(tooLarge.getTargetType()) + " from "
                    + range(tooLarge.getTargetType()) + ", found " + found(e, tree), List.of(key));
        }
        String message = e.getCause() instanceof RuntimeException cause ? String.valueOf(cause) : e.getOriginalMessage();
        return new BindError(key + ": " + message.lines().findFirst().orElse(""), List.of(key));
    }

    private static String unknownKey(String key, UnrecognizedPropertyException e) {
        String closest = Suggest.closest(e.getPropertyName(), e.getKnownPropertyIds());
        String prefix = key.contains(".") ? key.substring(0, key.lastIndexOf('.') + 1) : "";
        return "unknown key '" + key + "'" + (closest == null ? "." : "; did you mean '" + prefix + closest + "'?")
                + " Valid keys here: " + known(e.getKnownPropertyIds());
    }

    /** A value of the wrong type or format; enumerated values get the accepted ones and the closest. */
    private static String mismatch(String key, MismatchedInputException e, JsonNode tree, ObjectMapper mapper) {
        Class<?> target = e.getTargetType();
        if (target != null && target.isEnum()) {
            return unknownChoice(key, target, e, mapper);
        }
        if (isFractionForInteger(target, e)) {
            return key + " must be an integer written with digits only, found " + ((InvalidFormatException) e).getValue();
        }
        return key + " must be " + expected(target) + ", found " + found(e, tree);
    }

    /** "schedule.kind must be one of cosine, linear, constant, found 'cosin'; did you mean 'cosine'?" */
    private static String unknownChoice(String key, Class<?> enumType, MismatchedInputException e, ObjectMapper mapper) {
        List<String> accepted = Arrays.stream(enumType.getEnumConstants())
                .map(c -> mapper.convertValue(c, String.class))
                .toList();
        Object value = e instanceof InvalidFormatException invalid ? invalid.getValue() : null;
        String closest = value == null ? null : Suggest.closest(String.valueOf(value), accepted);
        return key + " must be one of " + String.join(", ", accepted)
                + (value == null ? "" : ", found '" + value + "'")
                + (closest == null ? "" : "; did you mean '" + closest + "'?");
    }

    /** A floating-point value (1.5, 200.0, 1e4) for an integer key: Jackson is set not to truncate it. */
    private static boolean isFractionForInteger(Class<?> target, MismatchedInputException e) {
        if (!(e instanceof InvalidFormatException invalid) || !isInteger(target)) {
            return false;
        }
        try {
            Double.parseDouble(String.valueOf(invalid.getValue()));
            return true;
        } catch (NumberFormatException notANumber) {
            return false;
        }
    }

    private static boolean isInteger(Class<?> type) {
        return type == Integer.class || type == Long.class || type == int.class || type == long.class;
    }

    /** What a key of this Java type takes, in the words of a config file. */
    private static String expected(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (isInteger(type)) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list, such as [a, b]";
        }
        if (type.isRecord() || Map.class.isAssignableFrom(type)) {
            return "a section of keys, such as {key: value}";
        }
        return type.getSimpleName();
    }

    private static String range(Class<?> integerType) {
        return integerType == Long.class || integerType == long.class
                ? Long.MIN_VALUE + " to " + Long.MAX_VALUE
                : Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
    }

    /** The value written at the failing key, as the user wrote it; lists and sections by their kind. */
    private static String found(JacksonException e, JsonNode tree) {
        JsonNode node = tree;
        for (JacksonException.Reference ref : e.getPath()) {
            if (node == null) {
                break;
            }
            node = ref.getPropertyName() != null ? node.get(ref.getPropertyName()) : node.get(ref.getIndex());
        }
        if (node == null || node.isNull()) {
            return "null";
        }
        if (node.isObject()) {
            return "a section of keys";
        }
        if (node.isArray()) {
            return "a list " + node;
        }
        return node.isString() ? "'" + node.asString() + "'" : node.toString();
    }

    static String dottedPath(JacksonException e) {
        return e.getPath().stream()
                .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String known(Collection<Object> ids) {
        return ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }
}
