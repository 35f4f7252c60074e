package dev.isthmus.bench.suite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes {@link SuiteResult} JSON with Jackson ({@code bench/SUITE.md} documents the schema).
 * Reading checks the {@code schema} name and refuses a {@code schemaVersion} newer than this code's
 * {@link SuiteResult#VERSION}; fields it does not know are ignored, so later minor additions stay readable.
 */
public final class ResultsIo {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultsIo() {
    }

    public static String toJson(SuiteResult r) {
        try {
            return MAPPER.writeValueAsString(r) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("ResultsIo: cannot write the result as JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static void write(SuiteResult r, Path file) throws IOException {
        Files.writeString(file, toJson(r));
    }

    /** Parses a result, naming {@code source} in any error. */
    public static SuiteResult fromJson(String json, String source) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject() || !SuiteResult.SCHEMA.equals(tree.path("schema").asText(null))) {
            throw new IllegalArgumentException(source + ": expected an isthmus bench result (\"schema\": \""
                    + SuiteResult.SCHEMA + "\"), got " + (tree == null || !tree.isObject() ? "no JSON object"
                    : "schema " + tree.path("schema")));
        }
        int version = tree.path("schemaVersion").asInt(-1);
        if (version < 1 || version > SuiteResult.VERSION) {
            throw new IllegalArgumentException(source + ": schemaVersion " + version + " is not one this suite reads (1.."
                    + SuiteResult.VERSION + "); update Isthmus to read it");
        }
        try {
            return MAPPER.treeToValue(tree, SuiteResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": malformed result: " + e.getOriginalMessage());
        }
    }

    public static SuiteResult read(Path file) throws IOException {
        return fromJson(Files.readString(file), file.toString());
    }
}
