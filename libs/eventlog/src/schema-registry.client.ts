import { NodeOutboundHttp, OPERATOR_SERVICE_POLICY, OutboundError, OutboundHttp, OutboundResponse } from '@tributary/outbound';

/** A schema registry answered with an error, or could not be reached. */
export class SchemaRegistryError extends Error {
  constructor(message: string, readonly status?: number, readonly errorCode?: number) {
    super(message);
    this.name = 'SchemaRegistryError';
  }
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Confluent's error code for "schema not found" (GET /schemas/ids/{id}). */
const SCHEMA_NOT_FOUND = 40403;

const REGISTRY = { name: 'schema-registry', hosts: [] };

/**
 * The two calls of the Confluent Schema Registry REST API that the wire format needs. Works with
 * Confluent's registry and with compatible ones (Apicurio's /apis/ccompat/v7). Through the
 * outbound port, with the operator's services' limits: 10 s per call, answers up to 1 MiB.
 */
export class SchemaRegistryClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string, private readonly http: OutboundHttp = new NodeOutboundHttp(OPERATOR_SERVICE_POLICY)) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Registers a schema under a subject (idempotent: the same schema gets the same id back) and returns its id. */
  async register(subject: string, schema: string): Promise<number> {
    const body = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
    const id = (body as { id?: unknown }).id;
    if (!Number.isInteger(id)) throw new SchemaRegistryError(`schema registry ${this.baseUrl}: registering ${subject} answered without an id: ${JSON.stringify(body)}`);
    return id as number;
  }

  /**
   * The schema text with this id, or undefined when the registry says it has no such schema
   * (error code 40403). Any other failure throws: a wrong URL answering 404 for everything must
   * not turn every message into a dead letter.
   */
  async schemaById(id: number): Promise<string | undefined> {
    try {
      const body = await this.request('GET', `/schemas/ids/${id}`);
      const schema = (body as { schema?: unknown }).schema;
      if (typeof schema !== 'string') throw new SchemaRegistryError(`schema registry ${this.baseUrl}: schema ${id} answered without a schema: ${JSON.stringify(body)}`);
      return schema;
    } catch (err) {
      if (err instanceof SchemaRegistryError && err.status === 404 && err.errorCode === SCHEMA_NOT_FOUND) return undefined;
      throw err;
    }
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    let response: OutboundResponse;
    try {
      response = await this.http.request({
        url, target: REGISTRY, method, headers: { accept: CONTENT_TYPE, ...(json === undefined ? {} : { 'content-type': CONTENT_TYPE }) },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      throw new SchemaRegistryError(`schema registry unreachable: ${method} ${url}: ${err.message}`);
    }
    const text = response.body.toString('utf8');
    if (response.status < 200 || response.status >= 300) {
      let errorCode: number | undefined;
      try {
        errorCode = (JSON.parse(text) as { error_code?: number }).error_code;
      } catch {
        // not JSON (a proxy's error page): the status and the text say enough
      }
      throw new SchemaRegistryError(`schema registry ${method} ${url}: HTTP ${response.status}: ${text.slice(0, 500)}`, response.status, errorCode);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new SchemaRegistryError(`schema registry ${method} ${url}: HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`, response.status);
    }
  }
}
