import { randomBytes } from 'node:crypto';
import { DEFAULT_OUTBOUND_POLICY, NodeOutboundHttp } from '@tributary/outbound';
import { ConnectorsRepository, Database, DEFAULT_TENANT, POOLED_SCHEMA, SecretBox, TenantsRepository } from '@tributary/store';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorsService, RECHECK_MS } from './connectors.service';
import { montecarloConnector } from './montecarlo/montecarlo.connector';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two services on one database: the api and the ingestor processes of a deployment. */
describe('ConnectorsService.load across processes', () => {
  let drop: () => Promise<void>;
  let database: Database;
  let here: ConnectorsService;
  let elsewhere: ConnectorsService;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const secrets = new SecretBox(randomBytes(32).toString('base64'));
    database = await Database.open({ url: db.url, appRole: 'tributary_app', poolSize: 2, secrets });
    await new TenantsRepository(database).insert({ id: DEFAULT_TENANT, name: 'Default', placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    const service = () => new ConnectorsService(database, new ConnectorsRepository(database), new ConnectorRegistry().register(montecarloConnector),
      secrets, 'http://localhost', new NodeOutboundHttp(DEFAULT_OUTBOUND_POLICY));
    [here, elsewhere] = [service(), service()];
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  it('sees a change made through itself at once', async () => {
    const { id } = await here.create(DEFAULT_TENANT, 'test', { type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } });
    expect((await here.load(id))?.row.enabled).toBe(true);
    await here.update(DEFAULT_TENANT, 'test', id, { enabled: false });
    expect((await here.load(id))?.row.enabled).toBe(false);
    await here.remove(DEFAULT_TENANT, 'test', id);
    expect(await here.load(id)).toBeUndefined();
  });

  it('sees a change made in another process once RECHECK_MS have passed, and keeps its loaded connector until then', async () => {
    const { id } = await here.create(DEFAULT_TENANT, 'test', { type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } });
    const before = await elsewhere.load(id);
    const { signingSecret } = await here.update(DEFAULT_TENANT, 'test', id, { enabled: false, rotateSigningSecret: true });
    // within the window the other process answers from what it loaded, without a query
    expect(await elsewhere.load(id)).toBe(before);
    await sleep(RECHECK_MS + 50);
    const after = await elsewhere.load(id);
    expect(after?.row.enabled).toBe(false);
    expect(after?.signingSecret).toBe(signingSecret);

    await here.remove(DEFAULT_TENANT, 'test', id);
    await sleep(RECHECK_MS + 50);
    expect(await elsewhere.load(id)).toBeUndefined();
  });

  it('keeps an unchanged connector (its compiled transform) after a recheck', async () => {
    const { id } = await here.create(DEFAULT_TENANT, 'test', { type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS, transform: '{"owner": "x"}' } });
    const first = await elsewhere.load(id);
    await sleep(RECHECK_MS + 50);
    expect(await elsewhere.load(id)).toBe(first);
  });
});
