import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// semver is npm's own range logic (here as a dependency of the toolchain): the one npm ci's EBADENGINE check uses.
const semver = require('semver') as { subset(sub: string, dom: string): boolean; validRange(range: string): string | null };

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The Node.js versions the project claims to run on: package.json's `engines.node`, which the README states. */
const claimed: string = JSON.parse(read('package.json')).engines.node;

describe('the Node.js versions the project claims', () => {
  it('are a valid range, and the README states the same range', () => {
    expect(semver.validRange(claimed)).not.toBeNull();
    expect(read('README.md')).toContain(`\`${claimed}\``);
  });

  it('are allowed by every locked package (else npm ci warns EBADENGINE on some of them)', () => {
    const packages = JSON.parse(read('package-lock.json')).packages as Record<string, { engines?: { node?: string } | string[] }>;
    const excluding = Object.entries(packages)
      .map(([path, p]) => ({ path, node: Array.isArray(p.engines) ? undefined : p.engines?.node }))
      .filter((p): p is { path: string; node: string } => p.node !== undefined && p.path !== '' && !semver.subset(claimed, p.node))
      .map((p) => `${p.path} requires node ${p.node}`);
    expect(excluding).toEqual([]);
  });
});
