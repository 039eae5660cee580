import { adminCredentials, secretSealer } from './bootstrap.js';
import { dataDir, loadDataKey, readState } from './data-dir.js';
import { openSqliteStore } from '../store/sqlite.js';

/**
 * What a client needs to talk to irsa-local as its bootstrap administrator, read from a data
 * directory (for `irsa env` and tests).
 */
export interface ClientEnvironment {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly kubeconfig: string | undefined;
}

export async function clientEnvironment(path: string): Promise<ClientEnvironment | string> {
  const dir = dataDir(path);
  const state = readState(dir);
  const key = loadDataKey(dir);
  if (!state || !key) return `no irsa-local data in ${dir.path}: start it with \`irsa up --data-dir ${dir.path}\``;
  const store = openSqliteStore(dir.storeFile);
  try {
    const creds = await adminCredentials(store, secretSealer(key));
    if (!creds) return `the store in ${dir.path} has no bootstrap administrator`;
    return { endpoint: state.endpoint, region: state.region, ...creds, kubeconfig: state.kubeconfig };
  } finally {
    await store.close();
  }
}
