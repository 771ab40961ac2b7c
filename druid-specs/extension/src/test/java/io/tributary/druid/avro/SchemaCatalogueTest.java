package io.tributary.druid.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class SchemaCatalogueTest {
  // The source the pom bundles (the tests run from druid-specs/extension).
  private static final Path PUBLISHED = Path.of("../../libs/contracts/src/schemas/published.json");

  @Test
  void theBundledCatalogueHoldsEveryPublishedVersion() throws IOException {
    JsonNode published = new ObjectMapper().readTree(PUBLISHED.toFile());
    SchemaCatalogue bundled = SchemaCatalogue.bundled();

    published.fields().forEachRemaining(subject -> subject.getValue().fields().forEachRemaining(version -> {
      String fingerprint = version.getValue().get("fingerprint").asText();
      Schema schema = bundled.find(fingerprint).orElseThrow(() -> new AssertionError(subject.getKey() + " v" + version.getKey()));
      assertEquals(subject.getKey(), schema.getFullName());
    }));
  }

  // The TypeScript codec computes the fingerprints (rabin-fingerprint.ts); Avro Java must agree, byte
  // order included, or a reader built on Avro's own single-object decoder would know none of them.
  @Test
  void eachFingerprintIsAvroJavasCrc64OfTheParsingCanonicalFormLittleEndian() throws IOException {
    JsonNode published = new ObjectMapper().readTree(PUBLISHED.toFile());

    published.fields().forEachRemaining(subject -> subject.getValue().fields().forEachRemaining(version -> {
      Schema schema = new Schema.Parser().parse(version.getValue().get("schema").asText());
      long crc = SchemaNormalization.parsingFingerprint64(schema);
      String littleEndian = HexFormat.of().formatHex(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(crc).array());
      assertEquals(littleEndian, version.getValue().get("fingerprint").asText(), subject.getKey() + " v" + version.getKey());
    }));
  }

  @Test
  void readsACatalogueFileAndMatchesFingerprintsWhateverTheirCase() {
    Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"t.R\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}");

    SchemaCatalogue catalogue = SchemaCatalogue.fromFile(CatalogueFiles.withOne("00000000000000AB", schema));

    assertTrue(catalogue.find("00000000000000ab").isPresent());
  }

  @Test
  void refusesAFileThatIsNotACatalogue() {
    Path file = CatalogueFiles.write("{\"t.R\": {\"1\": {\"schema\": \"{}\"}}}");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchemaCatalogue.fromFile(file));

    assertTrue(e.getMessage().contains("t.R version 1: needs a fingerprint (hex) and a schema (JSON text)"), e.getMessage());
  }

  @Test
  void namesAMissingFile() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchemaCatalogue.fromFile(Path.of("/nonexistent/published.json")));

    assertTrue(e.getMessage().startsWith("cannot read the schema catalogue /nonexistent/published.json (schemaCatalogue)"), e.getMessage());
  }
}
