import { randomUUID } from 'node:crypto';
import { OutboundError, OutboundHttp, OutboundResponse, OutboundTarget, parseRetryAfter } from '@tributary/outbound';
import {
  AtlasApi, AtlasApiError, AtlasClassification, AtlasEntity, EntityMutationResponse,
} from './atlas-api';
import { ATLAN_TARGET, ATLAS_TARGET, AtlanConfig, AtlasConfig, AtlasFlavour } from './atlas-config';

/** The longest error text kept: it is shown in the deliveries log. */
const MAX_MESSAGE_CHARS = 500;

/**
 * Atlas answers this when a tag to remove is not on the entity (AtlasErrorCode
 * CLASSIFICATION_NOT_ASSOCIATED_WITH_ENTITY): for the bridge that tag is already gone.
 */
const TAG_NOT_ASSOCIATED = 'ATLAS-400-00-06D';

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * AtlasApi over the platform's outbound HTTP (contract atlas-bridge.md §3): Atlas REST v2 under
 * `<baseUrl>/api/atlas/v2` with HTTP Basic, or Atlan's copy of it under `<baseUrl>/api/meta` with a
 * Bearer API token. Every call carries `x-atlan-agent-id: tributary` and a fresh
 * `x-atlan-request-id: trib-<uuid>`: Atlan echoes `x-atlan-*` headers into the notifications the
 * change causes, which is how the source side recognises the bridge's own writes (§5).
 *
 * It never retries or sleeps: a failure is an AtlasApiError whose `retryable` and `retryAfterMs`
 * tell the caller what it may do. Its message carries the status, Atlas's error code and message,
 * never a credential.
 */
export class AtlasRestClient implements AtlasApi {
  readonly #api: string;
  readonly #authorization: string;
  readonly #secrets: string[];
  readonly #target: OutboundTarget;

  constructor(readonly flavour: AtlasFlavour, config: AtlasConfig | AtlanConfig, private readonly http: OutboundHttp) {
    const base = config.baseUrl.replace(/\/+$/, '');
    if (flavour === 'atlas') {
      const { username, password } = (config as AtlasConfig).auth;
      const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
      this.#api = `${base}/api/atlas/v2`;
      this.#authorization = `Basic ${basic}`;
      this.#secrets = [password, basic];
      this.#target = ATLAS_TARGET;
    } else {
      const token = (config as AtlanConfig).apiToken;
      this.#api = `${base}/api/meta`;
      this.#authorization = `Bearer ${token}`;
      this.#secrets = [token];
      this.#target = ATLAN_TARGET;
    }
  }

  async entityByGuid(guid: string): Promise<AtlasEntity | null> {
    const answer = await this.call('GET', `/entity/guid/${encodeURIComponent(guid)}`, { notFoundIsNull: true });
    return answer === null ? null : entityOf(answer);
  }

  async entityByQualifiedName(typeName: string, qualifiedName: string): Promise<AtlasEntity | null> {
    const answer = await this.call('GET', `/entity/uniqueAttribute/type/${encodeURIComponent(typeName)}?${qualifiedNameQuery(qualifiedName)}`, { notFoundIsNull: true });
    return answer === null ? null : entityOf(answer);
  }

  /**
   * Idempotent by design: the bridge names entities by qualifiedName and writes absolute values, so
   * a second application changes nothing (Atlas skips an unchanged entity), and a 500 may be retried.
   */
  async bulk(entities: AtlasEntity[], options: { appendTags?: boolean } = {}): Promise<EntityMutationResponse> {
    const query = options.appendTags ? '?appendTags=true' : '';
    const answer = (await this.call('POST', `/entity/bulk${query}`, { body: { entities }, idempotent: true })) as EntityMutationResponse | null;
    return { mutatedEntities: answer?.mutatedEntities ?? {}, guidAssignments: answer?.guidAssignments ?? {} };
  }

  /** A repeat is refused (400 ATLAS-400-00-01A), never applied twice: safe to retry after a 500. */
  async addClassifications(entity: { typeName: string; qualifiedName: string }, classifications: AtlasClassification[]): Promise<void> {
    await this.call('POST', `${byQualifiedName(entity)}/classifications?${qualifiedNameQuery(entity.qualifiedName)}`, { body: classifications, idempotent: true });
  }

  async removeClassification(entity: { typeName: string; qualifiedName: string }, name: string): Promise<void> {
    try {
      await this.call('DELETE', `${byQualifiedName(entity)}/classification/${encodeURIComponent(name)}?${qualifiedNameQuery(entity.qualifiedName)}`, { idempotent: true });
    } catch (error) {
      if (error instanceof AtlasApiError && error.errorCode === TAG_NOT_ASSOCIATED) return;
      throw error;
    }
  }

