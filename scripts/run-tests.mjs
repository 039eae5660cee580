#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx (Node 20 has no glob in
// `--test` and no type stripping). Extra arguments are passed to `node --test` (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = walk(join(root, 'test')).map((f) => relative(root, f)).sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
// Guards so that CI always finishes: a test that hangs fails after 5 minutes, and a file whose
// tests are done exits even if something (a socket, a child) still holds its event loop.
const guards = ['--test-timeout=300000', '--test-force-exit'].filter((g) => !flags.some((f) => f.startsWith(g.split('=')[0])));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...guards, ...flags, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
