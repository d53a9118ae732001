package dev.retune.cli;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON every {@code --json} option prints: indented, keys in insertion order. */
final class JsonOutput {

    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonOutput() {}

    static String of(Object value) {
        return MAPPER.writeValueAsString(value);
    }
}
