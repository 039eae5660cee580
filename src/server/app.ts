import { randomBytes, randomFillSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authorizer } from '../iam/authorizer.js';
import type { IamEnv } from '../iam/env.js';
import { iamOperations } from '../iam/operations.js';
import { PolicyCache } from '../iam/principal-policies.js';
import { JwksClient } from '../oidc/jwks-client.js';
import type { Store } from '../store/store.js';
import { SessionSealer } from '../sts/session.js';
import { formParams } from '../wire/query-codec.js';
import type { SignedRequest } from '../wire/sigv4.js';
import { AwsError } from '../aws/error.js';
import { CredentialResolver, jsonAuthError } from './auth.js';
import { DecisionLog } from './decision-log.js';
import { EXPLAIN_PATHS, serveExplain, type ExplainEndpointDeps } from './explain-endpoint.js';
import { newRequestId } from './request-id.js';
import { routeAwsRequest, type ServiceName } from './routing.js';
import { authenticateOr, requestFacts, type AwsRequest, type AwsServiceHandler, type ServiceContext } from './service-context.js';
import { DEFAULT_CLUSTER, claimSharedUrl, loadOrCreateCa, sharedUrl, startIssuerEndpoint, type IssuerEndpoint } from './clusters.js';
import { join } from 'node:path';
import { startClusterApis, writeKubeconfig, type ClusterApi } from './kube.js';
import { handleEks, restJsonError, type EksDeps, type JsonResponse } from './eks-endpoint.js';
import { bootstrap, secretSealer } from './bootstrap.js';
import { dataDir, ensureDataDir, writeState } from './data-dir.js';
import { checkDataKey, dataKeyFor, describeStore, openStore, parseStoreLocation, recordDataKey, replicaId, type DataKeySource } from './store-config.js';
import { StoreHealth } from './store-health.js';
import { stderrLogger, type Logger } from './log.js';
import { handleQuery, type QueryEndpointDeps } from './query-endpoint.js';
import { readBody } from './body.js';
import { secretsManagerHandler } from './json-endpoint.js';
import { bedrockHandler, type BedrockOptions } from './bedrock-endpoint.js';
import { serveH2c } from './h2c.js';
import { s3Handler } from './s3-endpoint.js';

/**
 * Composition: the one place that picks concrete parts (the store, keys, clock) and wires the
 * domain to the HTTP listener. `startServer` is what `irsa up` runs and what tests start on a
 * free port with a temporary data directory.
 */
export interface ServerOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly account?: string;
  readonly region?: string;
  readonly log?: Logger;
  /** Extra CA certificates trusted when fetching OIDC discovery documents and JWKS. */
  readonly extraCaPem?: string[];
  /** The clock (tests move it); defaults to the system clock. */
  readonly now?: () => Date;
  /** HTTPS port of the clusters' OIDC issuer; kept from the first start when 0 or absent. */
  readonly oidcPort?: number;
  /** Names of the local EKS clusters (default: `local`). */
  readonly clusters?: readonly string[];
  /** Port of the first cluster's Kubernetes API (default 6443; 0 picks a free port). */
  readonly kubePort?: number;
  /** Bedrock's chat backend (`--bedrock-backend`); the built-in local model when absent. */
  readonly bedrock?: BedrockOptions;
  /**
   * `--store`: absent or `sqlite:DIR` (the embedded SQLite file, as always), or a `postgres://`
   * URL shared by replicas (see docs/scale-out.md).
   */
  readonly store?: string;
  /** Where the data key comes from: required for PostgreSQL; SQLite keeps DIR/data.key. */
  readonly dataKey?: DataKeySource;
  /** `--issuer-url https://host[:port]`: the issuer address clients and STS reach (stored; shared by replicas). */
  readonly issuerUrl?: string;
  /** `--public-url`: the AWS endpoint `irsa env` prints (stored; shared by replicas). */
  readonly publicUrl?: string;
}

/**
 * With a store shared by replicas, how long a cache may trust what it read when a commit
 * announcement from another replica was lost: the bound on how stale a decision can be.
 */