  async classificationTypes(): Promise<{ name: string; displayName: string }[]> {
    const answer = (await this.call('GET', '/types/typedefs?type=classification')) as { classificationDefs?: unknown } | null;
    const defs: unknown[] = Array.isArray(answer?.classificationDefs) ? (answer?.classificationDefs as unknown[]) : [];
    return defs
      .filter((d): d is { name: string; displayName?: unknown } => typeof (d as { name?: unknown } | null)?.name === 'string')
      // upstream typedefs have no displayName: the name is what users see
      .map((d) => ({ name: d.name, displayName: typeof d.displayName === 'string' && d.displayName ? d.displayName : d.name }));
  }

  /** A search is a read: safe to retry whatever the method. */
  async search(page: { typeNames: readonly string[]; offset: number; limit: number }): Promise<{ entities: AtlasEntity[]; approximateCount: number | null }> {
    const entities: AtlasEntity[] = [];
    let approximateCount: number | null = null;
    // Basic search takes one type (with its subtypes); several types are several searches merged by page.
    for (const typeName of page.typeNames) {
      const answer = (await this.call('POST', '/search/basic', {
        body: { typeName, excludeDeletedEntities: true, includeSubTypes: true, offset: page.offset, limit: page.limit, attributes: ['qualifiedName', 'name'] },
        idempotent: true,
      })) as { entities?: AtlasEntity[]; approximateCount?: number } | null;
      entities.push(...(answer?.entities ?? []));
      if (typeof answer?.approximateCount === 'number' && answer.approximateCount >= 0) approximateCount = (approximateCount ?? 0) + answer.approximateCount;
    }
    return { entities, approximateCount };
  }

  /** One request; a 2xx body is returned parsed (null when empty), anything else thrown as AtlasApiError. */
  private async call(method: Method, path: string, options: { body?: unknown; idempotent?: boolean; notFoundIsNull?: boolean } = {}): Promise<unknown> {
    const idempotent = method === 'GET' || options.idempotent === true;
    let response: OutboundResponse;
    try {
      response = await this.http.request({
        url: `${this.#api}${path}`, target: this.#target, method,
        headers: {
          authorization: this.#authorization,
          accept: 'application/json',
          'x-atlan-agent-id': 'tributary',
          'x-atlan-request-id': `trib-${randomUUID()}`,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      throw new AtlasApiError(0, null, this.redact(`${error.code}: ${error.message}`), error.retryable);
    }
    const { status } = response;
    if (status >= 200 && status < 300) return parseJson(response.body) ?? null;
    if (status === 404 && options.notFoundIsNull) return null;
    const described = describeError(response);
    const retryable = status === 429 || status === 502 || status === 503 || status === 504 || (status === 500 && idempotent);
    throw new AtlasApiError(status, described.code, this.redact(`${status}${described.text}`), retryable, parseRetryAfter(response.headers['retry-after']));
  }

  /** Atlas does not echo credentials, but a proxy's page might: the message goes to a log tenants read. */
  private redact(text: string): string {
    const clean = this.#secrets.filter((s) => s.length > 0).reduce((t, secret) => t.split(secret).join('[redacted]'), text);
    return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS - 1)}…` : clean;
  }
}

const byQualifiedName = (entity: { typeName: string }) => `/entity/uniqueAttribute/type/${encodeURIComponent(entity.typeName)}`;
const qualifiedNameQuery = (qualifiedName: string) => `attr:qualifiedName=${encodeURIComponent(qualifiedName)}`;

/** `AtlasEntityWithExtInfo {entity, referredEntities}`: the entity itself. */
function entityOf(answer: unknown): AtlasEntity | null {
  const entity = (answer as { entity?: AtlasEntity } | null)?.entity;
  if (!entity || typeof entity.typeName !== 'string') return null;
  return { ...entity, attributes: entity.attributes ?? {} };
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/**
 * The error forms the contract lists (§3.4, §3.5), read loosely since Atlan's are unconfirmed:
 * `{errorCode, errorMessage, errorCause?}` (Atlan adds `entityGuid`, `errorId`, `causes`),
 * Jackson's `400 {"error": …}`, a gateway's `{"message": …}`, and pages that are not JSON (Atlas's
 * 401 is the servlet container's HTML page: only its title is kept).
 */
function describeError(response: OutboundResponse): { code: string | null; text: string } {
  const body = parseJson(response.body);
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    const code = text(o.errorCode);
    const causes = Array.isArray(o.causes) ? o.causes.map((c) => text((c as Record<string, unknown> | null)?.errorMessage) ?? text(c)).filter(Boolean) : [];
    const message = [text(o.errorMessage) ?? text(o.error) ?? text(o.message) ?? text(o.error_description), text(o.errorCause), ...causes]
      .filter((m): m is string => !!m).join('; ');
    return { code, text: `${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}` };
  }
  const raw = response.body.toString('utf8');
  const title = /<title>([^<]*)<\/title>/i.exec(raw)?.[1]?.trim();
  if (title) return { code: null, text: `: ${title}` };
  const plain = raw.trim();
  // a short plain-text answer (a gateway's "Too Many Requests") is shown; markup or a long page is not
  return { code: null, text: plain && plain.length <= 200 && !plain.includes('<') ? `: ${plain}` : '' };
}
