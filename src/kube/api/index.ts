/**
 * The embedded Kubernetes API: what the real kubectl, client libraries and the pod identity
 * webhook talk to. Namespaces, ServiceAccounts (+ TokenRequest), Pods (+ exec routing), Events,
 * Secrets, ConfigMaps, Nodes, Deployments, ReplicaSets and MutatingWebhookConfigurations, kept
 * in the store; controllers run pods and workloads in process. Design: docs/kube-api.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Store } from '../../store/store.js';
import type { KubeObject, PodAdmission, ServiceAccountLookup, ServiceAccountTokenIssuer } from '../contracts.js';
import { createControllers } from './controllers.js';
import { KubeStatusError } from './errors.js';
import { routeUpgrade, type ExecHandler } from './exec-route.js';
import { route } from './handler.js';
import { sendStatusError } from './http-io.js';
import { nodeObject } from './kinds/pod-status.js';
import { Repository } from './repository.js';
import { NAMESPACES, NODES, SERVICE_ACCOUNTS } from './resources.js';
import { KubeService, timestamp, type KubeLog } from './service.js';
import { WatchHub } from './watch-hub.js';

export type { ExecHandler } from './exec-route.js';
export type { KubeLog } from './service.js';

export interface KubeApiDeps {
  readonly store: Store;
  readonly now?: () => Date;
  /** `size` random bytes (uids, name suffixes, container ids); crypto.randomBytes by default. */
  readonly random?: (size: number) => Uint8Array;
  readonly tokens: ServiceAccountTokenIssuer;
  readonly admission?: PodAdmission;
  /** The WebSocket exec handler; called with the resolved pod and a validated container name. */
  readonly exec?: ExecHandler;
  /** The cluster CA, published in every namespace as ConfigMap `kube-root-ca.crt`. */
  readonly rootCaPem?: string;
  readonly log?: KubeLog;
  /**
   * Other processes share the store (replicas): keep a change log in it, so that `catchUp` can
   * publish their changes to this API's watches.
   */
  readonly sharedStore?: boolean;
  /** False while the store cannot be reached: every request is answered 503 ServiceUnavailable. */
  readonly available?: () => boolean;
}

export interface KubeApi {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  readonly controllers: { start(): void; stop(): Promise<void>; idle(): Promise<void> };
  /** Resolves once bootstrap objects exist (handle() waits for it too). */
  ready(): Promise<void>;
  /** Publishes to watches what other processes sharing the store committed (see `sharedStore`). */
  catchUp(): Promise<void>;
  /** Ends open watches and stops the controllers; the store stays open (the caller owns it). */
  close(): Promise<void>;
}

/** Namespaces every cluster starts with. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function bootstrap(svc: KubeService, hub: WatchHub, repo: Repository): Promise<void> {
  const ctx = svc.context();
  await svc.write(async (w) => {
    for (const name of SYSTEM_NAMESPACES) {
      if (await w.get(NAMESPACES, undefined, name)) continue;
      await w.create(NAMESPACES, {
        metadata: { name, uid: svc.uid(), creationTimestamp: timestamp(ctx.now), labels: { 'kubernetes.io/metadata.name': name } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
      if (!(await w.get(SERVICE_ACCOUNTS, name, 'default'))) await svc.createDefaultServiceAccount(w, name, ctx);
    }
    // Namespaces made before the CA was known (or by an older version) get it too.
    for (const ns of await w.list(NAMESPACES)) {
      if (!ns.metadata?.deletionTimestamp) await svc.publishRootCa(w, ns.metadata?.name ?? '', ctx);
    }
    const node = nodeObject(timestamp(ctx.now));
    if (!(await w.get(NODES, undefined, node.metadata?.name ?? ''))) {
      await w.create(NODES, { ...node, metadata: { ...node.metadata, uid: svc.uid(), creationTimestamp: timestamp(ctx.now) } });
    }
  });
  const rv = await svc.repo.currentResourceVersion();
  hub.setFloor(rv);
  repo.startLogAt(rv);
}

export function createKubeApi(deps: KubeApiDeps): KubeApi {
  const now = deps.now ?? (() => new Date());
  const hub = new WatchHub();
  const repo = new Repository(deps.store, hub, { changeLog: deps.sharedStore === true });
  const svc = new KubeService({ repo, now, random: deps.random ?? KubeService.randomBytes, admission: deps.admission, log: deps.log, rootCaPem: deps.rootCaPem });
  const closing = new Set<() => void>();
  const controllers = createControllers(svc, hub, deps.log);
  const readyP = bootstrap(svc, hub, repo);
  readyP.catch((e: unknown) => deps.log?.error('kube api bootstrap failed', e));
  let started = false;

  return {
    async handle(req, res) {
      try {
        if (deps.available && !deps.available()) throw new KubeStatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request: its store cannot be reached');
        await readyP;
        await route({ svc, hub, tokens: deps.tokens, now, closing }, req, res);
      } catch (e) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (e instanceof KubeStatusError) sendStatusError(res, e);
        else {
          deps.log?.error(`kube api ${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''} failed`, e);
          sendStatusError(res, new KubeStatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`));
        }
      }
    },
    handleUpgrade(req, socket, head) {
      routeUpgrade(svc, deps.exec, req, socket, head);
    },
    controllers: {
      start() {
        started = true;
        void readyP.then(() => {
          if (started) controllers.start();
        });
      },
      async stop() {
        started = false;
        await controllers.stop();
      },
      idle: () => readyP.then(() => controllers.idle()),
    },
    ready: () => readyP,
    catchUp: () => readyP.then(() => repo.catchUp()),
    async close() {
      for (const f of [...closing]) f();
      started = false;
      await controllers.stop();
      await readyP.catch(() => undefined);
    },
  };
}

/** ServiceAccountLookup over the store, for admission: always reads the current object. */
export function serviceAccountLookup(store: Store): ServiceAccountLookup {
  const repo = new Repository(store, new WatchHub());
  return {
    async get(namespace: string, name: string): Promise<KubeObject | undefined> {
      return repo.get(SERVICE_ACCOUNTS, namespace, name);
    },
  };
}

export interface KubeApiServer {
  readonly url: string;
  readonly api: KubeApi;
  close(): Promise<void>;
}

/**
 * A plain-HTTP listener (loopback by default) serving the API, with controllers running.
 * kubectl sends no credentials over http://, so none are required.
 */
export async function startKubeApiServer(opts: KubeApiDeps & { host?: string; port?: number }): Promise<KubeApiServer> {
  const api = createKubeApi(opts);
  const server = createServer((req, res) => void api.handle(req, res));
  // Upgraded connections (exec sessions) leave the HTTP server's bookkeeping: closeAllConnections
  // does not see them. Destroying them on close ends each session, which kills its command.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    api.handleUpgrade(req, socket, head);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  await api.ready();
  api.controllers.start();
  const addr = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${addr.port}`,
    api,
    async close() {
      await api.close();
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
