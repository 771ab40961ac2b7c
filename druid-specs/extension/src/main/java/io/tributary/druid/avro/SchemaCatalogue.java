package io.tributary.druid.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The published schemas by single-object fingerprint, read from a file in the format of
 * libs/contracts/src/schemas/published.json: {@code { subject: { version: { fingerprint, schema } } }},
 * the fingerprint as lower-case hex in wire order and the schema as JSON text.
 */
final class SchemaCatalogue {
  /** The repository's catalogue as it was when the jar was built (the pom copies it in). */
  static final String BUNDLED = "io/tributary/druid/avro/published.json";

  private final Map<String, Schema> byFingerprint;

  private SchemaCatalogue(Map<String, Schema> byFingerprint) {
    this.byFingerprint = Map.copyOf(byFingerprint);
  }

  static SchemaCatalogue bundled() {
    try (InputStream in = SchemaCatalogue.class.getClassLoader().getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("the jar carries no schema catalogue at " + BUNDLED + ": rebuild the extension");
      }
      return read(in, "the bundled catalogue");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the bundled schema catalogue", e);
    }
  }

  static SchemaCatalogue fromFile(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return read(in, path.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the schema catalogue " + path + " (schemaCatalogue): " + e.getMessage(), e);
    }
  }

  // A broken catalogue is a configuration error: it fails the reader's creation (and so the task), loudly.
  private static SchemaCatalogue read(InputStream in, String origin) throws IOException {
    JsonNode root = new ObjectMapper().readTree(in);
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(origin + " is not a schema catalogue: expected { subject: { version: {...} } }");
    }
    Map<String, Schema> byFingerprint = new HashMap<>();
    root.fields().forEachRemaining(subject -> subject.getValue().fields().forEachRemaining(version -> {
      String where = origin + ", " + subject.getKey() + " version " + version.getKey();
      JsonNode fingerprint = version.getValue().get("fingerprint");
      JsonNode schema = version.getValue().get("schema");
      if (fingerprint == null || !fingerprint.isTextual() || schema == null || !schema.isTextual()) {
        throw new IllegalArgumentException(where + ": needs a fingerprint (hex) and a schema (JSON text)");
      }
      // One parser per schema: a parser remembers the named types it has seen and refuses to see them twice.
      byFingerprint.put(fingerprint.asText().toLowerCase(Locale.ROOT), new Schema.Parser().parse(schema.asText()));
    }));
    return new SchemaCatalogue(byFingerprint);
  }

  Optional<Schema> find(String fingerprintHex) {
    return Optional.ofNullable(byFingerprint.get(fingerprintHex));
  }
}
