package io.tributary.druid.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.druid.data.input.InputEntityReader;
import org.apache.druid.data.input.InputFormat;
import org.apache.druid.data.input.InputRow;
import org.apache.druid.data.input.impl.ByteEntity;
import org.apache.druid.java.util.common.parsers.CloseableIterator;
import org.apache.druid.java.util.common.parsers.ParseException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TributaryAvroInputFormatTest {
  private static final InputFormat BUNDLED = new TributaryAvroInputFormat(null, null);

  @Nested
  class AsAJsonSpec {
    @Test
    void resolvesTheTypeTributaryAvroThroughTheModuleDruidLoads() throws IOException {
      InputFormat format = DruidReading.MAPPER.readValue(
          "{\"type\": \"tributary-avro\", \"registryUrl\": \"http://127.0.0.1:8081/apis/ccompat/v7\"}", InputFormat.class);

      assertEquals(new TributaryAvroInputFormat("http://127.0.0.1:8081/apis/ccompat/v7", null), format);
    }

    @Test
    void writesBackTheSpecItWasReadFrom() throws IOException {
      InputFormat format = new TributaryAvroInputFormat(null, "/etc/druid/published.json");

      String json = DruidReading.MAPPER.writeValueAsString(format);

      assertEquals("{\"type\":\"tributary-avro\",\"schemaCatalogue\":\"/etc/druid/published.json\"}", json);
      assertEquals(format, DruidReading.MAPPER.readValue(json, InputFormat.class));
    }

    @Test
    void isNotSplittable() {
      assertFalse(BUNDLED.isSplittable());
    }
  }

  @Nested
  class ReadingAsAnIngestionTaskDoes {
    @Test
    void makesARowWhoseTimestampAndColumnsComeFromTheDataSchema() throws IOException {
      GenericRecord fact = IncidentFacts.fact();
      fact.put("assets", List.of("b.orders", "a.customers"));

      List<InputRow> rows = DruidReading.read(BUNDLED, IncidentFacts.singleObject(fact));

      assertEquals(1, rows.size());
      InputRow row = rows.get(0);
      assertEquals(IncidentFacts.OPENED_AT, row.getTimestampFromEpoch());
      assertEquals(List.of("acme"), row.getDimension("tenant"));
      assertEquals(List.of("b.orders", "a.customers"), row.getDimension("assets"));
      assertEquals(IncidentFacts.OPENED_AT, row.getRaw("openedAt"));
      assertNull(row.getRaw("resolvedAt"));
    }

    @Test
    void readsEachRecordAKafkaTaskPutsIntoTheSameEntity() throws IOException {
      DruidReading.ReplacedBytes entity = new DruidReading.ReplacedBytes();
      InputEntityReader reader = BUNDLED.createReader(DruidReading.INCIDENT_FACTS, entity, null);
      GenericRecord first = IncidentFacts.fact();
      GenericRecord second = IncidentFacts.fact();
      second.put("sequence", 2L);

      entity.current = IncidentFacts.singleObject(first);
      List<InputRow> firstRows = DruidReading.read(reader);
      entity.current = IncidentFacts.singleObject(second);
      List<InputRow> secondRows = DruidReading.read(reader);

      assertEquals(1L, firstRows.get(0).getRaw("sequence"));
      assertEquals(2L, secondRows.get(0).getRaw("sequence"));
    }

    @Test
    void turnsABadMessageIntoAParseExceptionThatShowsItsBytes() throws IOException {
      InputEntityReader reader = BUNDLED.createReader(DruidReading.INCIDENT_FACTS, new ByteEntity(new byte[] {0x7B, 0x7D}), null);

      try (CloseableIterator<InputRow> it = reader.read()) {
        assertTrue(it.hasNext(), "Druid hands the failure over as the row, for its parse-exception handler");
        ParseException e = assertThrows(ParseException.class, it::next);
        assertTrue(e.getMessage().contains("unknown framing byte 0x7B"), e.getMessage());
        assertEquals("2 bytes: 7b7d", e.getInput());
      }
    }

    @Test
    void showsWhatItSampled() throws IOException {
      InputEntityReader reader = DruidReading.MAPPER.readValue("{\"type\":\"tributary-avro\"}", InputFormat.class)
          .createReader(DruidReading.INCIDENT_FACTS, new ByteEntity(IncidentFacts.singleObject(IncidentFacts.fact())), null);

      try (var it = reader.sample()) {
        var sampled = it.next();
        assertEquals("inc-1", sampled.getRawValues().get("incidentId"));
        assertEquals(1, sampled.getInputRows().size());
      }
    }
  }

  @Test
  void readsWithTheSchemaCatalogueFileItIsGivenInsteadOfTheBundledOne() throws IOException {
    String fingerprint = "1111111111111111";
    InputFormat format = new TributaryAvroInputFormat(null, CatalogueFiles.withOne(fingerprint, IncidentFacts.SCHEMA).toString());
    byte[] body = IncidentFacts.body(IncidentFacts.fact());

    assertEquals(1, DruidReading.read(format, IncidentFacts.singleObject(fingerprint, body)).size());
    ParseException e = assertThrows(ParseException.class, () -> DruidReading.read(format, IncidentFacts.singleObject(IncidentFacts.FINGERPRINT, body)));
    assertTrue(e.getMessage().contains("unknown writer schema fingerprint " + IncidentFacts.FINGERPRINT), e.getMessage());
  }
}
