import { resolve } from 'node:path';
import { DomainError } from '@tributary/errors';
import { loadPriceTable, parsePriceTable, PriceTable } from './price-table';

const price = (usd: number) => ({ usd, source: 'https://example.com/pricing' });
const table = (overrides: Record<string, unknown> = {}) => JSON.stringify({
  cloud: 'acme', region: 'north-1', currency: 'USD', pricedOn: '2026-01-01',
  prices: { vcpuHour: price(0.04), memoryGibHour: price(0.005), blockStorageGibMonth: price(0.08) }, ...overrides });

function refusal(text: string): DomainError {
  try {
    parsePriceTable(text, 'prices.json');
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe(parsePriceTable.name, () => {
  it('reads the prices, with 730 hours a month unless the table says otherwise', () => {
    const parsed: PriceTable = parsePriceTable(table(), 'prices.json');
    expect(parsed.prices.vcpuHour.usd).toBe(0.04);
    expect(parsed.hoursPerMonth).toBe(730);
    expect(parsePriceTable(table({ hoursPerMonth: 720 }), 'prices.json').hoursPerMonth).toBe(720);
  });

  it.each([
    ['not JSON', '{"cloud":', 'prices.json is not JSON'],
    ['a price left out', table({ prices: { vcpuHour: price(0.04), memoryGibHour: price(0.005) } }), 'prices.blockStorageGibMonth'],
    ['a negative price', table({ prices: { vcpuHour: price(-1), memoryGibHour: price(0.005), blockStorageGibMonth: price(0.08) } }), 'prices.vcpuHour.usd'],
    ['a price without its source', table({ prices: { vcpuHour: { usd: 1 }, memoryGibHour: price(0.005), blockStorageGibMonth: price(0.08) } }), 'prices.vcpuHour.source'],
    ['a resource the model does not price', table({ prices: { vcpuHour: price(1), memoryGibHour: price(0.005), blockStorageGibMonth: price(0.08), gpuHour: price(2) } }), 'gpuHour'],
    ['no date', table({ pricedOn: undefined }), 'pricedOn'],
    ['a date that is not one', table({ pricedOn: 'last spring' }), 'pricedOn'],
    ['another currency', table({ currency: 'EUR' }), 'currency'],
  ])('refuses %s, saying where', (_, text, where) => {
    const err = refusal(text);
    expect(err.code).toBe('cost.bad_price_table');
    expect(err.message).toContain(where);
  });

  it('refuses a file that is not there', () => {
    expect(() => loadPriceTable('/nonexistent/prices.json')).toThrow('--prices: no such file /nonexistent/prices.json');
  });

  it('reads the table committed in docs/prices, dated and sourced', () => {
    const committed = loadPriceTable(resolve(__dirname, '../../../docs/prices/gcp-us-central1.json'));
    expect(committed).toMatchObject({ cloud: 'gcp', region: 'us-central1' });
    expect(committed.note).toContain('not re-checked');
  });
});
