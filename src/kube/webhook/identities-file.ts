/**
 * `--watch-container-credentials-config FILE`: the EKS Pod Identity identities, re-read when the
 * file changes (§2.1). A missing or empty file means no identities; malformed JSON keeps the
 * previous set and is retried with backoff (10 ms doubling up to 5 min), as upstream does.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { parseContainerCredentialsIdentities } from './sources.js';

export interface IdentitiesFile {
  /** Whether `namespace/serviceAccount` is listed. */
  has(namespace: string, serviceAccount: string): boolean;
  readonly size: number;
  close(): void;
}

const FIRST_RETRY_MS = 10;
const MAX_RETRY_MS = 5 * 60_000;

export function watchIdentitiesFile(path: string, log: (line: string) => void, intervalMs = 1000): IdentitiesFile {
  let identities = new Set<string>();
  let retryMs = FIRST_RETRY_MS;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const load = (): void => {
    clearTimeout(retry);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`reading ${path}: ${(e as Error).message}`);
      text = '';
    }
    try {
      identities = parseContainerCredentialsIdentities(text);
      retryMs = FIRST_RETRY_MS;
      log(`container credentials config ${path}: ${identities.size} identit${identities.size === 1 ? 'y' : 'ies'}`);
    } catch (e) {
      log(`container credentials config ${path} is malformed, keeping the previous one (retry in ${retryMs} ms): ${(e as Error).message}`);
      retry = setTimeout(load, retryMs);
      retry.unref();
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  load();
  const listener = (cur: { mtimeMs: number; size: number }, prev: { mtimeMs: number; size: number }): void => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) load();
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return {
    has: (namespace, serviceAccount) => identities.has(`${namespace}/${serviceAccount}`),
    get size() {
      return identities.size;
    },
    close() {
      clearTimeout(retry);
      unwatchFile(path, listener);
    },
  };
}
