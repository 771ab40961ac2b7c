// Builds dist/ only when what the build reads changed since the last build, so that a second `npm start`
// does not spend its time in tsc, and never runs code older than the sources.
//
//   node scripts/ensure-built.js           build if the sources differ from the last build (prestart, pretest)
//   node scripts/ensure-built.js --force   build anyway (`npm run build`)
//
// The last build is recorded in dist/.build-stamp as a hash of the contents of every file it reads
// (not of modification times, which a checkout or a copy can move either way). The stamp is removed
// before a build starts and written, with the hash taken before it started, only once it succeeded:
// a failed or interrupted build, or a source edited during it, makes the next run build again.
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

// npm runs scripts from the package root.
const root = process.cwd();
const stampFile = join(root, 'dist', '.build-stamp');

// What the build compiles (tsconfig.build.json: apps, libs and bench, plus the test support bench
// imports; Vite: the console in apps/console), without what it leaves out (specs, contract suites),
// and what decides how it compiles.
const SOURCE_DIRS = ['apps', 'libs', 'bench', 'test'];
const LEFT_OUT = /\.(spec|contract)\.ts$/;
const CONFIG_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function filesUnder(dir) {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|json|css|html)$/.test(e.name) && !LEFT_OUT.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(root.length + 1));
}

function sourceHash() {
  const files = [...SOURCE_DIRS.flatMap(filesUnder), ...CONFIG_FILES.filter((f) => existsSync(join(root, f)))].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  return hash.digest('hex');
}

/** Every app's entry point, and the console's page, is in dist/ (a stamp does not help if dist/ was partly deleted since). */
function entryPointsBuilt() {
  const apps = existsSync(join(root, 'apps')) ? readdirSync(join(root, 'apps')) : [];
  return apps.every((app) => !existsSync(join(root, 'apps', app, 'src', 'main.ts')) || existsSync(join(root, 'dist', 'apps', app, 'src', 'main.js')))
    && (!existsSync(join(root, 'apps', 'console', 'index.html')) || existsSync(join(root, 'dist', 'console', 'index.html')));
}

const force = process.argv.includes('--force');
const hash = sourceHash();
const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
if (!force && stamp === hash && entryPointsBuilt()) {
  console.log('tributary: dist/ is up to date with the sources; not rebuilding');
} else {
  if (!force) console.log(`tributary: building (${stamp === null ? 'no complete build yet' : 'sources changed since the last build'})`);
  rmSync(stampFile, { force: true });
  try {
    execSync('npm run compile', { cwd: root, stdio: 'inherit' });
  } catch (err) {
    process.exit(err.status || 1); // the compiler has said why
  }
  writeFileSync(stampFile, `${hash}\n`);
}
