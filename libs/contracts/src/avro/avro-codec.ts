import * as avro from 'avsc';
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

/** Single-object encoding header (Avro spec): 0xC3 0x01, then the writer schema's 8-byte fingerprint. */
const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_BYTES = 10;

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
    this.type = avro.Type.forSchema(schema, typeOptions());
    this.fingerprint = fingerprintOf(this.type);
    this.readers.set(this.fingerprint.toString('hex'), this.type);
    for (const older of olderSchemas) {
      const writer = avro.Type.forSchema(older, typeOptions());
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
    return Buffer.concat([MAGIC, this.fingerprint, this.type.toBuffer(value)]);
  }

  decode(bytes: Buffer): T {
    if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 2).equals(MAGIC)) {
      throw new AvroDecodeError('not Avro single-object encoding (missing the C3 01 marker)');
    }
    const fp = bytes.subarray(2, HEADER_BYTES).toString('hex');
    const reader = this.readers.get(fp);
    if (!reader) throw new AvroDecodeError(`unknown writer schema (fingerprint ${fp}) for ${this.name}`);
    try {
      return reader instanceof avro.Type
        ? (reader.fromBuffer(bytes.subarray(HEADER_BYTES)) as T)
        : (this.type.fromBuffer(bytes.subarray(HEADER_BYTES), reader as avro.Resolver) as T);
    } catch (err) {
      throw new AvroDecodeError(`bytes do not decode as ${this.name}: ${(err as Error).message}`);
    }
  }
}

export const fingerprintOf = (type: avro.Type) => rabinFingerprint(JSON.stringify(type.schema()));
