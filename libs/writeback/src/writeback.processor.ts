import { DeadLettersService } from '@tributary/catalog';
import {
  AtlanConfig, AtlasApi, AtlasApiError, atlasApiOf, AtlasConfig, AtlasEntity, AtlasFlavour, ConnectorsService,
} from '@tributary/connectors';
import { OutboundHttp } from '@tributary/outbound';
import type { Job, JobOutcome } from '@tributary/queue';
import {
  AssetsRepository, AtlasLink, AtlasWritebacksRepository, ClassificationsRepository, Database, IncidentsRepository, TenantId, TenantTx,
  WritebackOutcome, WritebackRow, WrittenState,
} from '@tributary/store';
import { CatalogTagNames } from './catalog-tag-names';
import { AssetFacts, appliedState, desiredState, diffState, isEmptyDiff, WritebackDiff } from './writeback-state';
import { BRIDGE_TYPES, ParkedWriteback, WRITEBACK_STREAM, WritebackJob } from './writeback.jobs';

/** Rows one job writes at most: one `POST /entity/bulk`. */
const BATCH_SIZE = 200;
/**
 * How long a job holds the rows it writes: longer than a bulk call and an entity's tag calls can
 * take (the outbound policy's total timeout is 30 s by default), short enough that a job that died
 * lets go soon.
 */
const CLAIM_LEASE_MS = 300_000;
/** A 429 without Retry-After waits 1, 2, 4, 8, then 16 s (with jitter) for each one in a row (contract §3.5). */
const LIMITED_BASE_MS = 1_000;
const LIMITED_CAP_MS = 16_000;
/**
 * A 429 is the catalog's pacing, not a failure: it does not use up an attempt. A row limited this
 * many times in a row is parked all the same, so that a catalog that never lets it through shows in
 * the dead letters instead of waiting for ever.
 */
const MAX_LIMITED_IN_A_ROW = 25;

export interface WritebackOptions {
  /** tries of a write that fails with a retryable error (5xx, timeouts) before it is parked (contract §3.5: 5) */
  attempts: number;
  /** the wait before the second try; doubled for each further one */
  backoffMs: number;
}

/** The catalog's REST API for a bridge connector's config. */
export type AtlasApiFactory = (flavour: AtlasFlavour, config: AtlasConfig | AtlanConfig) => AtlasApi;

/** One entity to write: its row, where it is, what to send, and what the catalog shows of Tributary's once sent. */
interface Unit {
  row: WritebackRow;
  link: AtlasLink;
  name: string | null;
  wanted: WrittenState;
  diff: WritebackDiff;
}

/**
 * Writes a bridge connector's pending write-backs to its catalog (contract §3, §4): claims up to a
 * batch of rows (a lease: one writer per asset at a time, so an asset's writes are ordered), reads
 * each asset's state, diffs it with what was written last, and sends only what changed, in one
 * `POST /entity/bulk` (Atlan: the tags in the same call with `appendTags`; upstream Atlas, which
 * ignores tags on update, through the classification endpoints, one tag a call so that what was done
 * is known exactly). Nothing changed: nothing is sent.
 *
 * The catalog's answer decides what follows, per row: written (`written` := the state, the outbox
 * the source side reads); 429 waited out (Retry-After, else 1-2-4-8-16 s with jitter; not an
 * attempt); 5xx and timeouts tried again with backoff and parked after `attempts` tries; a 4xx on a
 * bulk splits it, each entity written alone, so that one bad entity parks alone with Atlas's error
 * code and message. Parked rows are in the dead letters (stream `atlas-writeback`), replayable.
 */
export class WritebackProcessor {
  constructor(
    private readonly database: Database,
    private readonly connectors: ConnectorsService,
    private readonly deadLetters: DeadLettersService,
    private readonly apiFor: AtlasApiFactory,
    private readonly options: WritebackOptions,
    private readonly tagNames = new CatalogTagNames(),
    private readonly writebacks = new AtlasWritebacksRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly incidents = new IncidentsRepository(),
    private readonly classifications = new ClassificationsRepository(),
  ) {}

  /** The factory the platform uses: the REST client over its outbound HTTP. */
  static restClients(http: OutboundHttp): AtlasApiFactory {
    return (flavour, config) => atlasApiOf(flavour, config, http);
  }

