import { adminCredentials, secretSealer } from './bootstrap.js';
import { dataDir, readState } from './data-dir.js';
import { StoreConfigError, checkDataKey, dataKeyFor, describeStore, openStore, parseStoreLocation, type DataKeySource } from './store-config.js';
import type { Store } from '../store/store.js';

/**
 * What a client needs to talk to irsa-local as its bootstrap administrator (for `irsa env` and
 * tests): the administrator's key from the store, opened with the data key; the endpoint stored
 * by `--public-url` (replicas store the first one's address), else the one the server in the
 * data directory wrote; the kubeconfig from the data directory when it belongs to that store.
 */
export interface ClientEnvironment {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly kubeconfig: string | undefined;
}

export interface ClientEnvironmentOptions {
  /** `--store` (else $IRSA_STORE, else the data directory's SQLite store). */
  readonly store?: string | undefined;
  /** For PostgreSQL (else $IRSA_DATA_KEY). */
  readonly dataKey?: DataKeySource | undefined;
}

export async function clientEnvironment(path: string, options: ClientEnvironmentOptions = {}): Promise<ClientEnvironment | string> {
  let location;
  let key;
  try {
    location = parseStoreLocation(options.store ?? process.env['IRSA_STORE'], path);
    key = dataKeyFor(location, options.dataKey ?? { env: process.env['IRSA_DATA_KEY'] }, { create: false });
  } catch (e) {
    if (e instanceof StoreConfigError) return e.message;
    throw e;
  }
  const dir = dataDir(location.kind === 'sqlite' ? location.dir : path);
  const where = describeStore(location);
  const found = readState(dir);
  // A data directory's server.json speaks for this store only if that server used it.
  const state = found && (location.kind === 'sqlite' || found.store === where) ? found : undefined;
  if (location.kind === 'sqlite' && !state) return `no irsa-local data in ${dir.path}: start it with \`irsa up --data-dir ${dir.path}\``;
  let store: Store;
  try {
    store = await openStore(location);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    await checkDataKey(store, key, where);
    const creds = await adminCredentials(store, secretSealer(key));
    if (!creds) return `the store ${where} has no bootstrap administrator: start irsa up on it first`;
    const stored = await store.read(async (t) => ({
      publicUrl: (await t.get<{ url: string }>('meta', '', 'public-url'))?.url,
    }));
    const endpoint = stored.publicUrl ?? state?.endpoint;
    if (!endpoint) return `no AWS endpoint is recorded for ${where}: start irsa up on it (or pass it --public-url)`;
    return { endpoint, region: state?.region ?? 'us-east-1', ...creds, kubeconfig: state?.kubeconfig };
  } catch (e) {
    if (e instanceof StoreConfigError) return e.message;
    throw e;
  } finally {
    await store.close();
  }
}
