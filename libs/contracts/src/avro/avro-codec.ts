import * as avro from 'avsc';
import { confluentFraming, singleObject } from './framing';
import { rabinFingerprint } from './rabin-fingerprint';

/** `timestamp-millis` longs are JavaScript Dates on our side of the codec. */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(value: unknown): Date {
    return new Date(value as number);
  }

  override _toValue(value: unknown): number | undefined {
    return value instanceof Date && !Number.isNaN(value.getTime()) ? value.getTime() : undefined;
  }

  override _resolve(type: avro.Type): ((value: unknown) => Date) | undefined {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? (v) => this._fromValue(v) : undefined;
  }
}

/** Fresh per parse: avsc records the named types it meets in the options' registry. */
const typeOptions = () => ({ logicalTypes: { 'timestamp-millis': TimestampMillis } }) as unknown as Partial<avro.ForSchemaOptions>;

/** A schema as the codecs see it (with the platform's logical types). */
export const parseSchema = (schema: avro.Schema): avro.Type => avro.Type.forSchema(schema, typeOptions());


export class AvroDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AvroDecodeError';
  }
}

export class AvroEncodeError extends Error {
  constructor(readonly schema: string, readonly paths: string[]) {
    super(`not a valid ${schema}: invalid at ${paths.join(', ')}`);
    this.name = 'AvroEncodeError';
  }
}

/**
 * Encodes values of one schema and decodes anything written with a schema it knows: the current
 * version or an older one (resolved to the current, as Avro schema evolution allows). Every body on
 * the wire carries its writer schema's fingerprint, so a reader never guesses.
 */
export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly fingerprint: Buffer;
  private readonly readers = new Map<string, avro.Type | avro.Resolver>();

  constructor(schema: avro.Schema, olderSchemas: avro.Schema[] = []) {
    this.type = parseSchema(schema);
    this.fingerprint = fingerprintOf(this.type);
    this.readers.set(this.fingerprint.toString('hex'), this.type);
    for (const older of olderSchemas) {
      const writer = parseSchema(older);
      this.readers.set(fingerprintOf(writer).toString('hex'), this.type.createResolver(writer));
    }
  }

  get name(): string {
    return (this.type as avro.types.RecordType).name ?? 'value';
  }

  /** Validates against the schema (naming every invalid path) and encodes as a single object. */
  encode(value: T): Buffer {
    const paths: string[] = [];
    if (!this.type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') })) {
      throw new AvroEncodeError(this.name, paths);
    }
    return singleObject.frame(this.fingerprint, this.type.toBuffer(value));
  }

  decode(bytes: Buffer): T {
    // The Kafka boundary turns Confluent framing into single-object encoding; what is still framed
    // here carries a schema id that no registry resolved.
    const confluent = confluentFraming.parse(bytes);
    if (confluent) throw new AvroDecodeError(`unknown schema id ${confluent.schemaId} (Confluent wire format): no schema registry resolved it`);
    const framed = singleObject.parse(bytes);
    if (!framed) throw new AvroDecodeError('not Avro single-object encoding (missing the C3 01 marker)');
    const fp = framed.fingerprint.toString('hex');
    const reader = this.readers.get(fp);
    if (!reader) throw new AvroDecodeError(`unknown writer schema (fingerprint ${fp}) for ${this.name}`);
    try {
      return reader instanceof avro.Type
        ? (reader.fromBuffer(framed.body) as T)
        : (this.type.fromBuffer(framed.body, reader as avro.Resolver) as T);
    } catch (err) {
      throw new AvroDecodeError(`bytes do not decode as ${this.name}: ${(err as Error).message}`);
    }
  }
}

export const fingerprintOf = (type: avro.Type) => rabinFingerprint(JSON.stringify(type.schema()));
