package dev.retune.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads one YAML or JSON document into a tree and notes the line of every key, so that errors found later can point at
 * it. Refuses what Jackson's own tree reading lets pass silently: a key given twice in one mapping (the later value
 * would win), a YAML alias (read as the alias's name), and a second document after the first (ignored). One
 * reader reads one document.
 */
final class TreeReader {

    /**
     * A document read.
     *
     * @param root  the top-level value; null when the text holds no document at all (empty, or only comments)
     * @param lines the 1-based line of each key and list item, by key path ({@code optim.betas[1]})
     */
    record Document(JsonNode root, Map<String, Integer> lines) {}

    private final ObjectMapper mapper;
    private final String format;
    private final String source;
    private final boolean numbered;
    private final Map<String, Integer> lines = new HashMap<>();
    private JsonParser parser;

    /**
     * @param format   "YAML" or "JSON", for messages
     * @param source   what messages start with: the file, or the {@code --set} as given
     * @param numbered whether messages name line numbers (a file) or not (a one-line {@code --set} value)
     */
    TreeReader(ObjectMapper mapper, String format, String source, boolean numbered) {
        this.mapper = mapper;
        this.format = format;
        this.source = source;
        this.numbered = numbered;
    }

    /** @param rootPath the key path of the document's top level: empty for a file, the key of a {@code --set} */
    Document read(String text, String rootPath) {
        try (JsonParser p = mapper.createParser(text)) {
            parser = p;
            if (p.nextToken() == null) {
                return new Document(null, lines);
            }
            JsonNode root = value(rootPath);
            if (p.nextToken() != null) {
                throw new ConfigException(at(line()) + ": a second " + format + " document starts here; a config is one document");
            }
            return new Document(root, lines);
        } catch (JacksonException e) {
            throw new ConfigException(syntaxError(e));
        }
    }

    /** The value at the current token, with everything inside it. */
    private JsonNode value(String path) {
        JsonNodeFactory nodes = mapper.getNodeFactory();
        return switch (parser.currentToken()) {
            case START_OBJECT -> mapping(path);
            case START_ARRAY -> list(path);
            case VALUE_STRING -> {
                if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    throw new ConfigException(at(line()) + ": " + path + ": YAML aliases (*" + parser.getString()
                            + ") are not supported in configs; write the value out", path);
                }
                yield nodes.stringNode(parser.getString());
            }
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> nodes.numberNode(parser.getIntValue());
                case LONG -> nodes.numberNode(parser.getLongValue());
                default -> nodes.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> nodes.booleanNode(true);
            case VALUE_FALSE -> nodes.booleanNode(false);
            case VALUE_NULL -> nodes.nullNode();
            default -> throw new ConfigException(at(line()) + ": " + path + ": binary (!!binary) and other special YAML"
                    + " values are not supported in configs", path);
        };
    }

    private ObjectNode mapping(String path) {
        ObjectNode node = mapper.createObjectNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String key = parser.currentName();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            int line = line();
            Integer first = lines.putIfAbsent(keyPath, line);
            if (first != null) {
                throw new ConfigException(twice(keyPath, first, line), keyPath);
            }
            parser.nextToken();
            node.set(key, value(keyPath));
        }
        return node;
    }

    private ArrayNode list(String path) {
        ArrayNode node = mapper.createArrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            String itemPath = path + "[" + node.size() + "]";
            lines.put(itemPath, line());
            node.add(value(itemPath));
        }
        return node;
    }

    private String twice(String keyPath, int first, int second) {
        String lines = !numbered ? "" : first == second ? ", both on line " + first : ", at lines " + first + " and " + second;
        return source + ": " + keyPath + " is given twice" + lines + "; keep one (the later one would silently win)";
    }

    /** One line: where the text stops making sense and why (the YAML library's own message spans several lines). */
    private String syntaxError(JacksonException e) {
        if (e.getCause() instanceof MarkedYamlEngineException yaml) {
            Optional<Mark> mark = yaml.getProblemMark().or(yaml::getContextMark);
            String context = yaml.getContext() == null ? "" : " (" + yaml.getContext() + ")";
            return at(mark.map(m -> m.getLine() + 1).orElse(0)) + ": not valid " + format + ": " + yaml.getProblem() + context;
        }
        String message = e.getOriginalMessage();
        int newline = message.indexOf('\n');
        int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
        return at(line) + ": not valid " + format + ": " + (newline < 0 ? message : message.substring(0, newline));
    }

    private int line() {
        return parser.currentTokenLocation().getLineNr();
    }

    private String at(int line) {
        return numbered && line > 0 ? source + " line " + line : source;
    }
}
