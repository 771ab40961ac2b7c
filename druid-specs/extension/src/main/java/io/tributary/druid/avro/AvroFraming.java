package io.tributary.druid.avro;

import java.util.HexFormat;
import org.apache.druid.java.util.common.parsers.ParseException;

/**
 * The two framings Tributary writes an Avro body in (libs/contracts/src/avro/framing.ts), read from the
 * first bytes of a message:
 * <ul>
 *   <li>single-object encoding (Avro specification): 0xC3 0x01, the writer schema's 8-byte CRC-64-AVRO
 *       fingerprint (little-endian, as the specification and the TypeScript codec write it), the body;</li>
 *   <li>the Confluent wire format: 0x00, the writer schema's 4-byte big-endian registry id, the body.</li>
 * </ul>
 */
final class AvroFraming {
  private static final byte SINGLE_OBJECT_MARKER = (byte) 0xC3;
  private static final byte SINGLE_OBJECT_VERSION = 0x01;
  private static final int SINGLE_OBJECT_HEADER_BYTES = 10;
  private static final byte CONFLUENT_MAGIC = 0x00;
  private static final int CONFLUENT_HEADER_BYTES = 5;

  /** How a message names its writer schema. */
  sealed interface WriterSchemaRef permits Fingerprint, RegistryId {}

  /** A single-object fingerprint: lower-case hex of the 8 bytes in wire order, as published.json spells it. */
  record Fingerprint(String hex) implements WriterSchemaRef {}

  /** A schema registry id (unsigned 32-bit on the wire). */
  record RegistryId(long id) implements WriterSchemaRef {}

  /** The writer schema's name and where the body starts. */
  record Framed(WriterSchemaRef writer, int bodyOffset) {}

  private AvroFraming() {}

  static Framed parse(byte[] message) {
    if (message.length == 0) {
      throw new ParseException(null, "empty message: no Avro framing byte");
    }
    if (message[0] == SINGLE_OBJECT_MARKER) {
      if (message.length < 2 || message[1] != SINGLE_OBJECT_VERSION) {
        throw new ParseException(null, "unknown framing: 0xC3 not followed by 0x01 (single-object encoding starts C3 01)");
      }
      requireHeader(message, SINGLE_OBJECT_HEADER_BYTES, "single-object");
      String fingerprint = HexFormat.of().formatHex(message, 2, SINGLE_OBJECT_HEADER_BYTES);
      return new Framed(new Fingerprint(fingerprint), SINGLE_OBJECT_HEADER_BYTES);
    }
    if (message[0] == CONFLUENT_MAGIC) {
      requireHeader(message, CONFLUENT_HEADER_BYTES, "Confluent wire format");
      long id = ((message[1] & 0xFFL) << 24) | ((message[2] & 0xFFL) << 16) | ((message[3] & 0xFFL) << 8) | (message[4] & 0xFFL);
      return new Framed(new RegistryId(id), CONFLUENT_HEADER_BYTES);
    }
    throw new ParseException(
        null,
        "unknown framing byte 0x%02X: expected 0xC3 0x01 (Avro single-object encoding) or 0x00 (Confluent wire format)",
        message[0] & 0xFF);
  }

  private static void requireHeader(byte[] message, int headerBytes, String framing) {
    if (message.length < headerBytes) {
      throw new ParseException(
          null, "truncated %s header: the message has %d bytes, the header alone %d", framing, message.length, headerBytes);
    }
  }
}