  async run(job: Job<WritebackJob>): Promise<JobOutcome> {
    const { tenantId, connectorId } = job.data;
    const rows = await this.database.inTenant(tenantId, (tx) => this.writebacks.claimPending(tx, connectorId, BATCH_SIZE, CLAIM_LEASE_MS));
    if (rows.length === 0) return { status: 'skipped', reason: 'nothing due' };
    try {
      const loaded = await this.connectors.load(connectorId);
      if (!loaded || loaded.row.tenantId !== tenantId || !BRIDGE_TYPES.includes(loaded.row.type)) {
        return await this.parkAll(tenantId, connectorId, rows, `the bridge connector ${connectorId} was deleted`);
      }
      if (!loaded.row.enabled) return await this.parkAll(tenantId, connectorId, rows, `the bridge connector ${connectorId} is disabled`);
      const flavour = loaded.row.type as AtlasFlavour;
      const config = loaded.config as AtlasConfig | AtlanConfig;
      // write-back switched off since the changes were planned: what they wanted is no longer wanted
      if (config.writeBack === false) return { status: 'skipped', reason: `write-back is off for connector ${connectorId}` };
      const api = this.apiFor(flavour, config);
      const { units, nothing } = await this.plan(tenantId, connectorId, flavour, api, `${connectorId}/${loaded.row.version}`, rows);
      const results = [...nothing, ...(units.length > 0 ? await this.write(flavour, api, units) : [])];
      await this.record(tenantId, connectorId, results);
      const next = await this.database.inTenant(tenantId, (tx) => this.writebacks.nextDue(tx, connectorId));
      // more waits (a backlog beyond one batch, rows to try again): this job comes back for it when the first is due
      return next ? { status: 'deferred', reason: 'more write-backs pending', delayMs: Math.max(0, next.getTime() - Date.now()) } : { status: 'success' };
    } catch (err) {
      // the one call made outside `write`: the catalog's tag types, read before anything is written
      if (err instanceof AtlasApiError) return this.tagTypesFailed(tenantId, connectorId, rows, err);
      throw err;
    } finally {
      await this.database.inTenant(tenantId, (tx) => this.writebacks.release(tx, connectorId, rows.map((r) => r.assetId)));
    }
  }

  /** A parked write-back's dead letter replayed: pending again. */
  async unpark(tenantId: TenantId, parked: ParkedWriteback): Promise<WritebackJob | undefined> {
    const again = await this.database.inTenant(tenantId, (tx) => this.writebacks.unpark(tx, parked.connectorId, parked.assetId));
    return again ? { tenantId, connectorId: parked.connectorId } : undefined;
  }

  /** Each row's wanted state and what differs from what was written; rows with nothing to send are done already. */
  private async plan(tenantId: TenantId, connectorId: string, flavour: AtlasFlavour, api: AtlasApi, cacheKey: string, rows: WritebackRow[]):
    Promise<{ units: Unit[]; nothing: WritebackOutcome[] }> {
    const ids = rows.map((r) => r.assetId);
    const read = await this.database.inTenant(tenantId, async (tx) => ({
      links: await this.writebacks.links(tx, [connectorId], ids),
      facts: await this.facts(tx, ids),
    }));
    const propagated = [...new Set([...read.facts.values()].flatMap((f) => f.facts.propagatedTags))];
    const catalogTag = await this.tagNames.mapper(cacheKey, flavour, api, propagated);
    const units: Unit[] = [];
    const nothing: WritebackOutcome[] = [];
    for (const row of rows) {
      const link = read.links.find((l) => l.assetId === row.assetId);
      const asset = read.facts.get(row.assetId);
      // the asset was deleted, or its entity is gone from the catalog: there is nothing to write to
      if (!link || !asset) {
        nothing.push({ kind: 'sent', assetId: row.assetId, sequence: row.wantedSequence, answer: 'no live entity to write to' });
        continue;
      }
      const wanted = desiredState(asset.facts, catalogTag);
      const diff = diffState(wanted, row.written, link.directTags);
      if (isEmptyDiff(diff)) nothing.push({ kind: 'sent', assetId: row.assetId, sequence: row.wantedSequence, answer: 'unchanged' });
      else units.push({ row, link, name: asset.name, wanted, diff });
    }
    return { units, nothing };
  }

  /** What each asset's entity is told of it, read in the tenant's transaction. */
  private async facts(tx: TenantTx, ids: number[]): Promise<Map<number, { name: string | null; facts: AssetFacts }>> {
    const assets = await this.assets.findLiveByIds(tx, ids);
    const attached = await this.incidents.forAssets(tx, [...assets.keys()]);
    const open = new Map((await this.incidents.byIds(tx, [...new Set(attached.filter((i) => i.status === 'open').map((i) => i.id))])).map((i) => [i.id, i]));
    const tags = await this.classifications.forAssets(tx, [...assets.keys()]);
    const out = new Map<number, { name: string | null; facts: AssetFacts }>();
    for (const [id, a] of assets) {
      const mine = attached.filter((i) => i.assetId === id);
      out.set(id, {
        name: a.name,
        facts: {
          attributes: a.attributes, derivedAttributes: a.derivedAttributes, upstreamOpenIncidents: a.upstreamOpenIncidents,
          monitored: mine.some((i) => i.source === 'montecarlo'),
          openIncidents: mine.filter((i) => open.has(i.id)).map((i) => ({
            id: i.id, title: i.title, externalId: i.externalId, type: i.type, severity: i.severity, state: open.get(i.id)!.rawStatus ?? i.status,
          })),
          propagatedTags: tags.filter((t) => t.assetId === id && t.source === 'propagated').map((t) => t.name),
        },
      });
    }
    return out;
  }