export const SHARED_CACHE_TTL_MS = 2000;

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly account: string;
  readonly region: string;
  readonly store: Store;
  /** The store's address for people (a PostgreSQL URL without user or password). */
  readonly storeDescription: string;
  /** The AWS endpoint clients are told to use (`--public-url`, shared by replicas), else `url`. */
  readonly publicUrl: string;
  /** Base URL of the OIDC issuer listener; each cluster's issuer is `${issuerBase}/id/<ID>`. */
  readonly issuerBase: string;
  readonly clusters: ReadonlyMap<string, { readonly issuerUrl: string; readonly id: string; readonly kubeUrl: string }>;
  /** The kubeconfig written into the data directory. */
  readonly kubeconfig: string;
  /** PEM of the CA the issuer's HTTPS certificate chains to. */
  readonly caPem: string;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? stderrLogger();
  const location = parseStoreLocation(opts.store, opts.dataDir);
  const dir = dataDir(location.kind === 'sqlite' ? location.dir : opts.dataDir);
  ensureDataDir(dir);
  const dataKey = dataKeyFor(location, opts.dataKey ?? {}, { create: true });
  const storeDescription = describeStore(location);
  // Services get the store itself (the S3 endpoint asks a PostgresStore for its blob store).
  const store = await openStore(location, { origin: replicaId() });
  const shared = store.changes !== undefined;
  const health = new StoreHealth(store, log, { onRecovered: () => remoteChange() });
  const now = opts.now ?? (() => new Date());
  const env: IamEnv = {
    store,
    now,
    random: pooledRandomBytes(),
    partition: 'aws',
    sealer: secretSealer(dataKey),
    // One process owns the SQLite store: its own writes invalidate caches at once. Replicas
    // sharing PostgreSQL also hear each other's commits (below), with a bounded fallback.
    cacheTtlMs: shared ? SHARED_CACHE_TTL_MS : Number.POSITIVE_INFINITY,
    generation: 0,
  };
  let boot;
  let ca;
  let issuerUrl;
  try {
    await checkDataKey(store, dataKey, storeDescription);
    boot = await bootstrap(store, env, opts.account);
    await recordDataKey(store, dataKey);
    ca = await loadOrCreateCa(store, dir.path, env.sealer);
    issuerUrl = await sharedUrl(store, 'issuer-url', opts.issuerUrl, log);
  } catch (e) {
    await store.close();
    throw e;
  }
  const cache = new PolicyCache(env);
  const authorizer = new Authorizer(env, cache);
  const sessions = new SessionSealer(boot.sessionAead);
  const region = opts.region ?? 'us-east-1';
  const deps: QueryEndpointDeps = {
    account: boot.account,
    iam: iamOperations(env, cache),
    authorizer,
    // The installation's CA is trusted like a public root (AWS trusts its root store first, then
    // thumbprints), so a provider registered without a thumbprint still works for local clusters.
    sts: {
      env,
      account: boot.account,
      sealer: sessions,
      authorizer,
      cache,
      jwks: new JwksClient({ extraCaPem: [...(opts.extraCaPem ?? []), ca.certPem], now: () => now().getTime() }),
    },
    credentials: new CredentialResolver(env, sessions),
    now,
    log,
  };
  const started = Date.now();
  const host = opts.host ?? '127.0.0.1';

  let issuers: IssuerEndpoint;
  try {
    issuers = await startIssuerEndpoint({
      store,
      sealer: env.sealer,
      ca,
      issuerUrl,
      sharedIssuer: shared,
      host,
      port: opts.oidcPort ?? 0,
      account: boot.account,
      clusterNames: opts.clusters?.length ? opts.clusters : [DEFAULT_CLUSTER],
      now,
      log,
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  const eks: EksDeps = {
    account: boot.account,
    region,
    authorizer,
    clusters: () =>
      [...issuers.clusters.values()].map((c) => ({
        name: c.record.name,
        id: c.record.id,
        createdAt: new Date(c.record.createdAt),
        issuerUrl: c.issuerUrl,
        endpoint: kubeEndpoints.get(c.record.name) ?? '',
        caPem: issuers.ca.certPem,
      })),
  };
  const kubeEndpoints = new Map<string, string>();
  const decisions = new DecisionLog(store, { log });
  const ctx: ServiceContext = {
    account: boot.account,
    region,
    env,
    store,
    authorizer,
    credentials: deps.credentials,
    decisions,
    dataDir: dir.path,
    now,
    log,
  };
  const handlers = new Map<ServiceName, AwsServiceHandler>([
    ['query', queryHandler(deps)],
    ['eks', eksHandler(ctx, eks)],
    ['bedrock', bedrockHandler(ctx, opts.bedrock)],
    ['secretsmanager', secretsManagerHandler(ctx)],
    ['s3', s3Handler(ctx)],
  ]);

  const server: Server = createServer((req, res) => {
    handle(handlers, req, res, { account: boot.account, started, health, explain: { ctx, cache, clusters: () => issuers.clusters } }).catch((e: unknown) => {
      log.error('request failed', e);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  // The JS SDK's Bedrock Runtime client speaks HTTP/2 only, also over http://.
  const h2c = serveH2c(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let kubeApis: ClusterApi[] = [];
  try {
    kubeApis = await startClusterApis({
      store,
      clusters: issuers.clusters,
      caPem: issuers.ca.certPem,
      host,
      kubePort: opts.kubePort ?? 6443,
      awsEndpoint: url,
      region,
      dataDir: dir.path,
      now,
      log,
      sharedStore: shared,
      available: () => health.available,
    });
  } catch (e) {
    server.close();
    await issuers.close();
    await store.close();
    throw e;
  }
  for (const k of kubeApis) kubeEndpoints.set(k.name, k.url);
  let publicUrl: string;
  try {
    publicUrl = (await sharedUrl(store, 'public-url', opts.publicUrl, log)) ?? (shared ? await claimSharedUrl(store, 'public-url', url) : url);
  } catch (e) {
    server.close();
    for (const k of kubeApis) await k.close();
    await issuers.close();
    await store.close();
    throw e;
  }

  /**
   * Another replica committed (or announcements may have been missed): cached IAM reads are
   * stale at once (generation), then signing keys are re-read and Kubernetes watches catch up,
   * one run at a time however many announcements arrive meanwhile.
   */
  let refreshing = false;
  let refreshAgain = false;
  function remoteChange(): void {
    env.generation++;
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    void (async () => {
      do {
        refreshAgain = false;
        for (const c of issuers.clusters.values()) await c.issuer.refresh().catch((e: unknown) => log.error(`re-reading ${c.record.name}'s signing keys failed`, e));
        for (const k of kubeApis) await k.catchUp().catch((e: unknown) => log.error(`reading ${k.name}'s changes from other replicas failed`, e));
      } while (refreshAgain);
      refreshing = false;
    })();
  }
  const stopListening = store.changes?.subscribe(remoteChange, remoteChange);
  if (shared) health.start();
  const kubeconfig = join(dir.path, 'kubeconfig');
  writeKubeconfig(kubeconfig, kubeApis);
  writeState(dir, {
    pid: process.pid,
    endpoint: url,
    region,
    account: boot.account,
    store: storeDescription,
    publicUrl,
    startedAt: new Date().toISOString(),
    kubeEndpoint: kubeApis[0]?.url,
    kubeconfig,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    account: boot.account,
    region,
    store,
    storeDescription,
    publicUrl,
    issuerBase: issuers.url,
    clusters: new Map([...issuers.clusters].map(([name, c]) => [name, { issuerUrl: c.issuerUrl, id: c.record.id, kubeUrl: kubeEndpoints.get(name) ?? '' }])),
    kubeconfig,
    caPem: issuers.ca.certPem,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          h2c.close();
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        health.stop();
        await stopListening?.();
        for (const k of kubeApis) await k.close();
        await issuers.close();
        await decisions.close();
        await store.close();
      })()),
  };
}

/**
 * `randomBytes(n)` drawn from 4 KiB blocks of CSPRNG output, as Node's own `randomUUID` does: one
 * `randomFillSync` per block instead of one per call (each call costs ~1.7 µs, and every issued
 * session takes two). Each block is fresh and handed out once, in disjoint slices that are never
 * overwritten.
 */
function pooledRandomBytes(blockSize = 4096): (n: number) => Uint8Array {
  let block = Buffer.alloc(0);
  let offset = 0;
  return (n) => {
    if (n > blockSize) return randomBytes(n);
    if (offset + n > block.length) {
      block = randomFillSync(Buffer.allocUnsafe(blockSize));
      offset = 0;
    }
    const out = block.subarray(offset, offset + n);
    offset += n;
    return out;
  };
}

/** Reads a bounded body (IAM, STS, EKS, JSON services); it lives in body.ts so endpoints need not import this module. */
export { readBody };

function tooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('Request entity too large\n');
}

function signedRequest(r: AwsRequest, body: Buffer): SignedRequest {
  return { method: r.req.method ?? 'GET', rawPath: r.rawPath, rawQuery: r.rawQuery, headers: r.req.headers, rawHeaders: r.req.rawHeaders, body };
}

/** IAM and STS (query protocol). */
function queryHandler(deps: QueryEndpointDeps): AwsServiceHandler {
  return async (r) => {
    const body = await readBody(r.req);
    if (body === undefined) return tooLarge(r.res);
    const params = formParams(r.rawQuery);
    if (r.req.method === 'POST' && String(r.req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of formParams(body.toString('utf8'))) if (!params.has(k)) params.set(k, v);
    }
    const out = await handleQuery(deps, signedRequest(r, body), params, r.facts, r.requestId);
    r.res.writeHead(out.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(out.body), 'x-amzn-requestid': r.requestId });
    r.res.end(out.body);
    deps.log.info(`${params.get('Action') ?? '-'} ${out.status} ${r.requestId}`);
  };
}

/** EKS (REST-JSON): describe-cluster and list-clusters. */
function eksHandler(ctx: ServiceContext, eks: EksDeps): AwsServiceHandler {
  return async (r) => {
    const body = await readBody(r.req);
    if (body === undefined) return tooLarge(r.res);
    let out: JsonResponse;
    try {
      const auth = await authenticateOr(ctx, signedRequest(r, body), (e) => jsonAuthError(e.kind, e.message));
      out = { status: 200, body: JSON.stringify(await handleEks(eks, r.rawPath, auth.caller, { ...r.facts, region: auth.region })), headers: { 'content-type': 'application/json', 'x-amzn-requestid': r.requestId } };
    } catch (e) {
      if (e instanceof AwsError) out = restJsonError(e, r.requestId);
      else {
        ctx.log.error('internal error in EKS', e);
        out = restJsonError(new AwsError('ServerException', 'We encountered an internal error. Please try again.', 500, false), r.requestId);
      }
    }
    r.res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) }).end(out.body);
  };
}

