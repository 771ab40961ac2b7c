// Lets `npm start` and `npm test` work on a fresh clone: installs the locked dependencies once.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  console.log('tributary: installing dependencies (npm ci), once');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
