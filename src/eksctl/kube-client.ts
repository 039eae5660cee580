/**
 * The Kubernetes API through a kubeconfig, with the official client (@kubernetes/client-node),
 * as kubectl would reach it. eksctl builds its client from DescribeCluster's endpoint; irsa reads
 * the kubeconfig `irsa up` writes and picks the context whose server is that same endpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig, type V1ServiceAccount } from '@kubernetes/client-node';
import { ApiError, EksctlError, type KubeApi, type ServiceAccountInfo } from './ports.js';

/** `--kubeconfig`, else $KUBECONFIG, else `<data-dir>/kubeconfig`. */
export function kubeconfigSource(flag: string | undefined, dataDir: string, env: NodeJS.ProcessEnv = process.env): { kind: 'file' | 'env'; path: string } {
  if (flag) return { kind: 'file', path: flag };
  if (env['KUBECONFIG']) return { kind: 'env', path: env['KUBECONFIG'] };
  return { kind: 'file', path: join(dataDir, 'kubeconfig') };
}

const sameServer = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export interface LoadedKubeConfig {
  readonly kc: KubeConfig;
  /** Set when no context's server is the cluster's endpoint and the current context is used instead. */
  readonly mismatch?: string;
}

/** Loads the kubeconfig and selects the context whose cluster server is `endpoint`. */
export function loadKubeConfig(source: { kind: 'file' | 'env'; path: string }, endpoint: string | undefined): LoadedKubeConfig {
  const kc = new KubeConfig();
  if (source.kind === 'file') {
    if (!existsSync(source.path)) throw new EksctlError(`no kubeconfig at ${source.path}: start \`irsa up\` with its Kubernetes API, or pass --kubeconfig`);
    kc.loadFromFile(source.path);
  } else {
    kc.loadFromDefault();
  }
  if (endpoint) {
    const ctx = kc.getContexts().find((c) => {
      const cl = kc.getCluster(c.cluster);
      return cl !== null && sameServer(cl.server, endpoint);
    });
    if (ctx) {
      kc.setCurrentContext(ctx.name);
      return { kc };
    }
  }
  if (!kc.getCurrentCluster()) throw new EksctlError(`kubeconfig ${source.path} has no current context`);
  const mismatch = endpoint
    ? `kubeconfig ${source.path} has no context for the cluster's API server ${endpoint}; using its current context "${kc.getCurrentContext()}" (${kc.getCurrentCluster()?.server ?? ''})`
    : undefined;
  return mismatch ? { kc, mismatch } : { kc };
}

function apiError(e: unknown): unknown {
  if (e instanceof ApiException) {
    let message = e.message;
    try {
      const body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as { message?: unknown } | undefined;
      if (body && typeof body.message === 'string') message = body.message;
    } catch {
      // the body was not a Status; keep the client's message
    }
    return new ApiError(String(e.code), message);
  }
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: { code?: unknown }; code?: unknown }).cause?.code ?? (e as Error & { code?: unknown }).code;
    return new ApiError(typeof cause === 'string' ? cause : e.name, e.message);
  }
  return e;
}

async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw apiError(e);
  }
}

async function orUndefinedOn404<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call(f);
  } catch (e) {
    if (e instanceof ApiError && e.code === '404') return undefined;
    throw e;
  }
}

function info(sa: V1ServiceAccount): ServiceAccountInfo {
  return {
    namespace: sa.metadata?.namespace ?? '',
    name: sa.metadata?.name ?? '',
    labels: { ...(sa.metadata?.labels ?? {}) },
    annotations: { ...(sa.metadata?.annotations ?? {}) },
  };
}

export function kubeApi(kc: KubeConfig): KubeApi {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    server: kc.getCurrentCluster()?.server ?? '',
    async namespaceExists(name) {
      return (await orUndefinedOn404(() => core.readNamespace({ name }))) !== undefined;
    },
    async createNamespace(name) {
      await call(() => core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } }));
    },
    async deleteNamespace(name) {
      await call(() => core.deleteNamespace({ name }));
    },
    async getServiceAccount(namespace, name) {
      const sa = await orUndefinedOn404(() => core.readNamespacedServiceAccount({ namespace, name }));
      return sa && info(sa);
    },
    async listServiceAccounts(namespace) {
      const list = await call(() => (namespace === undefined ? core.listServiceAccountForAllNamespaces() : core.listNamespacedServiceAccount({ namespace })));
      return list.items.map(info);
    },
    async createServiceAccount(sa) {
      await call(() =>
        core.createNamespacedServiceAccount({
          namespace: sa.namespace,
          body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.namespace, labels: { ...sa.labels }, annotations: { ...sa.annotations } } },
        }),
      );
    },
    async updateServiceAccountMetadata(sa) {
      const current = await call(() => core.readNamespacedServiceAccount({ namespace: sa.namespace, name: sa.name }));
      current.metadata = { ...current.metadata, labels: { ...sa.labels }, annotations: { ...sa.annotations } };
      await call(() => core.replaceNamespacedServiceAccount({ namespace: sa.namespace, name: sa.name, body: current }));
    },
    async deleteServiceAccount(namespace, name) {
      await call(() => core.deleteNamespacedServiceAccount({ namespace, name }));
    },
  };
}
