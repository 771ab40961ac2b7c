package io.tributary.druid.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Test data: IncidentFact v1 records, written by Avro Java, in either framing. */
final class IncidentFacts {
  /** io.tributary.incidentfacts.v1.IncidentFact version 1 in published.json. */
  static final String FINGERPRINT = "be0940354e78736c";
  static final Schema SCHEMA = SchemaCatalogue.bundled().find(FINGERPRINT).orElseThrow();

  static final long OPENED_AT = 1_772_357_400_123L; // 2026-03-01T09:30:00.123Z

  private IncidentFacts() {}

  /** A fact with every optional field null and no assets; callers set what their test is about. */
  static GenericRecord fact() {
    GenericRecord fact = new GenericData.Record(SCHEMA);
    fact.put("id", "ce-1");
    fact.put("tenant", "acme");
    fact.put("incidentId", "inc-1");
    fact.put("sequence", 1L);
    fact.put("time", OPENED_AT);
    fact.put("source", "monte-carlo");
    fact.put("type", "freshness");
    fact.put("status", "open");
    fact.put("openedAt", OPENED_AT);
    fact.put("assets", List.of());
    fact.put("downstreamAssets", 0L);
    return fact;
  }

  static byte[] body(GenericRecord record) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] singleObject(String fingerprintHex, byte[] body) {
    return ByteBuffer.allocate(10 + body.length)
        .put((byte) 0xC3).put((byte) 0x01).put(HexFormat.of().parseHex(fingerprintHex)).put(body).array();
  }

  static byte[] singleObject(GenericRecord record) {
    return singleObject(FINGERPRINT, body(record));
  }

  static byte[] confluent(int schemaId, GenericRecord record) {
    byte[] body = body(record);
    return ByteBuffer.allocate(5 + body.length).put((byte) 0x00).putInt(schemaId).put(body).array();
  }
}
