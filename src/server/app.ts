import { randomBytes, randomFillSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authorizer } from '../iam/authorizer.js';
import type { IamEnv } from '../iam/env.js';
import { iamOperations } from '../iam/operations.js';
import { PolicyCache } from '../iam/principal-policies.js';
import { JwksClient } from '../oidc/jwks-client.js';
import { openSqliteStore } from '../store/sqlite.js';
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
import { DEFAULT_CLUSTER, loadOrCreateCa, startIssuerEndpoint, type IssuerEndpoint } from './clusters.js';
import { join } from 'node:path';
import { startClusterApis, writeKubeconfig, type ClusterApi } from './kube.js';
import { handleEks, restJsonError, type EksDeps, type JsonResponse } from './eks-endpoint.js';
import { bootstrap, secretSealer } from './bootstrap.js';
import { dataDir, ensureDataDir, loadOrCreateDataKey, writeState } from './data-dir.js';
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
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly account: string;
  readonly region: string;
  readonly store: Store;
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
  const dir = dataDir(opts.dataDir);
  ensureDataDir(dir);
  const dataKey = loadOrCreateDataKey(dir);
  const store = openSqliteStore(dir.storeFile);
  const now = opts.now ?? (() => new Date());
  const env: IamEnv = {
    store,
    now,
    random: pooledRandomBytes(),
    partition: 'aws',
    sealer: secretSealer(dataKey),
    // One process owns the SQLite store: its own writes invalidate caches at once.
    cacheTtlMs: Number.POSITIVE_INFINITY,
    generation: 0,
  };
  let boot;
  try {
    boot = await bootstrap(store, env, opts.account);
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
      jwks: new JwksClient({ extraCaPem: [...(opts.extraCaPem ?? []), loadOrCreateCa(dir.path, env.sealer).certPem], now: () => now().getTime() }),
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
      dataDir: dir.path,
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
    handle(handlers, req, res, { account: boot.account, started, store: store.backend, explain: { ctx, cache, clusters: () => issuers.clusters } }).catch((e: unknown) => {
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
  let kubeApis: ClusterApi[];
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
    });
  } catch (e) {
    server.close();
    await issuers.close();
    await store.close();
    throw e;
  }
  for (const k of kubeApis) kubeEndpoints.set(k.name, k.url);
  const kubeconfig = join(dir.path, 'kubeconfig');
  writeKubeconfig(kubeconfig, kubeApis);
  writeState(dir, {
    pid: process.pid,
    endpoint: url,
    region,
    account: boot.account,
    store: `sqlite:${dir.storeFile}`,
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
  info: { account: string; started: number; store: string; explain: ExplainEndpointDeps },
): Promise<void> {
  const requestId = newRequestId();
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);

  if (EXPLAIN_PATHS.has(rawPath)) {
    await serveExplain(info.explain, req, res, requestId, rawPath, rawQuery);
    return;
  }
  if (rawPath === '/_irsa/health' && req.method === 'GET') {
    const body = JSON.stringify({ status: 'ok', account: info.account, store: info.store, uptimeSeconds: Math.round((Date.now() - info.started) / 1000) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  const service = routeAwsRequest(req, rawPath, rawQuery);
  const handler = handlers.get(service) ?? notServed(service);
  await handler({ req, res, requestId, rawPath, rawQuery, facts: requestFacts(req) });
}
