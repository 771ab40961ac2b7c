import { uuidv7 } from './uuid-v7';

describe(uuidv7.name, () => {
  it('is a version 7, variant 10 UUID carrying the time in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 24, 23, 0, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('orders by time across milliseconds and never repeats within one', () => {
    const earlier = uuidv7(1_000);
    const later = uuidv7(1_001);
    expect(earlier < later).toBe(true);
    const same = new Set(Array.from({ length: 10_000 }, () => uuidv7(5_000)));
    expect(same.size).toBe(10_000);
  });
});
