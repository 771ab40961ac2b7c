import { Client } from 'pg';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface StreamEvent { event: string | null; id: string | null; data: { sequence: number; type: string; subject: string; tenant: string } }

/**
 * A server-sent-events reader over fetch, as a browser's EventSource reads the stream: it keeps every
 * event it has parsed, and stops when the test closes it.
 */
class SseReader {
  readonly events: StreamEvent[] = [];
  comments = 0;
  private readonly abort = new AbortController();
  private constructor(readonly status: number, readonly contentType: string | null, private readonly body: string | null) {}

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const reader = new SseReader(0, null, null);
    const res = await fetch(url, { headers, signal: reader.abort.signal });
    const opened = new SseReader(res.status, res.headers.get('content-type'), res.ok ? null : await res.text());
    Object.assign(opened, { abort: reader.abort });
    if (res.ok) void opened.read(res.body!);
    return opened;
  }

  get error(): unknown {
    return this.body === null ? null : JSON.parse(this.body);
  }

  private async read(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of stream) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // closed by the test
    }
  }

  private parse(block: string): void {
    const fields = { event: null as string | null, id: null as string | null, data: [] as string[] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments++;
      else if (line.startsWith('event: ')) fields.event = line.slice(7);
      else if (line.startsWith('id: ')) fields.id = line.slice(4);
      else if (line.startsWith('data: ')) fields.data.push(line.slice(6));
    }
    if (fields.data.length > 0) this.events.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data.join('\n')) });
  }

  subjects(): string[] {
    return this.events.map((e) => e.data.subject);
  }

  close(): void {
    this.abort.abort();
  }
}

describe('Change stream (GET /v1/changes/stream)', () => {
  let t: TestApp;
  let base: string;
  let otherKey: string;
  const open: SseReader[] = [];
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const put = (qualifiedName: string, key = t.adminKey) =>
    t.http().put('/v1/assets').set(auth(key)).send({ assets: [{ qualifiedName, typeName: 'Table' }] }).expect(200);
  const stream = async (query: string, headers: Record<string, string> = auth()) => {
    const reader = await SseReader.open(`${base}/v1/changes/stream${query}`, headers);
    open.push(reader);
    return reader;
  };
  const feedSubjects = async (after: number) =>
    ((await t.http().get(`/v1/changes?after=${after}&limit=1000`).set(auth())).body.items as { subject: string }[]).map((e) => e.subject);

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    await put('a');
    await put('b');
    await put('c');
    const created = await t.http().post('/v1/tenants').set(auth()).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201);
    otherKey = created.body.adminKey;
  });
  afterAll(async () => {
    for (const reader of open) reader.close();
    await t.close();
  });

  it('sends the feed\'s events after `after` in its order, each as `event: change` with the sequence as its id', async () => {
    const reader = await stream('?after=0');
    expect(reader.status).toBe(200);
    expect(reader.contentType).toMatch(/^text\/event-stream/);
    await waitFor('three events', async () => reader.events.length >= 3 || undefined);
    expect(reader.events.map((e) => [e.event, e.id, e.data.sequence, e.data.subject])).toEqual([
      ['change', '1', 1, 'a'], ['change', '2', 2, 'b'], ['change', '3', 3, 'c']]);
    expect(reader.events[0].data).toMatchObject({ type: 'asset.created', tenant: 'default' });
  });

  it('sends an event appended after the stream opened without being asked again', async () => {
    const reader = await stream('?after=3');
    await put('live');
    await waitFor('the live event', async () => reader.events.length >= 1 || undefined);
    expect(reader.events.map((e) => [e.id, e.data.subject])).toEqual([['4', 'live']]);
  });

  it('starts at the latest event when given neither after nor Last-Event-ID', async () => {
    const head = (await feedSubjects(0)).length;
    const reader = await stream('');
    // the stream reads its start before answering, so what is written after the answer is new to it
    await put('after-open');
    await waitFor('the new event', async () => reader.events.length >= 1 || undefined);
    expect(reader.events.map((e) => [Number(e.id), e.data.subject])).toEqual([[head + 1, 'after-open']]);
  });

  it('resumes after Last-Event-ID, which wins over after, with the same events GET /v1/changes lists', async () => {
    const reader = await stream('?after=0', { ...auth(), 'Last-Event-ID': '2' });
    const expected = await feedSubjects(2);
    await waitFor('the rest of the feed', async () => reader.events.length >= expected.length || undefined);
    expect(reader.subjects()).toEqual(expected);
    expect(reader.events[0].id).toBe('3');
  });

  it('keeps tenants apart: another tenant\'s stream never carries this tenant\'s events', async () => {
    const mine = await stream('?after=0', auth(otherKey));
    await put('theirs-1', otherKey);
    await put('default-only');
    await put('theirs-2', otherKey);
    await waitFor('the other tenant\'s two events', async () => mine.events.length >= 2 || undefined);
    await waitFor('the default tenant saw its own', async () => (await feedSubjects(0)).includes('default-only') || undefined);
    expect(mine.events.map((e) => [e.id, e.data.subject, e.data.tenant])).toEqual([['1', 'theirs-1', 'other'], ['2', 'theirs-2', 'other']]);
  });

  it('refuses a request without a credential (401), a bad Last-Event-ID or after (400), in the error format', async () => {
    const anonymous = await stream('?after=0', {});
    expect(anonymous.status).toBe(401);
    const badId = await stream('', { ...auth(), 'Last-Event-ID': 'abc' });
    expect(badId.status).toBe(400);
    expect(badId.error).toMatchObject({ error: { code: 'invalid_last_event_id' } });
    expect((await stream('?after=-1')).status).toBe(400);
  });

  it('answers 410 changes_pruned, before the stream opens, when retention removed the events asked for', async () => {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    await c.query('DELETE FROM tenant_pooled.change_events WHERE tenant_id = \'default\' AND sequence <= 2');
    await c.end();
    const pruned = await stream('?after=0');
    expect(pruned.status).toBe(410);
    expect(pruned.error).toMatchObject({ error: { code: 'changes_pruned' } });
  });
});
