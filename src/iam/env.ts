import type { RandomBytes } from '../aws/ids.js';
import type { Store, StoreTx } from '../store/store.js';

/**
 * What IAM operations run with: the store, a clock and randomness (injected, so tests can fix
 * them), the sealer for secrets at rest, and a generation counter that tells caches of compiled
 * policies when something changed in this process.
 */
export interface SecretSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

export interface IamEnv {
  readonly store: Store;
  readonly now: () => Date;
  readonly random: RandomBytes;
  readonly partition: string;
  readonly sealer: SecretSealer;
  /** How long caches may trust what they read when other processes share the store (ms). */
  readonly cacheTtlMs: number;
  /** Incremented after every committed IAM change made by this process. */
  generation: number;
}

/** Runs an IAM write transaction and bumps the generation after it commits. */
export async function write<T>(env: IamEnv, fn: (t: StoreTx) => Promise<T>): Promise<T> {
  const out = await env.store.tx(fn);
  env.generation++;
  return out;
}

export function nowIso(env: IamEnv): string {
  return env.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
