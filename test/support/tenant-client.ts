import { incidentWebhook, IncidentWebhookOptions, signMonteCarlo } from './montecarlo/webhooks';
import { enc, TestApp } from './test-app';
import { waitFor } from './wait-for';

/** Monte Carlo's `database:schema.table` to the acme warehouse's qualified names. */
export const ACME_MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

export interface SeedAsset { qualifiedName: string; typeName: string; owner?: string }

/**
 * One tenant's view of a test app through the public API, to seed a catalog as a client would:
 * assets, lineage edges, and incidents delivered as Monte Carlo webhooks.
 */
export class TenantClient {
  private connector?: { id: string; signingSecret: string };

  constructor(private readonly t: TestApp, readonly key: string) {}

  get auth() {
    return { Authorization: `Bearer ${this.key}` };
  }

  get(path: string) {
    return this.t.http().get(path).set(this.auth);
  }

  async assets(assets: SeedAsset[]): Promise<void> {
    const body = { assets: assets.map((a) => ({ qualifiedName: a.qualifiedName, typeName: a.typeName, ...(a.owner ? { attributes: { owner: a.owner } } : {}) })) };
    const res = await this.t.http().put('/v1/assets').set(this.auth).send(body);
    if (res.status !== 200) throw new Error(`PUT /v1/assets: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async edges(edges: [string, string][]): Promise<void> {
    const res = await this.t.http().put('/v1/lineage').set(this.auth).send({ edges: edges.map(([from, to]) => ({ from, to })) });
    if (res.status !== 200) throw new Error(`PUT /v1/lineage: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Delivers a Monte Carlo incident webhook (through a connector made on first use) and returns the catalog's incident once applied. */
  async incident(options: IncidentWebhookOptions & { incidentId: string }): Promise<{ id: string; status: string; startedAt: string; updatedAt: string }> {
    this.connector ??= (await this.t.http().post('/v1/connectors').set(this.auth)
      .send({ type: 'montecarlo', name: 'mc', config: { mappings: ACME_MAPPINGS } }).expect(201)).body;
    const text = JSON.stringify(incidentWebhook(options));
    await this.t.http().post(`/v1/hooks/montecarlo/${this.connector!.id}`)
      .set({ 'Content-Type': 'application/json', 'x-mcd-signature': signMonteCarlo(text, this.connector!.signingSecret) }).send(text).expect(202);
    return waitFor(`incident ${options.incidentId} applied`, async () => {
      const items = (await this.get('/v1/incidents?limit=500')).body.items as { externalId: string; id: string; status: string; startedAt: string; updatedAt: string; rawStatus: string | null }[];
      const found = items.find((i) => i.externalId === options.incidentId);
      const stated = options.feedback === undefined || found?.rawStatus === options.feedback;
      return found && stated && (!options.updatedTime || found.updatedAt === new Date(options.updatedTime).toISOString()) ? found : undefined;
    });
  }

  /**
   * Polls an analytics endpoint until its answer satisfies `ready` (the indexer is a moment behind the
   * catalog), then returns it; on timeout the error shows the last answer. An answer read while the
   * indexer applies a batch may be half old: `ready` should hold only for the final answer.
   */
  async eventually<T>(path: string, ready: (body: T) => boolean): Promise<T> {
    let last: unknown;
    try {
      return await waitFor(`${path} to catch up`, async () => {
        const res = await this.get(path);
        last = [res.status, res.body];
        return res.status === 200 && ready(res.body as T) ? (res.body as T) : undefined;
      }, 30_000);
    } catch (error) {
      throw new Error(`${String(error)}; the last answer: ${JSON.stringify(last)}`);
    }
  }
}

export { enc };
