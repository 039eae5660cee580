import { spawn, spawnSync } from 'node:child_process';
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

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  readonly input?: string;
}

/**
 * Runs a command without blocking this process — for tests whose servers (kube API, fakes) answer
 * from this same event loop, where spawnSync would deadlock.
 */
export function spawnCollect(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** `irsa ARGS` from source, asynchronously (see spawnCollect). */
export function irsaAsync(args: readonly string[], options: SpawnOptions = {}): Promise<CliResult> {
  return spawnCollect(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/irsa-cli.mts'), ...args], options);
}
