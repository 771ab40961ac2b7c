import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ENSURE_BUILT = join(ROOT, 'scripts', 'ensure-built.js');

describe('npm start builds only what changed', () => {
  it('a second npm start with no source change does not rebuild', () => {
    const prestart = () => execFileSync('npm', ['run', '--silent', 'prestart'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    const main = join(ROOT, 'dist', 'apps', 'platform', 'src', 'main.js');
    prestart(); // builds if this tree has not been built yet
    const built = statSync(main).mtimeMs;
    const second = prestart();
    expect(second).toContain('dist/ is up to date with the sources; not rebuilding');
    expect(statSync(main).mtimeMs).toBe(built);
  });

  describe('on a project of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-ensure-built-'));
    const source = join(dir, 'apps', 'hello', 'src', 'main.ts');
    const ensureBuilt = (...args: string[]) => execFileSync(process.execPath, [ENSURE_BUILT, ...args], { cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
    const run = () => execFileSync(process.execPath, [join(dir, 'dist', 'apps', 'hello', 'src', 'main.js')], { encoding: 'utf8' }).trim();
    const write = (text: string) => writeFileSync(source, `console.log(${JSON.stringify(text)});\n`);

    beforeAll(() => {
      mkdirSync(join(dir, 'apps', 'hello', 'src'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hello', private: true,
        scripts: { compile: `${JSON.stringify(join(ROOT, 'node_modules', '.bin', 'tsc'))} -p tsconfig.build.json` } }));
      writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({
        compilerOptions: { module: 'commonjs', target: 'es2022', outDir: 'dist', rootDir: '.', types: [] }, include: ['apps/**/*.ts'] }));
      write('one');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('builds the first time, not the second, and again after a source change, so the changed code runs', () => {
      expect(ensureBuilt()).toContain('building (no complete build yet)');
      expect(run()).toBe('one');
      expect(ensureBuilt()).toContain('up to date');
      write('two');
      expect(ensureBuilt()).toContain('building (sources changed since the last build)');
      expect(run()).toBe('two');
    });

    it('never keeps a build of other sources: a forced build of an edit that is then undone is rebuilt', () => {
      write('three');
      ensureBuilt('--force');
      expect(run()).toBe('three');
      write('two');
      expect(ensureBuilt()).toContain('building');
      expect(run()).toBe('two');
    });

    it('rebuilds when an entry point is missing from dist/, and after a failed build', () => {
      unlinkSync(join(dir, 'dist', 'apps', 'hello', 'src', 'main.js'));
      expect(ensureBuilt()).toContain('building');
      expect(run()).toBe('two');
      writeFileSync(source, 'const broken: number = "not a number";\n');
      expect(() => ensureBuilt()).toThrow();
      write('two');
      expect(ensureBuilt()).toContain('building (no complete build yet)');
      expect(run()).toBe('two');
    });
  });
});
