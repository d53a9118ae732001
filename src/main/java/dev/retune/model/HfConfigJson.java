package dev.retune.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Binds one object of a Hugging Face config.json ({@code decoder}, {@code text_encoder}, {@code audio_encoder}) to its
 * record. Unknown keys are ignored, as transformers does, but values must have their JSON type: a string where a
 * number belongs, or 2.5 for a layer count, is an error (Jackson would otherwise read "12" as 12 and truncate 2.5 to
 * 2). Every error names the source and the key path.
 */
final class HfConfigJson {

    static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private HfConfigJson() {}

    /**
     * @param node    the object's JSON
     * @param type    its record
     * @param source  the file (or preset) in error messages
     * @param section the key of the object in config.json, prefixed to the key of a wrongly typed value
     */
    static <T extends Record> T bind(JsonNode node, Class<T> type, String source, String section) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (ValueInstantiationException e) {
            // The record's compact constructor refused a value; its message names the key.
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ModelException(source + ": " + cause.getMessage(), cause);
        } catch (JacksonException e) {
            throw new ModelException(source + ": " + wrongType(node, type, section, e), e);
        }
    }

    /** "decoder.num_hidden_layers must be an integer, found 2.5" */
    private static String wrongType(JsonNode node, Class<?> type, String section, JacksonException e) {
        List<JacksonException.Reference> path = e.getPath();
        String key = path.isEmpty() ? null : path.get(0).getPropertyName();
        Type expected = key == null ? null : componentType(type, key);
        if (expected == null) {
            return section + ": " + e.getOriginalMessage();
        }
        JsonNode found = node.get(key);
        boolean integers = expected == Integer.class || expected.getTypeName().endsWith("<java.lang.Integer>");
        if (integers && found.isIntegralNumber()) {
            return section + "." + key + " is out of range, found " + found;
        }
        if (integers && found.isFloatingPointNumber()) {
            return section + "." + key + " must be an integer written with digits only, found " + found;
        }
        return section + "." + key + " must be " + describe(expected) + ", found " + found;
    }

    private static Type componentType(Class<?> type, String key) {
        for (RecordComponent component : type.getRecordComponents()) {
            JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
            if (property != null && property.value().equals(key)) {
                return component.getGenericType();
            }
        }
        return null;
    }

    private static String describe(Type type) {
        if (type instanceof ParameterizedType list) {
            return "a list of " + (list.getActualTypeArguments()[0] == Integer.class ? "integers" : "numbers");
        }
        if (type == Integer.class) {
            return "an integer";
        }
        if (type == Double.class) {
            return "a number";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        return "a string";
    }
}
