import { AvroCodec, SCHEMA_CATALOGUE, singleObject } from '@tributary/contracts';
import { WireFormat } from './wire-format';

/** A valid body of every published schema version (random values: every field type gets exercised). */
const publishedBodies = () => [...SCHEMA_CATALOGUE].flatMap(([subject, versions]) => versions.map((schema, i) => {
  const codec = new AvroCodec<unknown>(schema);
  return { name: `${subject} v${i + 1}`, codec, body: codec.encode(codec.type.random()) };
}));

/**
 * What every wire format must do: whatever it puts on the wire, the consumer gets back the
 * single-object body the producer had; it reads single-object bodies from any producer; and it
 * never rewrites what it does not understand, so that the consumer parks it with the codec's reason.
 */
export function describeWireFormatContract(adapter: string, start: () => Promise<WireFormat>) {
  describe(`wire format: ${adapter}`, () => {
    let wire: WireFormat;
    beforeAll(async () => { wire = await start(); });

    it.each(publishedBodies())('round-trips a body of $name', async ({ codec, body }) => {
      const back = await wire.fromWire(await wire.toWire(body));
      expect(back).toEqual(body);
      expect(codec.decode(back)).toEqual(codec.decode(body));
    });

    it('reads a single-object body produced without it (e.g. Debezium copying the outbox)', async () => {
      const [{ body }] = publishedBodies();
      expect(await wire.fromWire(body)).toEqual(body);
    });

    describe('bytes that are not the body of a published schema', () => {
      const [{ codec, body }] = publishedBodies();
      const unknownFingerprint = singleObject.frame(Buffer.alloc(8, 0xab), body.subarray(10));
      it.each([
        ['garbage', Buffer.from('definitely not avro'), 'missing the C3 01 marker'],
        ['an empty value', Buffer.alloc(0), 'missing the C3 01 marker'],
        ['a single-object body of an unknown schema', unknownFingerprint, 'unknown writer schema (fingerprint abababababababab)'],
      ])('goes through %s unchanged both ways, for the consumer to park with its reason', async (_what, bytes, reason) => {
        const onWire = await wire.toWire(bytes);
        expect(onWire).toEqual(bytes);
        const back = await wire.fromWire(onWire);
        expect(back).toEqual(bytes);
        expect(() => codec.decode(back)).toThrow(reason);
      });
    });
  });
}
