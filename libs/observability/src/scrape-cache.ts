/**
 * A reading shared by the scrapes that ask for it within `ttlMs`, and by concurrent ones: some
 * readings cost a round trip to an engine per scrape (consumer lag is several Kafka admin calls).
 */
export function cachedFor<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= ttlMs) {
      const value = read();
      last = { at: Date.now(), value };
      // a failed reading is not kept: the next scrape tries again
      value.catch(() => { if (last?.value === value) last = undefined; });
    }
    return last.value;
  };
}
