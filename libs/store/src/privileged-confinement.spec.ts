import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Kysely } from 'kysely';
import { Pool } from 'pg';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { Database } from './database';
import * as store from './index';
import { SecretBox } from './secret-box';

const ROOT = join(__dirname, '..', '..', '..');
const STORE = join(ROOT, 'libs', 'store');

/** The TypeScript files under `dir`, dependencies and build output left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' || path === STORE ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The public members of T that hold a connection (a query builder or a pool). */
type Connections<T> = { [K in keyof T]: T[K] extends Kysely<never> | Pool ? K : never }[keyof T];

describe('the privileged connection', () => {
  it('is not exported by the package', () => {
    expect(Object.keys(store).filter((name) => /privileged/i.test(name))).toEqual([]);
  });

  it('is not a public member of Database (checked by the compiler)', () => {
    // fails to compile as soon as Database shows a query builder or a pool
    const none: [Connections<Database>] extends [never] ? true : false = true;
    expect(none).toBe(true);
  });

  it('is not reachable through any property of an open Database', async () => {
    const db = await createTestDatabase();
    const database = await Database.open({ url: db.url, appRole: 'tributary_app', poolSize: 1, secrets: new SecretBox(randomBytes(32).toString('base64')) });
    try {
      const values = Object.values(database).flatMap((v) => (v && typeof v === 'object' ? [v, ...Object.values(v)] : [v]));
      expect(values.filter((v) => v instanceof Kysely || v instanceof Pool)).toEqual([]);
    } finally {
      await database.close();
      await db.drop();
    }
  });

  it('is used nowhere outside libs/store: apps, the other libs, tests and benchmarks', () => {
    const uses = ['apps', 'libs', 'test', 'bench'].flatMap((dir) => sources(join(ROOT, dir))).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const found = [
        ...text.matchAll(/from\s+['"][^'"]*store\/src\/privileged['"]/g),
        ...text.matchAll(/\bdatabase\.(control|privileged)\b/g),
      ];
      return found.map((m) => `${relative(ROOT, file)}: ${m[0]}`);
    });
    expect(uses).toEqual([]);
  });
});
