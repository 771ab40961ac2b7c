import { credential } from './session';
import type { Change } from './api';

/**
 * Follows the tenant's change feed (`GET /v1/changes/stream`, server-sent events) and calls `onChange`
 * for each change, from now on. Read with fetch, not EventSource, which cannot send the
 * Authorization header; after a dropped connection it resumes with `Last-Event-ID` (the last
 * sequence seen), so that no change is missed. Returns a function that stops it.
 */
export function followChanges(onChange: (change: Change) => void): () => void {
  const stop = new AbortController();
  let lastId: string | null = null;
  void (async () => {
    let wait = 500;
    while (!stop.signal.aborted) {
      try {
        const key = credential();
        if (!key) return;
        const response = await fetch('/v1/changes/stream', { signal: stop.signal,
          headers: { accept: 'text/event-stream', authorization: `Bearer ${key}`, ...(lastId ? { 'last-event-id': lastId } : {}) } });
        if (response.status === 401 || response.status === 403) return;
        if (!response.ok || !response.body) throw new Error(`change stream answered ${response.status}`);
        wait = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = parseEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (event.id) lastId = event.id;
            if (event.event === 'change' && event.data) onChange(JSON.parse(event.data) as Change);
          }
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        console.warn('change stream interrupted; reconnecting', err);
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 10_000);
    }
  })();
  return () => stop.abort();
}

function parseEvent(block: string): { id?: string; event?: string; data?: string } {
  const out: { id?: string; event?: string; data?: string } = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') out.id = value;
    else if (field === 'event') out.event = value;
    else if (field === 'data') out.data = out.data === undefined ? value : `${out.data}\n${value}`;
  }
  return out;
}