/** A service this build does not serve: an error in the query protocol's shape, which every SDK can read. */
function notServed(service: ServiceName): AwsServiceHandler {
  return async (r) => {
    r.req.resume();
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>irsa-local does not serve ${service} in this build</Message></Error><RequestId>${r.requestId}</RequestId></ErrorResponse>`;
    r.res.writeHead(501, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': r.requestId }).end(body);
  };
}

async function handle(
  handlers: ReadonlyMap<ServiceName, AwsServiceHandler>,
  req: IncomingMessage,
  res: ServerResponse,
  info: { account: string; started: number; health: StoreHealth; explain: ExplainEndpointDeps },
): Promise<void> {
  const requestId = newRequestId();
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);

  if (rawPath === '/_irsa/health' && req.method === 'GET') {
    await info.health.check();
    const report = info.health.report();
    const body = JSON.stringify({ ...report, account: info.account, uptimeSeconds: Math.round((Date.now() - info.started) / 1000) });
    res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  if (!info.health.available) {
    // No answers from caches while the store is unreachable: they could be wrong.
    req.resume();
    return serviceUnavailable(EXPLAIN_PATHS.has(rawPath) ? 'explain' : routeAwsRequest(req, rawPath, rawQuery), res, requestId);
  }
  if (EXPLAIN_PATHS.has(rawPath)) {
    await serveExplain(info.explain, req, res, requestId, rawPath, rawQuery);
    return;
  }
  const service = routeAwsRequest(req, rawPath, rawQuery);
  const handler = handlers.get(service) ?? notServed(service);
  await handler({ req, res, requestId, rawPath, rawQuery, facts: requestFacts(req) });
}

const UNAVAILABLE = 'Service Unavailable: the store cannot be reached. Please try again.';

/** AWS's ServiceUnavailable (HTTP 503, retried by every SDK) in the protocol of the service asked. */
function serviceUnavailable(service: ServiceName | 'explain', res: ServerResponse, requestId: string): void {
  let body: string;
  const headers: Record<string, string | number> = { 'x-amzn-requestid': requestId, 'retry-after': 1 };
  if (service === 's3') {
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code><Message>${UNAVAILABLE}</Message><RequestId>${requestId}</RequestId></Error>`;
    headers['content-type'] = 'application/xml';
  } else if (service === 'query') {
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>${UNAVAILABLE}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    headers['content-type'] = 'text/xml';
  } else {
    // JSON and REST-JSON services (Secrets Manager, EKS, Bedrock) and the explain API.
    const type = service === 'secretsmanager' || service === 'explain' ? 'ServiceUnavailable' : 'ServiceUnavailableException';
    body = JSON.stringify({ __type: type, message: UNAVAILABLE });
    headers['content-type'] = service === 'secretsmanager' ? 'application/x-amz-json-1.1' : 'application/json';
    headers['x-amzn-errortype'] = type;
  }
  res.writeHead(503, { ...headers, 'content-length': Buffer.byteLength(body) }).end(body);
}
