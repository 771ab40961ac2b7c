package io.tributary.druid.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.druid.java.util.common.parsers.ParseException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FramedAvroDecoderTest {
  private static final SchemaCatalogue CATALOGUE = SchemaCatalogue.bundled();
  private static final FramedAvroDecoder WITHOUT_REGISTRY = new FramedAvroDecoder(CATALOGUE, null);

  private static FramedAvroDecoder withRegistry(String url) {
    return new FramedAvroDecoder(CATALOGUE, new SchemaRegistryClient(url));
  }

  private static String failure(FramedAvroDecoder decoder, byte[] message) {
    return assertThrows(ParseException.class, () -> decoder.decode(message)).getMessage();
  }

  private static void assertContains(String expected, String actual) {
    assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
  }

  @Nested
  class SingleObjectEncoding {
    @Test
    void findsTheWriterSchemaByFingerprintAndMapsEveryTopLevelField() {
      Map<String, Object> row = WITHOUT_REGISTRY.decode(IncidentFacts.singleObject(IncidentFacts.fact()));

      assertEquals(IncidentFacts.SCHEMA.getFields().stream().map(Schema.Field::name).toList(), List.copyOf(row.keySet()));
      assertEquals("acme", row.get("tenant"));
      assertEquals(String.class, row.get("tenant").getClass(), "a String, not Avro's Utf8");
    }

    @Test
    void givesTimestampMillisAsEpochMillisLongs() {
      GenericRecord fact = IncidentFacts.fact();
      fact.put("acknowledgedAt", IncidentFacts.OPENED_AT + 60_000);

      Map<String, Object> row = WITHOUT_REGISTRY.decode(IncidentFacts.singleObject(fact));

      assertEquals(IncidentFacts.OPENED_AT, row.get("time"));
      assertEquals(IncidentFacts.OPENED_AT, row.get("openedAt"));
      assertEquals(IncidentFacts.OPENED_AT + 60_000, row.get("acknowledgedAt"), "a nullable timestamp: the union unwrapped");
    }

    @Test
    void givesNullForANullUnionBranch() {
      Map<String, Object> row = WITHOUT_REGISTRY.decode(IncidentFacts.singleObject(IncidentFacts.fact()));

      for (String field : List.of("severity", "acknowledgedAt", "resolvedAt", "connector", "traceId")) {
        assertTrue(row.containsKey(field), field);
        assertNull(row.get(field), field);
      }
    }

    @Test
    void givesUnionStringsAsStrings() {
      GenericRecord fact = IncidentFacts.fact();
      fact.put("severity", "high");

      assertEquals("high", WITHOUT_REGISTRY.decode(IncidentFacts.singleObject(fact)).get("severity"));
    }

    @Test
    void givesArraysAsListsOfStrings() {
      GenericRecord fact = IncidentFacts.fact();
      fact.put("assets", List.of("warehouse.orders", "dashboards.umsätze"));

      Object assets = WITHOUT_REGISTRY.decode(IncidentFacts.singleObject(fact)).get("assets");

      assertEquals(List.of("warehouse.orders", "dashboards.umsätze"), assets);
      assertTrue(((List<?>) assets).stream().allMatch(String.class::isInstance));
    }

    @Test
    void givesEnumsAsStringsAndMapsAndNestedRecordsAsMaps() {
      Schema nested = SchemaBuilder.record("Nested").namespace("t").fields().requiredString("name").endRecord();
      Schema schema = SchemaBuilder.record("Other").namespace("t").fields()
          .name("via").type().enumeration("Via").symbols("webhook", "replay").noDefault()
          .name("labels").type().map().values().stringType().noDefault()
          .name("owner").type(nested).noDefault()
          .endRecord();
      GenericRecord owner = new GenericData.Record(nested);
      owner.put("name", "data-eng");
      GenericRecord record = new GenericData.Record(schema);
      record.put("via", new GenericData.EnumSymbol(schema.getField("via").schema(), "replay"));
      record.put("labels", Map.of("team", "core"));
      record.put("owner", owner);
      FramedAvroDecoder decoder = new FramedAvroDecoder(SchemaCatalogue.fromFile(CatalogueFiles.withOne("00000000000000aa", schema)), null);

      Map<String, Object> row = decoder.decode(IncidentFacts.singleObject("00000000000000aa", IncidentFacts.body(record)));

      assertEquals(Map.of("via", "replay", "labels", Map.of("team", "core"), "owner", Map.of("name", "data-eng")), row);
    }
  }

  @Nested
  class ConfluentWireFormat {
    @Test
    void fetchesTheWriterSchemaByIdOnceAndKeepsIt() throws IOException {
      try (FakeSchemaRegistry registry = new FakeSchemaRegistry(Map.of(7, IncidentFacts.SCHEMA))) {
        FramedAvroDecoder decoder = withRegistry(registry.url());
        GenericRecord fact = IncidentFacts.fact();
        fact.put("severity", "low");

        Map<String, Object> first = decoder.decode(IncidentFacts.confluent(7, fact));
        Map<String, Object> second = decoder.decode(IncidentFacts.confluent(7, IncidentFacts.fact()));

        assertEquals("low", first.get("severity"));
        assertEquals(IncidentFacts.OPENED_AT, first.get("time"));
        assertNull(second.get("severity"));
        assertEquals(List.of("/schemas/ids/7"), registry.requests);
      }
    }

    @Test
    void acceptsARegistryUrlWithATrailingSlash() throws IOException {
      try (FakeSchemaRegistry registry = new FakeSchemaRegistry(Map.of(7, IncidentFacts.SCHEMA))) {
        withRegistry(registry.url() + "/").decode(IncidentFacts.confluent(7, IncidentFacts.fact()));

        assertEquals(List.of("/schemas/ids/7"), registry.requests);
      }
    }
  }

  @Nested
  class UnreadableMessages {
    @Test
    void anUnknownFramingByte() {
      assertContains("unknown framing byte 0x7B", failure(WITHOUT_REGISTRY, "{\"id\":1}".getBytes()));
    }

    @Test
    void aSingleObjectMarkerWithAnotherVersionByte() {
      assertContains("0xC3 not followed by 0x01", failure(WITHOUT_REGISTRY, new byte[] {(byte) 0xC3, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    }

    @Test
    void anEmptyMessage() {
      assertContains("empty message", failure(WITHOUT_REGISTRY, new byte[0]));
    }

    @Test
    void aTruncatedHeader() {
      byte[] message = IncidentFacts.singleObject(IncidentFacts.fact());

      assertContains("truncated single-object header: the message has 6 bytes", failure(WITHOUT_REGISTRY, Arrays.copyOf(message, 6)));
      assertContains("truncated Confluent wire format header: the message has 3 bytes", failure(WITHOUT_REGISTRY, new byte[] {0, 0, 0}));
    }

    @Test
    void anUnknownFingerprint() {
      byte[] message = IncidentFacts.singleObject("0102030405060708", IncidentFacts.body(IncidentFacts.fact()));

      assertContains("unknown writer schema fingerprint 0102030405060708", failure(WITHOUT_REGISTRY, message));
    }

    @Test
    void aTruncatedBody() {
      byte[] message = IncidentFacts.singleObject(IncidentFacts.fact());

      String reason = failure(WITHOUT_REGISTRY, Arrays.copyOf(message, message.length - 3));

      assertContains("body does not decode as io.tributary.incidentfacts.v1.IncidentFact (fingerprint be0940354e78736c)", reason);
      assertContains("truncated", reason);
    }

    @Test
    void bytesLeftAfterTheRecord() {
      byte[] message = IncidentFacts.singleObject(IncidentFacts.fact());

      assertContains("bytes left after the io.tributary.incidentfacts.v1.IncidentFact record", failure(WITHOUT_REGISTRY, Arrays.copyOf(message, message.length + 2)));
    }

    @Test
    void aConfluentFramedMessageWithoutARegistry() {
      assertContains("schema id 7) but the input format has no registryUrl", failure(WITHOUT_REGISTRY, IncidentFacts.confluent(7, IncidentFacts.fact())));
    }

    @Test
    void anUnknownRegistryIdAndTheRegistryIsAskedAgainNextTime() throws IOException {
      try (FakeSchemaRegistry registry = new FakeSchemaRegistry(Map.of(7, IncidentFacts.SCHEMA))) {
        FramedAvroDecoder decoder = withRegistry(registry.url());
        byte[] message = IncidentFacts.confluent(99, IncidentFacts.fact());

        assertContains("unknown schema id 99: the schema registry answered 404", failure(decoder, message));
        failure(decoder, message);

        assertEquals(List.of("/schemas/ids/99", "/schemas/ids/99"), registry.requests, "a failure is not cached");
      }
    }

    @Test
    void anUnreachableRegistry() throws IOException {
      int closedPort;
      try (ServerSocket socket = new ServerSocket(0)) {
        closedPort = socket.getLocalPort();
      }
      String url = "http://127.0.0.1:" + closedPort;

      String reason = failure(withRegistry(url), IncidentFacts.confluent(7, IncidentFacts.fact()));

      assertContains("schema registry unreachable for schema id 7 (GET " + url + "/schemas/ids/7)", reason);
    }
  }
}
