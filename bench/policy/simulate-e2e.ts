import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/shared.js';
import { CURRENT_TIME, type BenchCase } from './corpus.js';

/**
 * `irsa simulate` end to end: the corpus as a JSON Lines file (the case format of
 * src/simulate/case.ts, policies inline on every line as a user would write them), run by the
 * built CLI in a child process with its output sent to /dev/null.
 */
export function caseLine(c: BenchCase): string {
  const o: Record<string, unknown> = {
    identity: c.identity.map((p) => p.doc),
    ...(c.boundary ? { boundary: [c.boundary.doc] } : {}),
    ...(c.scp ? { scp: c.scp.map((level) => level.map((p) => p.doc)) } : {}),
    ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy.doc, resourcePolicyKind: c.resourcePolicyKind ?? 'resource' } : {}),
    resourceOwner: c.resourceAccount,
    caller: c.caller,
    action: c.action,
    resource: c.resource,
    context: c.context,
  };
  return JSON.stringify(o);
}

/** Writes `lines` cases (the corpus repeated) and returns the path and size. */
export function writeCasesFile(corpus: readonly BenchCase[], lines: number): { path: string; bytes: number } {
  const dir = join(process.env['IRSA_BENCH_DIR'] ?? join(tmpdir(), 'irsa-local-bench'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `simulate-${lines}.jsonl`);
  const rendered = corpus.map((c) => `${caseLine(c)}\n`);
  const fd = openSync(path, 'w');
  try {
    let chunk: string[] = [];
    let size = 0;
    for (let i = 0; i < lines; i++) {
      const l = rendered[i % rendered.length] as string;
      chunk.push(l);
      size += l.length;
      if (size > 1 << 22) {
        writeSync(fd, chunk.join(''));
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length) writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
  return { path, bytes: statSync(path).size };
}

export interface BuildResult {
  readonly ok: boolean;
  readonly note: string;
}

/** `npm run build`, so bin/irsa.js runs the current sources. */
export function build(): BuildResult {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status === 0) return { ok: true, note: 'npm run build: ok' };
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(0, 5).join(' / ');
  const usable = existsSync(join(repoRoot, 'dist', 'cli', 'main.js'));
  return { ok: usable, note: `npm run build failed (${out})${usable ? '; using the existing dist/' : ''}` };
}

export interface E2eResult {
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly stderr: string;
}

export function runSimulate(path: string): E2eResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'irsa.js'), 'simulate', path, '--now', CURRENT_TIME], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, exitCode: r.status, stderr: (r.stderr ?? '').slice(0, 2000) };
}
