import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './shared.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `irsa ARGS` from source with `input` on stdin. */
export function irsa(args: readonly string[], input = ''): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/irsa-cli.mts'), ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
