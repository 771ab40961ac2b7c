import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { invalid } from '@tributary/errors';

/**
 * On-demand list prices of one public cloud region, per resource, with their date and source: a
 * JSON file (docs/prices/<cloud>-<region>.json, or the user's own). Prices are per unit of a
 * resource so that any deployment's shape can be priced, not per machine type.
 */
const price = z.object({
  usd: z.number().nonnegative(),
  /** Where the price was read. */
  source: z.url(),
});

export const priceTableSchema = z.object({
  cloud: z.string().min(1),
  region: z.string().min(1),
  currency: z.literal('USD'),
  /** The day the prices were read from their sources. */
  pricedOn: z.iso.date(),
  /** Caveats, such as prices not re-checked since `pricedOn`. */
  note: z.string().optional(),
  hoursPerMonth: z.number().positive().default(730),
  prices: z.object({
    vcpuHour: price,
    memoryGibHour: price,
    blockStorageGibMonth: price,
  }).strict(),
}).strict();
export type PriceTable = z.infer<typeof priceTableSchema>;

export function parsePriceTable(text: string, origin: string): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid('cost.bad_price_table', `${origin} is not JSON: ${(err as Error).message}`);
  }
  const parsed = priceTableSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid('cost.bad_price_table', `${origin} is not a price table: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function loadPriceTable(file: string): PriceTable {
  if (!existsSync(file)) throw invalid('cost.bad_price_table', `--prices: no such file ${file}`);
  return parsePriceTable(readFileSync(file, 'utf8'), file);
}
