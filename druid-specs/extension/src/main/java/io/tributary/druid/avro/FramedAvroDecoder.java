package io.tributary.druid.avro;

import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.druid.java.util.common.parsers.ParseException;

/**
 * One framed Avro message to the map of its record's top-level fields: the framing names the writer
 * schema, the catalogue (single-object fingerprints) or the registry (Confluent ids) supplies it, and the
 * body is read with it as it was written, with no reader schema: the Druid columns are named after the
 * fields, so whatever version wrote the message, its fields are what Druid picks from.
 *
 * <p>Every fault of the message is a {@link ParseException} with what was wrong in its message.
 */
final class FramedAvroDecoder {
  // No logical-type conversions registered: timestamp-millis stays the epoch-millis long Druid's
  // timestampSpec ("millis") and long columns read.
  private static final GenericData PLAIN = new GenericData();

  private final SchemaCatalogue catalogue;
  private final SchemaRegistryClient registry; // null when no registryUrl is configured

  FramedAvroDecoder(SchemaCatalogue catalogue, SchemaRegistryClient registry) {
    this.catalogue = catalogue;
    this.registry = registry;
  }

  Map<String, Object> decode(byte[] message) {
    AvroFraming.Framed framed = AvroFraming.parse(message);
    Schema writer = writerSchema(framed.writer());
    if (writer.getType() != Schema.Type.RECORD) {
      throw new ParseException(null, "writer schema %s is a %s, not a record: no fields to make columns of", writer.getFullName(), writer.getType());
    }
    BinaryDecoder body = DecoderFactory.get().binaryDecoder(message, framed.bodyOffset(), message.length - framed.bodyOffset(), null);
    GenericRecord record;
    boolean bytesLeft;
    try {
      record = new GenericDatumReader<GenericRecord>(writer, writer, PLAIN).read(null, body);
      bytesLeft = !body.isEnd();
    } catch (IOException | RuntimeException e) {
      // Untrusted bytes: an EOF (truncated body), a negative length, a union index out of range, a
      // collection over Avro's size limits... each means the body is not what the writer schema says.
      throw new ParseException(null, e, "body does not decode as %s (%s): %s", writer.getFullName(), describe(framed.writer()), reason(e));
    }
    if (bytesLeft) {
      // The record ended before the message did: the body was written with another schema.
      throw new ParseException(null, "bytes left after the %s record (%s): the body was not written with that schema", writer.getFullName(), describe(framed.writer()));
    }
    return AvroValues.fieldsOf(record);
  }

  private Schema writerSchema(AvroFraming.WriterSchemaRef ref) {
    if (ref instanceof AvroFraming.Fingerprint fingerprint) {
      return catalogue.find(fingerprint.hex()).orElseThrow(() -> new ParseException(
          null, "unknown writer schema fingerprint %s: not in the schema catalogue (single-object encoding)", fingerprint.hex()));
    }
    AvroFraming.RegistryId id = (AvroFraming.RegistryId) ref;
    if (registry == null) {
      throw new ParseException(null, "Confluent-framed message (schema id %d) but the input format has no registryUrl", id.id());
    }
    return registry.schema(id.id());
  }

  private static String describe(AvroFraming.WriterSchemaRef ref) {
    return ref instanceof AvroFraming.Fingerprint f ? "fingerprint " + f.hex() : "schema id " + ((AvroFraming.RegistryId) ref).id();
  }

  private static String reason(Exception e) {
    return e instanceof EOFException ? "truncated (ended before the record did)" : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
