package io.tributary.druid.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.druid.data.input.InputRow;
import org.junit.jupiter.api.Test;

/**
 * Bytes the project's TypeScript codec wrote (scripts/write-fixtures.js, which lists the same values),
 * read by the input format: the two languages agree on the framing, the fingerprint and the body.
 */
class CrossLanguageFixturesTest {
  private static final long OPENED_AT = 1_772_357_400_123L; // 2026-03-01T09:30:00.123Z
  private static final long ACKNOWLEDGED_AT = 1_772_359_200_000L; // 2026-03-01T10:00:00.000Z
  private static final long RESOLVED_AT = 1_772_474_405_007L; // 2026-03-02T18:00:05.007Z

  private static final FramedAvroDecoder WITHOUT_REGISTRY = new FramedAvroDecoder(SchemaCatalogue.bundled(), null);

  private static byte[] fixture(String name) {
    try (InputStream in = CrossLanguageFixturesTest.class.getResourceAsStream("/fixtures/" + name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> opened() {
    Map<String, Object> row = new HashMap<>();
    row.put("id", "ce-0001");
    row.put("tenant", "acme");
    row.put("incidentId", "inc-42");
    row.put("sequence", 17L);
    row.put("time", OPENED_AT);
    row.put("source", "monte-carlo");
    row.put("type", "freshness");
    row.put("severity", null);
    row.put("status", "open");
    row.put("openedAt", OPENED_AT);
    row.put("acknowledgedAt", null);
    row.put("resolvedAt", null);
    row.put("assets", List.of());
    row.put("downstreamAssets", 0L);
    row.put("connector", null);
    row.put("traceId", null);
    return row;
  }

  private static Map<String, Object> resolved() {
    Map<String, Object> row = new HashMap<>();
    row.put("id", "ce-0002");
    row.put("tenant", "acme");
    row.put("incidentId", "inc-42");
    row.put("sequence", 4_294_967_301L);
    row.put("time", RESOLVED_AT);
    row.put("source", "monte-carlo");
    row.put("type", "freshness");
    row.put("severity", "high");
    row.put("status", "resolved");
    row.put("openedAt", OPENED_AT);
    row.put("acknowledgedAt", ACKNOWLEDGED_AT);
    row.put("resolvedAt", RESOLVED_AT);
    row.put("assets", List.of("warehouse.orders", "dashboards.umsätze", "warehouse.customers"));
    row.put("downstreamAssets", 12L);
    row.put("connector", "conn-mc-1");
    row.put("traceId", "4bf92f3577b34da6a1ce929d0e0e4736");
    return row;
  }

  @Test
  void aFactWithEveryOptionalFieldNull() {
    assertEquals(opened(), WITHOUT_REGISTRY.decode(fixture("incident-fact-opened.single-object.avro")));
  }

  @Test
  void aFactWithEveryFieldSet() {
    assertEquals(resolved(), WITHOUT_REGISTRY.decode(fixture("incident-fact-resolved.single-object.avro")));
  }

  @Test
  void theSameFactConfluentFramedWithItsSchemaFromTheRegistry() throws IOException {
    try (FakeSchemaRegistry registry = new FakeSchemaRegistry(Map.of(7, IncidentFacts.SCHEMA))) {
      FramedAvroDecoder decoder = new FramedAvroDecoder(SchemaCatalogue.bundled(), new SchemaRegistryClient(registry.url()));

      assertEquals(resolved(), decoder.decode(fixture("incident-fact-resolved.confluent-id-7.avro")));
    }
  }

  @Test
  void aFactAsARowOfTheIncidentFactsDatasource() throws IOException {
    List<InputRow> rows = DruidReading.read(new TributaryAvroInputFormat(null, null), fixture("incident-fact-resolved.single-object.avro"));

    InputRow row = rows.get(0);
    assertEquals(RESOLVED_AT, row.getTimestampFromEpoch());
    assertEquals(
        List.of("tenant", "incidentId", "sequence", "source", "type", "severity", "status", "openedAt", "acknowledgedAt",
            "resolvedAt", "assets", "downstreamAssets", "connector", "traceId"),
        row.getDimensions());
    assertEquals(List.of("warehouse.orders", "dashboards.umsätze", "warehouse.customers"), row.getDimension("assets"));
    assertEquals(4_294_967_301L, row.getRaw("sequence"));
    assertEquals(ACKNOWLEDGED_AT, row.getRaw("acknowledgedAt"));
  }
}
