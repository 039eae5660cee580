import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The data directory: the embedded store, the key that encrypts secrets at rest, and what a
 * running `irsa up` tells other commands (`irsa env`). Private to its owner (0700 / 0600).
 * Default: $IRSA_DATA_DIR, else ~/.irsa-local.
 */
export function defaultDataDir(): string {
  return process.env['IRSA_DATA_DIR'] || join(homedir(), '.irsa-local');
}

export interface DataDir {
  readonly path: string;
  readonly storeFile: string;
  readonly keyFile: string;
  readonly stateFile: string;
}

export function dataDir(path: string): DataDir {
  const p = resolve(path);
  return { path: p, storeFile: join(p, 'store.db'), keyFile: join(p, 'data.key'), stateFile: join(p, 'server.json') };
}

export function ensureDataDir(d: DataDir): void {
  mkdirSync(d.path, { recursive: true, mode: 0o700 });
  chmodSync(d.path, 0o700);
}

/** The 32-byte key that encrypts secrets at rest; created on first use. */
export function loadOrCreateDataKey(d: DataDir): Buffer {
  if (existsSync(d.keyFile)) {
    const k = Buffer.from(readFileSync(d.keyFile, 'utf8').trim(), 'base64');
    if (k.length !== 32) throw new Error(`${d.keyFile} does not hold a 32-byte key`);
    return k;
  }
  const k = randomBytes(32);
  writeFileSync(d.keyFile, `${k.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return k;
}

export function loadDataKey(d: DataDir): Buffer | undefined {
  return existsSync(d.keyFile) ? Buffer.from(readFileSync(d.keyFile, 'utf8').trim(), 'base64') : undefined;
}

/** What a running server writes for other commands. */
export interface ServerState {
  readonly pid: number;
  readonly endpoint: string;
  readonly region: string;
  readonly account: string;
  readonly store: string;
  readonly startedAt: string;
  /** The first cluster's Kubernetes API and the kubeconfig for all clusters. */
  readonly kubeEndpoint?: string | undefined;
  /** The AWS endpoint clients are told to use (`--public-url`), when it is not `endpoint`. */
  readonly publicUrl?: string | undefined;
  readonly kubeconfig?: string | undefined;
}

export function writeState(d: DataDir, s: ServerState): void {
  writeFileSync(d.stateFile, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
}

export function readState(d: DataDir): ServerState | undefined {
  try {
    return JSON.parse(readFileSync(d.stateFile, 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}
