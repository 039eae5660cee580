/**
 * A minimal Kubernetes API over HTTPS for the informer tests, until the embedded one exists:
 * list, watch and get of ServiceAccounts (all namespaces) and list/watch of ConfigMaps in a
 * namespace with a `metadata.name` field selector. Bearer-token auth, a test CA, resourceVersions.
 * Watch events can be held back to play a ServiceAccount created just before its pod (#174).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { createTestCa, issueCert } from '../../support/tls.js';

interface WatchClient {
  readonly kind: 'ServiceAccount' | 'ConfigMap';
  readonly namespace?: string;
  readonly name?: string;
  readonly res: ServerResponse;
}

export interface FakeKubeApi {
  readonly url: string;
  readonly caPem: string;
  /** `namespace/name` of every single-object GET, in order. */
  readonly gets: string[];
  /** Creates or replaces a ServiceAccount; `watch: false` holds the watch event back. */
  putServiceAccount(sa: KubeObject, options?: { watch?: boolean }): void;
  deleteServiceAccount(namespace: string, name: string): void;
  putConfigMap(namespace: string, name: string, data: Record<string, string>): void;
  /** Ends every open watch (as an API server restart or a watch timeout does). */
  dropWatches(): void;
  /** Writes a kubeconfig for this server and returns its path. */
  writeKubeconfig(): string;
  close(): Promise<void>;
}

const TOKEN = 'fake-kube-api-token';

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const ca = createTestCa({ commonName: 'fake kube-apiserver CA' });
  const cert = issueCert(ca, ['127.0.0.1']);
  let rv = 100;
  const serviceAccounts = new Map<string, KubeObject>();
  const configMaps = new Map<string, KubeObject>();
  const watches = new Set<WatchClient>();
  const gets: string[] = [];

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const status = (res: ServerResponse, code: number, reason: string, message: string): void =>
    json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const emit = (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void => {
    for (const w of watches) {
      if (w.kind !== obj.kind) continue;
      if (w.namespace !== undefined && w.namespace !== obj.metadata?.namespace) continue;
      if (w.name !== undefined && w.name !== obj.metadata?.name) continue;
      w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  };
  const stamp = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv), uid: obj.metadata?.uid ?? `uid-${rv}` } });
  const list = (kind: string, items: KubeObject[]) => ({ kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items });
  const startWatch = (res: ServerResponse, client: Omit<WatchClient, 'res'>): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w = { ...client, res };
    watches.add(w);
    res.on('close', () => watches.delete(w));
  };

  const server: Server = createServer({ cert: cert.fullChainPem, key: cert.keyPem }, (req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'https://fake');
    const watch = url.searchParams.get('watch') === 'true';
    let m: RegExpExecArray | null;
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'only GET');
    if (url.pathname === '/api/v1/serviceaccounts') {
      if (watch) return startWatch(res, { kind: 'ServiceAccount' });
      return json(res, 200, list('ServiceAccount', [...serviceAccounts.values()]));
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)$/.exec(url.pathname))) {
      const key = `${m[1]}/${m[2]}`;
      gets.push(key);
      const sa = serviceAccounts.get(key);
      return sa ? json(res, 200, sa) : status(res, 404, 'NotFound', `serviceaccounts "${m[2]}" not found`);
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps$/.exec(url.pathname))) {
      const namespace = m[1] as string;
      const name = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
      if (watch) return startWatch(res, { kind: 'ConfigMap', namespace, ...(name === undefined ? {} : { name }) });
      return json(res, 200, list('ConfigMap', [...configMaps.values()].filter((c) => c.metadata?.namespace === namespace && (name === undefined || c.metadata?.name === name))));
    }
    return status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caPem: ca.certPem,
    gets,
    putServiceAccount(sa, options = {}) {
      const key = `${sa.metadata?.namespace}/${sa.metadata?.name}`;
      const existed = serviceAccounts.has(key);
      const stored = stamp({ apiVersion: 'v1', kind: 'ServiceAccount', ...sa });
      serviceAccounts.set(key, stored);
      if (options.watch !== false) emit(existed ? 'MODIFIED' : 'ADDED', stored);
    },
    deleteServiceAccount(namespace, name) {
      const sa = serviceAccounts.get(`${namespace}/${name}`);
      if (!sa) return;
      serviceAccounts.delete(`${namespace}/${name}`);
      emit('DELETED', stamp(sa));
    },
    putConfigMap(namespace, name, data) {
      const key = `${namespace}/${name}`;
      const existed = configMaps.has(key);
      const stored = stamp({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name }, data });
      configMaps.set(key, stored);
      emit(existed ? 'MODIFIED' : 'ADDED', stored);
    },
    dropWatches() {
      for (const w of watches) w.res.end();
      watches.clear();
    },
    writeKubeconfig() {
      const file = join(mkdtempSync(join(tmpdir(), 'irsa-kubeconfig-')), 'config');
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: url, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
        users: [{ name: 'tester', user: { token: TOKEN } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester' } }],
        'current-context': 'fake',
      };
      writeFileSync(file, JSON.stringify(config));
      return file;
    },
    close() {
      for (const w of watches) w.res.end();
      watches.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