  /** The batch in one bulk call; a refused bulk of several entities is split so that each entity's fate is its own. */
  private async write(flavour: AtlasFlavour, api: AtlasApi, units: Unit[]): Promise<WritebackOutcome[]> {
    try {
      return await this.send(flavour, api, units);
    } catch (err) {
      if (!(err instanceof AtlasApiError)) throw err;
      // one entity, or an error that is not about one (rate limit, outage, credentials, a refused URL): every row shares it
      if (units.length === 1 || err.retryable || err.status === 401 || err.status === 403 || err.status === 0) return units.map((u) => this.failure(u.row, err));
      const results: WritebackOutcome[] = [];
      for (const unit of units) {
        try {
          results.push(...(await this.send(flavour, api, [unit])));
        } catch (one) {
          if (!(one instanceof AtlasApiError)) throw one;
          results.push(this.failure(unit.row, one));
        }
      }
      return results;
    }
  }

  /**
   * One bulk call for the units' attributes (and, for Atlan, their tags); then, for upstream Atlas,
   * each unit's tags one call each. A bulk error is thrown (it is the whole call's); a tag call's
   * error is that unit's alone, with what was done before it kept.
   */
  private async send(flavour: AtlasFlavour, api: AtlasApi, units: Unit[]): Promise<WritebackOutcome[]> {
    const atlan = flavour === 'atlan';
    const entities = units
      .filter((u) => Object.keys(u.diff.attributes).length > 0 || (atlan && (u.diff.addTags.length > 0 || u.diff.removeTags.length > 0)))
      .map((u) => entityOf(u, atlan));
    if (entities.length > 0) await api.bulk(entities, atlan ? { appendTags: true } : {});
    if (atlan) {
      return units.map((u) => this.sent(u, appliedState(u.wanted, u.row.written, { added: u.diff.addTags, removed: u.diff.removeTags }), 'written'));
    }
    const results: WritebackOutcome[] = [];
    for (const u of units) {
      const entity = { typeName: u.link.typeName, qualifiedName: u.link.qualifiedName };
      const done = { added: [] as string[], removed: [] as string[] };
      try {
        for (const tag of u.diff.addTags) {
          try {
            // Tributary is the propagator: the catalog must not propagate the tag again
            await api.addClassifications(entity, [{ typeName: tag, propagate: false, removePropagationsOnEntityDelete: true }]);
            done.added.push(tag);
          } catch (err) {
            // attached directly since we last looked (someone else's): not ours to track or remove
            if (!(err instanceof AtlasApiError && err.errorCode === 'ATLAS-400-00-01A')) throw err;
          }
        }
        for (const tag of u.diff.removeTags) {
          await api.removeClassification(entity, tag);
          done.removed.push(tag);
        }
        results.push(this.sent(u, appliedState(u.wanted, u.row.written, done), 'written'));
      } catch (err) {
        if (!(err instanceof AtlasApiError)) throw err;
        // the attributes went with the bulk: they are written whatever the tags do
        const partly = { attributes: appliedState(u.wanted, u.row.written, done).attributes, tags: applyTags(u.row.written?.tags ?? [], done) };
        results.push({ ...this.failure(u.row, err), written: partly });
      }
    }
    return results;
  }

  private sent(u: Unit, written: WrittenState, answer: string): WritebackOutcome {
    const what = [
      Object.keys(u.diff.attributes).length > 0 ? `attributes ${Object.keys(u.diff.attributes).sort().join(', ')}` : null,
      u.diff.addTags.length > 0 ? `tags added ${u.diff.addTags.join(', ')}` : null,
      u.diff.removeTags.length > 0 ? `tags removed ${u.diff.removeTags.join(', ')}` : null,
    ].filter(Boolean).join('; ');
    return { kind: 'sent', assetId: u.row.assetId, sequence: u.row.wantedSequence, written, answer: `${answer} to ${u.link.guid}: ${what}` };
  }

