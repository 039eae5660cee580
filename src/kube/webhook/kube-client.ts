/**
 * The only module that talks to a Kubernetes API server, through the official client
 * (@kubernetes/client-node): the live ServiceAccount GET, the cluster-wide ServiceAccount informer
 * and the `pod-identity-webhook` ConfigMap informer. Everything else sees `ServiceAccountLookup`
 * and plain objects.
 * @see https://github.com/kubernetes-client/javascript
 */
import { ApiException, CoreV1Api, KubeConfig, ListWatch, Watch, type KubernetesObject, type V1ConfigMap, type V1ServiceAccount } from '@kubernetes/client-node';
import type { KubeObject, ServiceAccountLookup } from '../contracts.js';

/** `--kubeconfig FILE`, else $KUBECONFIG, ~/.kube/config or the in-cluster ServiceAccount. */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error(file ? `kubeconfig \`${file}\` has no current cluster` : 'no kubeconfig found and not running in a cluster');
  // kubectl talks to an http:// server (the embedded API) as is; the client refuses unless TLS
  // verification is marked off, which means nothing without TLS.
  if (kc.clusters.some((c) => c.server.startsWith('http:') && !c.skipTLSVerify)) {
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) => (c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : c)),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.getCurrentContext(),
    });
  }
  return kc;
}

export function apiServerUrl(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '';
}

function plainServiceAccount(sa: V1ServiceAccount): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: sa.metadata?.name,
      namespace: sa.metadata?.namespace,
      uid: sa.metadata?.uid,
      resourceVersion: sa.metadata?.resourceVersion,
      annotations: { ...(sa.metadata?.annotations ?? {}) },
    },
  };
}

/** GET /api/v1/namespaces/NS/serviceaccounts/NAME: undefined on 404, rejects on any other failure. */
export function liveServiceAccounts(kc: KubeConfig): ServiceAccountLookup {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    async get(namespace: string, name: string): Promise<KubeObject | undefined> {
      try {
        return plainServiceAccount(await api.readNamespacedServiceAccount({ name, namespace }));
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return undefined;
        throw e;
      }
    },
  };
}

/** A list+watch kept running: the client's informer stops on an error, this restarts it with backoff. */
export interface Watcher {
  /** The initial list has completed at least once. */
  readonly synced: boolean;
  /** Resolves once synced (or when stopped). */
  whenSynced(): Promise<void>;
  stop(): Promise<void>;
}

export interface WatchHandlers<T> {
  readonly upsert: (obj: T) => void;
  readonly remove: (obj: T) => void;
  readonly log: (line: string) => void;
}

const MAX_BACKOFF_MS = 30_000;

function runInformer<T extends KubernetesObject>(what: string, informer: ListWatch<T>, handlers: WatchHandlers<T>): Watcher {
  let synced = false;
  let stopped = false;
  let errored = false;
  let backoff = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let markSynced: () => void = () => undefined;
  const syncedPromise = new Promise<void>((resolve) => (markSynced = resolve));

  informer.on('add', handlers.upsert);
  informer.on('update', handlers.upsert);
  informer.on('delete', handlers.remove);
  informer.on('error', (err: unknown) => {
    errored = true;
    if (stopped) return;
    handlers.log(`watch ${what}: ${err instanceof Error ? err.message : String(err)}; retrying in ${backoff} ms`);
    clearTimeout(timer);
    timer = setTimeout(start, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  });

  function start(): void {
    if (stopped) return;
    errored = false;
    informer.start().then(
      () => {
        if (errored || stopped) return;
        backoff = 500;
        if (!synced) {
          synced = true;
          handlers.log(`watch ${what}: synced`);
          markSynced();
        }
      },
      () => undefined, // reported through the 'error' callback
    );
  }
  start();

  return {
    get synced() {
      return synced;
    },
    whenSynced: () => syncedPromise,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      markSynced();
      await informer.stop();
    },
  };
}

/** Informer on ServiceAccounts in all namespaces (list/watch `/api/v1/serviceaccounts`). */
export function watchServiceAccounts(kc: KubeConfig, handlers: WatchHandlers<KubeObject>): Watcher {
  const api = kc.makeApiClient(CoreV1Api);
  const informer = new ListWatch<V1ServiceAccount>('/api/v1/serviceaccounts', new Watch(kc), () => api.listServiceAccountForAllNamespaces(), false);
  return runInformer('serviceaccounts', informer, {
    upsert: (sa) => handlers.upsert(plainServiceAccount(sa)),
    remove: (sa) => handlers.remove(plainServiceAccount(sa)),
    log: handlers.log,
  });
}

/**
 * Informer on one ConfigMap (`--watch-config-map`): `onData` gets its `data` on add/update and
 * undefined on delete (upstream keeps stale entries after a delete, §2.4).
 */
export function watchConfigMap(kc: KubeConfig, namespace: string, name: string, onData: (data: Record<string, string> | undefined) => void, log: (line: string) => void): Watcher {
  const api = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  const informer = new ListWatch<V1ConfigMap>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
    new Watch(kc),
    () => api.listNamespacedConfigMap({ namespace, fieldSelector }),
    false,
    undefined,
    fieldSelector,
  );
  return runInformer(`configmap ${namespace}/${name}`, informer, {
    upsert: (cm) => onData({ ...(cm.data ?? {}) }),
    remove: () => onData(undefined),
    log,
  });
}
