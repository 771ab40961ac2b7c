import { ChangeEventRecord, changeEventCodec, confluentFraming, fingerprintOf, parseSchema } from '@tributary/contracts';
import { ConfluentWireFormat } from './confluent.wire-format';
import { SchemaRegistryClient, SchemaRegistryError } from './schema-registry.client';
import { describeWireFormatContract } from './wire-format.contract';
import { schemaRegistryUrl, unreachableRegistryUrl } from '../../../test/support/schema-registry';

const UNKNOWN_ID = 0x7fffffff;

const aChange = (over: Partial<ChangeEventRecord> = {}): ChangeEventRecord => ({
  id: 'c-1', tenant: 'acme', sequence: 1, type: 'asset.updated', subject: 'db.public.orders', time: new Date('2026-11-24T10:00:00Z'),
  origin: 'api', traceparent: null, data: '{}', ...over,
});

describeWireFormatContract('Confluent wire format (schema registry)', async () => new ConfluentWireFormat(new SchemaRegistryClient(schemaRegistryUrl)));

describe(ConfluentWireFormat.name, () => {
  const body = changeEventCodec.encode(aChange());

  describe('producing', () => {
    it('frames a body as 0x00 + the id the registry gave the schema under its record full name, then the same Avro body', async () => {
      const onWire = await new ConfluentWireFormat(new SchemaRegistryClient(schemaRegistryUrl)).toWire(body);
      expect(onWire[0]).toBe(0x00);
      const { schemaId, body: avro } = confluentFraming.parse(onWire)!;
      expect(avro).toEqual(body.subarray(10));
      const latest = await (await fetch(`${schemaRegistryUrl}/subjects/io.tributary.changes.v1.ChangeEvent/versions/latest`)).json() as { id: number };
      expect(latest.id).toBe(schemaId);
      const { schema } = await (await fetch(`${schemaRegistryUrl}/schemas/ids/${schemaId}`)).json() as { schema: string };
      expect(fingerprintOf(parseSchema(JSON.parse(schema)))).toEqual(changeEventCodec.fingerprint);
    });

    it('registers a schema once and looks an id up once per process', async () => {
      const client = new SchemaRegistryClient(schemaRegistryUrl);
      const register = jest.spyOn(client, 'register');
      const schemaById = jest.spyOn(client, 'schemaById');
      const wire = new ConfluentWireFormat(client);
      const [a, b] = await Promise.all([wire.toWire(body), wire.toWire(changeEventCodec.encode(aChange({ id: 'c-2' })))]);
      await wire.fromWire(a);
      await wire.fromWire(b);
      expect(register).toHaveBeenCalledTimes(1);
      expect(schemaById).toHaveBeenCalledTimes(1);
    });
  });

  describe('consuming', () => {
    it('hands a value whose schema id the registry does not know through unchanged: the codec names the id', async () => {
      const framed = confluentFraming.frame(UNKNOWN_ID, body.subarray(10));
      const back = await new ConfluentWireFormat(new SchemaRegistryClient(schemaRegistryUrl)).fromWire(framed);
      expect(back).toEqual(framed);
      expect(() => changeEventCodec.decode(back)).toThrow(`unknown schema id ${UNKNOWN_ID} (Confluent wire format)`);
    });

    it('rejects while the registry cannot be reached (the batch is retried, not parked), both ways', async () => {
      const url = await unreachableRegistryUrl();
      const wire = new ConfluentWireFormat(new SchemaRegistryClient(url));
      await expect(wire.fromWire(confluentFraming.frame(1, body.subarray(10)))).rejects.toThrow(`schema registry unreachable: GET ${url}/schemas/ids/1: the service could not be reached (ECONNREFUSED)`);
      await expect(wire.toWire(body)).rejects.toThrow(/^schema registry unreachable: POST .*\/subjects\/io\.tributary\.changes\.v1\.ChangeEvent\/versions: the service could not be reached \(ECONNREFUSED\)/);
    });
  });
});

describe(SchemaRegistryClient.name, () => {
  it('returns the same id for the same schema (registering is idempotent)', async () => {
    const client = new SchemaRegistryClient(schemaRegistryUrl);
    const schema = JSON.stringify({ type: 'record', name: 'Probe', namespace: 'io.tributary.test', fields: [{ name: 'a', type: 'string' }] });
    expect(await client.register('io.tributary.test.Probe', schema)).toBe(await client.register('io.tributary.test.Probe', schema));
  });

  it('fails with the status, the error code and the body when the registry refuses', async () => {
    const err = await new SchemaRegistryClient(schemaRegistryUrl).register('io.tributary.test.Bad', '{not a schema').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaRegistryError);
    expect(err).toMatchObject({ status: 422, errorCode: 42201 });
    expect((err as Error).message).toMatch(/^schema registry POST .*\/subjects\/io\.tributary\.test\.Bad\/versions: HTTP 422: .*42201/);
  });

  it('says "no such schema" only for error 40403, not for any 404 (a wrong URL must not park every message)', async () => {
    expect(await new SchemaRegistryClient(schemaRegistryUrl).schemaById(UNKNOWN_ID)).toBeUndefined();
    await expect(new SchemaRegistryClient(`${new URL(schemaRegistryUrl).origin}/no-such-api`).schemaById(1)).rejects.toMatchObject({ status: 404 });
  });
});
