import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Monte Carlo's GraphQL endpoint (`POST /graphql`), for tests of the client
 * and of the jobs that page through it. It follows the documented contract, not an implementation:
 *
 * - credentials in `x-mcd-id` / `x-mcd-token`, else 401;
 * - `getIncidents(first, after, startTime, endTime)`, `getIncidents(first, after, incidentIds)` and
 *   `getAlerts(first, after, createdTime | updatedTime: { after, before })`, answered as relay
 *   connections (`edges { node }`, `pageInfo { hasNextPage endCursor }`) over in-memory lists;
 *   the time range is `[start, end)` on the node's `createdTime` (incidents) or on the named field
 *   (alerts); opaque cursors in graphene's `arrayconnection:<index>` form;
 * - faults queued by the test (`failNext`): 429 with `Retry-After`, 5xx, GraphQL `errors`, or any
 *   body verbatim.
 *
 * The query is parsed minimally: the first root field and its arguments (`name: $var`, a literal, or
 * a one-level `{ key: $var }` object). Selections are not checked: nodes are returned as stored, so
 * a test stores them in the shape Monte Carlo returns. Every request is recorded in `requests`.
 */
export type MonteCarloFault =
  | { status: 429; retryAfterSeconds?: number; retryAfterDate?: Date }
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { graphqlErrors: ReadonlyArray<{ message: string }> }
  | { body: unknown };

export interface RecordedMonteCarloRequest {
  /** the root field asked for, e.g. `getIncidents`, or null when none could be read */
  rootField: string | null;
  /** the root field's arguments, resolved against `variables` */
  args: Record<string, unknown>;
  variables: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** the HTTP status the server answered with */
  status: number;
}

export type MonteCarloNode = Record<string, unknown>;

export class MonteCarloGraphqlServer {
  /** `getIncidents` answers from this list, in this order */
  readonly incidents: MonteCarloNode[] = [];
  /** `getAlerts` answers from this list, in this order */
  readonly alerts: MonteCarloNode[] = [];
  readonly requests: RecordedMonteCarloRequest[] = [];
  private readonly faults: MonteCarloFault[] = [];
  private readonly scheduled = new Map<number, MonteCarloFault>();

  private constructor(private readonly server: Server, readonly apiId: string, readonly apiToken: string) {}