  /** What an error means for one row: wait (429), try again later (retryable, within its attempts), or park. */
  private failure(row: WritebackRow, err: AtlasApiError): WritebackOutcome {
    if (err.status === 429) {
      if (row.limitedCount + 1 >= MAX_LIMITED_IN_A_ROW) return { kind: 'parked', assetId: row.assetId, answer: `${err.message} (rate limited ${row.limitedCount + 1} times in a row)` };
      const delayMs = err.retryAfterMs ?? Math.min(LIMITED_CAP_MS, LIMITED_BASE_MS * 2 ** row.limitedCount) * (0.5 + Math.random());
      return { kind: 'rate_limited', assetId: row.assetId, answer: err.message, nextAttemptAt: new Date(Date.now() + delayMs) };
    }
    if (!err.retryable) return { kind: 'parked', assetId: row.assetId, answer: err.message };
    const tries = failedInARow(row) + 1;
    if (tries >= this.options.attempts) return { kind: 'parked', assetId: row.assetId, answer: `${err.message} (after ${tries} attempts)` };
    const delayMs = this.options.backoffMs * 2 ** (tries - 1) * (0.75 + Math.random() / 2);
    return { kind: 'failed', assetId: row.assetId, answer: err.message, nextAttemptAt: new Date(Date.now() + delayMs) };
  }

  /**
   * Parks the parked rows in the dead letters, then records each row's outcome (which lets go of
   * it): a row shown parked always has its dead letter (a replay of a letter whose row was not
   * recorded parked finds nothing to do).
   */
  private async record(tenantId: TenantId, connectorId: string, results: WritebackOutcome[]): Promise<void> {
    const parked = results.filter((r) => r.kind === 'parked');
    if (parked.length > 0) {
      const { links, names } = await this.database.inTenant(tenantId, async (tx) => ({
        links: await this.writebacks.links(tx, [connectorId], parked.map((p) => p.assetId)),
        names: await this.assets.namesByIds(tx, parked.map((p) => p.assetId)),
      }));
      for (const p of parked) {
        const qualifiedName = names.get(p.assetId)?.qualifiedName ?? null;
        const payload: ParkedWriteback = { connectorId, assetId: p.assetId, qualifiedName, guid: links.find((l) => l.assetId === p.assetId)?.guid ?? null };
        await this.deadLetters.park(tenantId, WRITEBACK_STREAM,
          `write-back of ${qualifiedName ?? `asset ${p.assetId}`} to connector ${connectorId} parked: ${p.answer}`, payload);
      }
    }
    await this.database.inTenant(tenantId, async (tx) => {
      for (const r of results) await this.writebacks.record(tx, connectorId, r);
    });
  }

  private async parkAll(tenantId: TenantId, connectorId: string, rows: WritebackRow[], reason: string): Promise<JobOutcome> {
    await this.record(tenantId, connectorId, rows.map((r) => ({ kind: 'parked', assetId: r.assetId, answer: reason })));
    return { status: 'skipped', reason: `parked: ${reason}` };
  }

  /** The tag-type lookup failed before anything was written: every row waits, as its error says. */
  private async tagTypesFailed(tenantId: TenantId, connectorId: string, rows: WritebackRow[], err: AtlasApiError): Promise<JobOutcome> {
    const results = rows.map((row) => this.failure(row, err));
    await this.record(tenantId, connectorId, results);
    return { status: 'deferred', reason: `the catalog's tag types could not be read: ${err.message}`,
      delayMs: Math.max(0, Math.min(...results.map((r) => ('nextAttemptAt' in r ? r.nextAttemptAt.getTime() : Date.now()))) - Date.now()) };
  }
}

/** The bulk body of one entity: addressed by guid (a deleted entity is refused, never created again), only what changed. */
function entityOf(u: Unit, atlan: boolean): AtlasEntity {
  const attributes: Record<string, unknown> = { qualifiedName: u.link.qualifiedName, ...u.diff.attributes };
  // Atlan's minimal updater carries the name with the qualifiedName (contract §4.2); upstream would write it as a change
  if (atlan && u.name) attributes.name = u.name;
  return {
    typeName: u.link.typeName, guid: u.link.guid, attributes,
    ...(atlan && u.diff.addTags.length > 0
      ? { addOrUpdateClassifications: u.diff.addTags.map((typeName) => ({ typeName, propagate: false, removePropagationsOnEntityDelete: true })) } : {}),
    ...(atlan && u.diff.removeTags.length > 0 ? { removeClassifications: u.diff.removeTags.map((typeName) => ({ typeName })) } : {}),
  };
}

function applyTags(tags: string[], done: { added: string[]; removed: string[] }): string[] {
  const set = new Set(tags);
  for (const t of done.added) set.add(t);
  for (const t of done.removed) set.delete(t);
  return [...set].sort();
}

/** Retryable failures since the row was last written (its newest attempts first); a 429 is not one. */
function failedInARow(row: WritebackRow): number {
  let n = 0;
  for (const a of row.attempts) {
    if (a.outcome === 'failed') n += 1;
    else if (a.outcome !== 'rate_limited') break;
  }
  return n;
}
