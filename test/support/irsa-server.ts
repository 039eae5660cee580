import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientEnvironment } from '../../src/server/client-env.js';
import { repoRoot } from './shared.js';

/**
 * `irsa up` as users run it: a child process on a free port with a temporary data directory,
 * started from source. `env` is what `irsa env` prints, as a map for child processes.
 */
export interface IrsaProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `command` replaces the default script and arguments (`test/support/irsa-cli.mts up …`), for a
 * wrapper such as test/support/irsa-clock.mts; `dataDir` is then the caller's to pass.
 */
export interface StartIrsaOptions {
  dataDir?: string;
  args?: string[];
  extraEnv?: Record<string, string>;
  command?: (dataDir: string) => string[];
  /** `--store` (e.g. a PostgreSQL URL shared by replicas); the data directory's SQLite store otherwise. */
  store?: string;
  /** $IRSA_DATA_KEY for the server and for reading its environment (required with PostgreSQL). */
  dataKey?: string;
}

export async function startIrsa(options: StartIrsaOptions = {}): Promise<IrsaProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'irsa-e2e-'));
  const storeArgs = options.store === undefined ? [] : ['--store', options.store];
  const command = options.command?.(dataDir) ?? [join(repoRoot, 'test/support/irsa-cli.mts'), 'up', '--data-dir', dataDir, '--port', '0', '--oidc-port', '0', '--kube-port', '0', '--quiet', ...storeArgs, ...(options.args ?? [])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...command], {
    cwd: repoRoot,
    env: { ...process.env, ...(options.dataKey === undefined ? {} : { IRSA_DATA_KEY: options.dataKey }), ...options.extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`irsa up did not start:\n${out}`)), 60_000);
    const check = (): void => {
      const m = /AWS endpoint(?: \([^)]*\))?: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`irsa up exited with ${String(code)}:\n${out}`));
    });
  });
  const env = await clientEnvironment(dataDir, { store: options.store, dataKey: { env: options.dataKey } });
  if (typeof env === 'string') {
    child.kill('SIGTERM');
    throw new Error(env);
  }
  return {
    url,
    dataDir,
    child,
    output: () => out,
    env: {
      // Replicas share one stored public endpoint; a test talks to this process.
      AWS_ENDPOINT_URL: options.store === undefined ? env.endpoint : url,
      AWS_REGION: env.region,
      AWS_DEFAULT_REGION: env.region,
      AWS_ACCESS_KEY_ID: env.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.secretAccessKey,
      ...(env.kubeconfig ? { KUBECONFIG: env.kubeconfig } : {}),
    },
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A private HOME for AWS clients in this test process: the aws CLI caches web identity
 * credentials under ~/.aws/cli/cache, which would leak sessions between servers and runs.
 */
let clientHome: string | undefined;
function clientHomeDir(): string {
  if (!clientHome) {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-client-home-'));
    clientHome = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return clientHome;
}

/** A clean environment for AWS clients: nothing from the developer's own AWS setup leaks in. */
export function awsEnv(extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) base[k] = v;
  return {
    ...base,
    HOME: clientHomeDir(),
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs the real `aws` CLI. */
export function aws(args: readonly string[], env: Record<string, string>, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('aws', args, { env: awsEnv(env), encoding: 'utf8', cwd, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