  static async start(options: { apiId?: string; apiToken?: string } = {}): Promise<MonteCarloGraphqlServer> {
    let self: MonteCarloGraphqlServer | undefined;
    const server = createServer((req, res) => {
      self!.handle(req, res).catch((error: unknown) => reply(res, 500, { errors: [{ message: String(error) }] }));
    });
    self = new MonteCarloGraphqlServer(server, options.apiId ?? 'test-key-id', options.apiToken ?? 'test-key-token');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return self;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/graphql`;
  }

  /** The next `n` requests (whatever they ask) get this fault instead of an answer. */
  failNext(n: number, fault: MonteCarloFault): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  /** The `n`-th request from now (1 = the next one) gets this fault: to fail a job in the middle of its paging. */
  failRequest(n: number, fault: MonteCarloFault): void {
    this.scheduled.set(this.requests.length + n, fault);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const body = parseJson(raw) as { query?: unknown; variables?: unknown } | undefined;
    const query = typeof body?.query === 'string' ? body.query : '';
    const variables = isRecord(body?.variables) ? body.variables : {};
    const root = readRootField(query, variables);
    const record: RecordedMonteCarloRequest = {
      rootField: root?.name ?? null, args: root?.args ?? {}, variables, headers: req.headers, status: 0,
    };
    this.requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      reply(res, status, payload, headers);
    };

    if (req.method !== 'POST' || !(req.url ?? '').startsWith('/graphql')) return send(404, { errors: [{ message: 'Not Found' }] });
    const fault = this.scheduled.get(this.requests.length) ?? this.faults.shift();
    if (fault) return this.sendFault(fault, send);
    if (req.headers['x-mcd-id'] !== this.apiId || req.headers['x-mcd-token'] !== this.apiToken) {
      return send(401, { errors: [{ message: 'Unauthorized' }] });
    }
    if (!body || !query) return send(400, { errors: [{ message: 'Must provide query string.' }] });
    if (!root) return send(400, { errors: [{ message: 'Syntax Error: could not read the query' }] });
    switch (root.name) {
      case 'getIncidents': {
        // incidentIds picks incidents by id, whatever their time
        const ids = root.args.incidentIds;
        const nodes = Array.isArray(ids) ? this.incidents.filter((node) => ids.includes(node.uuid)) : this.incidents;
        return send(200, { data: { getIncidents: page(nodes, root.args, 'createdTime', root.args.startTime, root.args.endTime) } });
      }
      case 'getAlerts': {
        const field = root.args.updatedTime !== undefined ? 'updatedTime' : 'createdTime';
        const range = isRecord(root.args[field]) ? root.args[field] : {};
        return send(200, { data: { getAlerts: page(this.alerts, root.args, field, range.after, range.before) } });
      }
      default:
        return send(200, { data: null, errors: [{ message: `Cannot query field "${root.name}" on type "Query".` }] });
    }
  }

  private sendFault(fault: MonteCarloFault, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    if ('graphqlErrors' in fault) return send(200, { data: null, errors: fault.graphqlErrors });
    if (!('status' in fault)) return send(200, fault.body);
    const headers: Record<string, string> = { ...('headers' in fault ? fault.headers : {}) };
    if ('retryAfterSeconds' in fault && fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    if ('retryAfterDate' in fault && fault.retryAfterDate) headers['retry-after'] = fault.retryAfterDate.toUTCString();
    const body = 'body' in fault && fault.body !== undefined ? fault.body : { errors: [{ message: `HTTP ${fault.status}` }] };
    send(fault.status, body, headers);
  }
}

/** One relay page over `nodes` filtered to `[start, end)` on `timeField`. */
function page(nodes: MonteCarloNode[], args: Record<string, unknown>, timeField: string, start: unknown, end: unknown) {
  const from = typeof start === 'string' ? Date.parse(start) : -Infinity;
  const to = typeof end === 'string' ? Date.parse(end) : Infinity;
  const matching = nodes.filter((node) => {
    const t = typeof node[timeField] === 'string' ? Date.parse(node[timeField] as string) : NaN;
    return t >= from && t < to;
  });
  const offset = typeof args.after === 'string' ? decodeCursor(args.after) + 1 : 0;
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : matching.length;
  const slice = matching.slice(offset, offset + first);
  const edges = slice.map((node, i) => ({ node, cursor: encodeCursor(offset + i) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: offset + slice.length < matching.length,
      endCursor: edges.length ? edges[edges.length - 1]!.cursor : null,
    },
  };
}

const encodeCursor = (index: number) => Buffer.from(`arrayconnection:${index}`).toString('base64');

function decodeCursor(cursor: string): number {
  const m = /^arrayconnection:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return m ? Number(m[1]) : -1;
}

/** The first root field of the operation and its arguments. Enough GraphQL for these two queries. */
function readRootField(query: string, variables: Record<string, unknown>): { name: string; args: Record<string, unknown> } | null {
  const open = query.indexOf('{');
  if (open < 0) return null;
  const m = /^\s*(\w+)\s*(?:\(([^)]*)\))?/.exec(query.slice(open + 1));
  if (!m) return null;
  return { name: m[1]!, args: readArguments(m[2] ?? '', variables) };
}

const ARGUMENT = /(\w+)\s*:\s*(\$\w+|\{[^}]*\}|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null|[A-Za-z_]\w*)/g;

function readArguments(text: string, variables: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [, name, value] of text.matchAll(ARGUMENT)) args[name!] = readValue(value!, variables);
  return args;
}

function readValue(value: string, variables: Record<string, unknown>): unknown {
  if (value.startsWith('$')) return variables[value.slice(1)];
  if (value.startsWith('{')) return readArguments(value.slice(1, -1), variables);
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === 'null') return null;
  return /^-?\d/.test(value) ? Number(value) : value; // enum values stay as their names
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
