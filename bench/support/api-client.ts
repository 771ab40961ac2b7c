/**
 * A minimal client of the Tributary HTTP API over Node's fetch (keep-alive by default), authenticated
 * with one API key. Bodies are passed pre-serialized so that a benchmark can build them before its
 * clock starts: the client shares the process, and the CPU, with the server under test.
 */
export class ApiClient {
  constructor(private readonly baseUrl: string, private readonly apiKey: string) {}

  async put<T>(path: string, jsonBody: string): Promise<T> {
    return JSON.parse(await this.request('PUT', path, jsonBody)) as T;
  }

  async post<T>(path: string, jsonBody: string): Promise<T> {
    return JSON.parse(await this.request('POST', path, jsonBody)) as T;
  }

  async patch<T>(path: string, jsonBody: string): Promise<T> {
    return JSON.parse(await this.request('PATCH', path, jsonBody)) as T;
  }

  async delete<T>(path: string): Promise<T> {
    return JSON.parse(await this.request('DELETE', path)) as T;
  }

  /** The raw response text: callers time the transfer and parse afterwards. */
  async getText(path: string): Promise<string> {
    return this.request('GET', path);
  }

  private async request(method: string, path: string, body?: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text;
  }
}
