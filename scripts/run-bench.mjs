#!/usr/bin/env node
// Runs every bench/*/run.ts in turn through tsx (`npm run bench`). Extra arguments are passed to
// each benchmark (e.g. `npm run bench -- --quick`). Exits non-zero if any benchmark fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'bench');
const args = process.argv.slice(2);

const suites = readdirSync(benchDir)
  .filter((name) => name !== 'lib' && statSync(join(benchDir, name)).isDirectory() && existsSync(join(benchDir, name, 'run.ts')))
  .sort();

let failed = 0;
for (const name of suites) {
  process.stderr.write(`\n=== bench/${name}/run.ts ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', name, 'run.ts'), ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench/${name}/run.ts failed (${r.signal ?? `exit ${r.status}`})\n`);
  }
}
process.exit(failed ? 1 : 0);
