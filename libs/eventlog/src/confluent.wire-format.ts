import { confluentFraming, fingerprintOf, parseSchema, publishedSchemaOf, singleObject } from '@tributary/contracts';
import { SchemaRegistryClient } from './schema-registry.client';
import { WireFormat } from './wire-format';

/**
 * Confluent wire format with a schema registry: produces 0x00 + the writer schema's 4-byte registry
 * id + the Avro body, registering each published schema once under its record full name (the
 * record-name subject strategy); consumes both that framing and single-object bodies (which other
 * writers, e.g. Debezium copying the outbox, produce). Ids and fingerprints are cached for the
 * process's life; a failed or negative lookup is not, so it is asked again on the retry.
 */
export class ConfluentWireFormat implements WireFormat {
  private readonly idByFingerprint = new Map<string, Promise<number>>();
  private readonly fingerprintById = new Map<number, Promise<Buffer | undefined>>();

  constructor(private readonly registry: SchemaRegistryClient) {}

  async toWire(value: Buffer): Promise<Buffer> {
    const framed = singleObject.parse(value);
    const published = framed && publishedSchemaOf(framed.fingerprint);
    if (!framed || !published) return value;
    const id = await cached(this.idByFingerprint, framed.fingerprint.toString('hex'),
      () => this.registry.register(published.subject, JSON.stringify(published.schema)));
    return confluentFraming.frame(id, framed.body);
  }

  async fromWire(bytes: Buffer): Promise<Buffer> {
    const framed = confluentFraming.parse(bytes);
    if (!framed) return bytes;
    const fingerprint = await cached(this.fingerprintById, framed.schemaId, async () => {
      const schema = await this.registry.schemaById(framed.schemaId);
      return schema === undefined ? undefined : fingerprintOfRegistered(schema);
    });
    return fingerprint ? singleObject.frame(fingerprint, framed.body) : bytes;
  }
}

/** A registered schema's single-object fingerprint, or undefined when it is not an Avro schema we can parse. */
function fingerprintOfRegistered(schema: string): Buffer | undefined {
  try {
    return fingerprintOf(parseSchema(JSON.parse(schema)));
  } catch {
    return undefined;
  }
}

async function cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  try {
    const result = await value;
    if (result === undefined) cache.delete(key);
    return result;
  } catch (err) {
    cache.delete(key);
    throw err;
  }
}
