import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceAccountLookup, startKubeApiServer, type KubeApiServer } from '../kube/api/index.js';
import { KubeApiClient } from '../kube/exec/api-client.js';
import { execPreparer } from '../kube/exec/pod-session.js';
import { execUpgradeHandler } from '../kube/exec/websocket.js';
import { createPodIdentityWebhook } from '../kube/webhook/webhook.js';
import type { Store, StoreTx } from '../store/store.js';
import type { RunningCluster } from './clusters.js';
import type { Logger } from './log.js';

/**
 * Each local cluster's Kubernetes API: the embedded API server on its own port, with the pod
 * identity webhook run in process on every pod create (the mutation EKS's managed webhook does,
 * with the cluster's region), TokenRequest signed by the cluster's issuer, and `exec` running
 * commands on this machine with the pod's environment and projected tokens, refreshed through
 * the TokenRequest API as the kubelet does. A kubeconfig for all clusters goes into the data
 * directory.
 */
export interface ClusterApi {
  readonly name: string;
  readonly url: string;
  /** Publishes to this API's watches what other replicas committed. */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

/** Keeps each cluster's objects apart in the shared store. */
export function scopedStore(store: Store, cluster: string): Store {
  const prefix = `cluster/${cluster}/`;
  const wrap = (t: StoreTx): StoreTx => ({
    get: (kind, scope, key) => t.get(prefix + kind, scope, key),
    insert: (kind, scope, key, doc) => t.insert(prefix + kind, scope, key, doc),
    put: (kind, scope, key, doc) => t.put(prefix + kind, scope, key, doc),
    delete: (kind, scope, key) => t.delete(prefix + kind, scope, key),
    list: (kind, scope, options) => t.list(prefix + kind, scope, options),
    count: (kind, scope) => t.count(prefix + kind, scope),
    deleteScope: (kind, scope) => t.deleteScope(prefix + kind, scope),
  });
  return {
    backend: store.backend,
    tx: (fn) => store.tx((t) => fn(wrap(t))),
    read: (fn) => store.read((t) => fn(wrap(t))),
    ping: () => store.ping(),
    // The shared store is closed by its owner.
    close: async () => undefined,
  };
}

export async function startClusterApis(options: {
  store: Store;
  clusters: ReadonlyMap<string, RunningCluster>;
  /** The CA the clusters' certificates chain to, published as `kube-root-ca.crt`. */
  caPem: string;
  host: string;
  /** Port of the first cluster's API; the others take free ports. */
  kubePort: number;
  awsEndpoint: string;
  region: string;
  dataDir: string;
  now: () => Date;
  log: Logger;
  /** Other replicas share the store: keep the change log their watches read. */
  sharedStore?: boolean;
  /** False while the store is unreachable: requests are answered 503. */
  available?: () => boolean;
}): Promise<ClusterApi[]> {
  const started: ClusterApi[] = [];
  let first = true;
  try {
    for (const [name, cluster] of options.clusters) {
      const store = scopedStore(options.store, name);
      const webhook = createPodIdentityWebhook({
        settings: { region: options.region },
        sources: { serviceAccounts: serviceAccountLookup(store) },
        log: (line) => options.log.info(`[${name}] webhook: ${line}`),
      });
      // The exec hook needs the API's own URL (TokenRequest like the kubelet); it is known once listening.
      let client: KubeApiClient | undefined;
      let kubeHost = { host: options.host, port: 0 };
      const prepare = execPreparer({
        podsRoot: join(options.dataDir, 'pods', name),
        awsEndpointUrl: options.awsEndpoint,
        defaultRegion: options.region,
        get kubeApi() {
          return kubeHost;
        },
        requestToken: (ns, sa, o) => (client as KubeApiClient).requestToken(ns, sa, o),
        resolve: (kind, ns, n) => (client as KubeApiClient).resolve(kind, ns, n),
        onTokenError: (e, volume) => options.log.error(`[${name}] refreshing the ${volume} token failed`, e),
      });
      const server: KubeApiServer = await startKubeApiServer({
        store,
        host: options.host,
        port: first ? options.kubePort : 0,
        now: options.now,
        tokens: cluster.issuer,
        admission: webhook,
        rootCaPem: options.caPem,
        sharedStore: options.sharedStore === true,
        ...(options.available ? { available: options.available } : {}),
        exec: execUpgradeHandler(prepare, (m) => options.log.info(`[${name}] exec: ${m}`)),
        log: { info: (m: string) => options.log.info(`[${name}] ${m}`), error: (m: string, e?: unknown) => options.log.error(`[${name}] ${m}`, e) },
      });
      client = new KubeApiClient({ server: server.url });
      kubeHost = { host: options.host, port: Number(new URL(server.url).port) };
      started.push({ name, url: server.url, catchUp: () => server.api.catchUp(), close: () => server.close() });
      first = false;
    }
  } catch (e) {
    for (const s of started) await s.close();
    throw e instanceof Error && /EADDRINUSE/.test(e.message) ? new Error(`the Kubernetes API port ${options.kubePort} is in use; pass --kube-port`) : e;
  }
  return started;
}

/** A kubeconfig with one context per cluster; the first is current. */
export function writeKubeconfig(file: string, apis: readonly ClusterApi[]): void {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const a of apis) lines.push(`- name: ${a.name}`, '  cluster:', `    server: ${a.url}`, '    insecure-skip-tls-verify: true');
  lines.push('contexts:');
  for (const a of apis) lines.push(`- name: ${a.name}`, '  context:', `    cluster: ${a.name}`, '    user: irsa-local', '    namespace: default');
  lines.push(`current-context: ${apis[0]?.name ?? ''}`, 'preferences: {}', 'users:', '- name: irsa-local', '  user:', '    token: irsa-local', '');
  writeFileSync(file, lines.join('\n'), { mode: 0o600 });
}
