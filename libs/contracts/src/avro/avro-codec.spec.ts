import type { Schema } from 'avsc';
import { AvroCodec, AvroDecodeError, AvroEncodeError } from './avro-codec';
import { confluentFraming } from './framing';

const V1 = { type: 'record', name: 'Thing', namespace: 't', fields: [{ name: 'id', type: 'string' }] } as unknown as Schema;
const V2 = { type: 'record', name: 'Thing', namespace: 't', fields: [
  { name: 'id', type: 'string' }, { name: 'colour', type: ['null', 'string'], default: null }] } as unknown as Schema;

describe(AvroCodec.name, () => {
  describe('single-object encoding', () => {
    it('round-trips a value with the C3 01 marker and the schema fingerprint', () => {
      const codec = new AvroCodec<{ id: string; colour: string | null }>(V2);
      const bytes = codec.encode({ id: 'a', colour: 'red' });
      expect([...bytes.subarray(0, 2)]).toEqual([0xc3, 0x01]);
      expect(bytes.subarray(2, 10)).toEqual(codec.fingerprint);
      expect(codec.decode(bytes)).toEqual({ id: 'a', colour: 'red' });
    });
  });

  describe('schema checks', () => {
    it('refuses to encode an invalid value, naming the paths', () => {
      const codec = new AvroCodec<unknown>(V2);
      expect(() => codec.encode({ id: 7, colour: 3 })).toThrow(AvroEncodeError);
      expect(() => codec.encode({ id: 7, colour: 3 })).toThrow('invalid at id, colour');
    });

    it('refuses bytes without the marker, of an unknown schema, or truncated', () => {
      const v2 = new AvroCodec<unknown>(V2);
      const bytes = new AvroCodec<unknown>(V1).encode({ id: 'x' });
      expect(() => v2.decode(Buffer.from('{"id":"x"}'))).toThrow(/C3 01/);
      expect(() => v2.decode(bytes)).toThrow(/unknown writer schema/);
      expect(() => v2.decode(v2.encode({ id: 'xyz', colour: null }).subarray(0, 11))).toThrow(AvroDecodeError);
    });

    it('names the schema id of a Confluent-framed value that no registry resolved', () => {
      const body = new AvroCodec<unknown>(V2).encode({ id: 'x', colour: null }).subarray(10);
      expect(() => new AvroCodec<unknown>(V2).decode(confluentFraming.frame(4242, body))).toThrow('unknown schema id 4242 (Confluent wire format)');
    });
  });

  describe('logical types', () => {
    it('carries timestamp-millis as a Date', () => {
      const codec = new AvroCodec<{ at: Date }>({ type: 'record', name: 'T', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] } as unknown as Schema);
      const at = new Date('2026-11-20T10:00:00.123Z');
      expect(codec.decode(codec.encode({ at }))).toEqual({ at });
      expect(() => codec.encode({ at: new Date('nope') })).toThrow(AvroEncodeError);
    });
  });

  describe('evolution', () => {
    it('reads what an older writer wrote, filling defaults', () => {
      const old = new AvroCodec<{ id: string }>(V1).encode({ id: 'legacy' });
      expect(new AvroCodec<unknown>(V2, [V1]).decode(old)).toEqual({ id: 'legacy', colour: null });
    });
  });
});
