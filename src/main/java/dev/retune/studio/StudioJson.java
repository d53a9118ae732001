package dev.retune.studio;

import io.javalin.json.JsonMapper;
import java.lang.reflect.Type;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;

/** The page's JSON: snake_case like every file Retune writes; a request field the endpoint does not know is refused. */
final class StudioJson implements JsonMapper {

    private static final ObjectMapper MAPPER = tools.jackson.databind.json.JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Override
    public String toJsonString(Object value, Type type) {
        return MAPPER.writeValueAsString(value);
    }

    @Override
    public <T> T fromJsonString(String json, Type type) {
        return MAPPER.readValue(json, MAPPER.constructType(type));
    }

    static ObjectMapper mapper() {
        return MAPPER;
    }
}
