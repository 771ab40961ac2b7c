/**
 * How an event body travels on Kafka. Inside the application every body is Avro single-object
 * encoded (the codecs write and read only that, synchronously); a wire format converts at the
 * Kafka boundary, so producers and consumers outside the platform can use the framing they know.
 */
export interface WireFormat {
  /**
   * The bytes to produce for a body. A value that is not the single-object body of a published
   * schema is produced as it is: a replayed poison message must stay what it was.
   */
  toWire(value: Buffer): Promise<Buffer>;
  /**
   * The single-object body of consumed bytes, whichever framing they came in. Bytes that cannot be
   * converted for good (a schema id the registry does not know) come back unchanged, so that the
   * consumer's codec parks them with a precise reason; a rejection (registry unreachable) means
   * "try the batch again", never "park".
   */
  fromWire(bytes: Buffer): Promise<Buffer>;
}

/** No schema registry: single-object bodies go on the wire as they are (their fingerprint names the schema). */
export class SingleObjectWireFormat implements WireFormat {
  async toWire(value: Buffer): Promise<Buffer> {
    return value;
  }

  async fromWire(bytes: Buffer): Promise<Buffer> {
    return bytes;
  }
}
