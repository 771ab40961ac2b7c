/**
 * The two ways an Avro body is framed on the wire. Inside the application every body is
 * single-object encoded (Avro specification): 0xC3 0x01, the writer schema's 8-byte CRC-64-AVRO
 * fingerprint, then the binary body. A Confluent schema registry's clients frame the same body as
 * 0x00 and the writer schema's 4-byte big-endian registry id; the Kafka boundary converts between them.
 */
const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
const SINGLE_OBJECT_HEADER_BYTES = 10;
const CONFLUENT_MAGIC = 0x00;
const CONFLUENT_HEADER_BYTES = 5;

export const singleObject = {
  frame: (fingerprint: Buffer, body: Buffer): Buffer => Buffer.concat([SINGLE_OBJECT_MAGIC, fingerprint, body]),
  /** The fingerprint and body, or undefined when the bytes are not single-object encoded. */
  parse: (bytes: Buffer): { fingerprint: Buffer; body: Buffer } | undefined =>
    bytes.length >= SINGLE_OBJECT_HEADER_BYTES && bytes.subarray(0, 2).equals(SINGLE_OBJECT_MAGIC)
      ? { fingerprint: bytes.subarray(2, SINGLE_OBJECT_HEADER_BYTES), body: bytes.subarray(SINGLE_OBJECT_HEADER_BYTES) }
      : undefined,
};

export const confluentFraming = {
  frame: (schemaId: number, body: Buffer): Buffer => {
    const header = Buffer.alloc(CONFLUENT_HEADER_BYTES);
    header.writeUInt8(CONFLUENT_MAGIC, 0);
    header.writeUInt32BE(schemaId, 1);
    return Buffer.concat([header, body]);
  },
  /** The registry's schema id and the body, or undefined when the bytes are not Confluent-framed. */
  parse: (bytes: Buffer): { schemaId: number; body: Buffer } | undefined =>
    bytes.length >= CONFLUENT_HEADER_BYTES && bytes[0] === CONFLUENT_MAGIC
      ? { schemaId: bytes.readUInt32BE(1), body: bytes.subarray(CONFLUENT_HEADER_BYTES) }
      : undefined,
};
