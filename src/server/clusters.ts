import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCertificateAuthority, issueServerCertificate, type CertificateAuthority } from '../crypto/certificates.js';
import type { SecretSealer } from '../iam/env.js';
import { ClusterIssuer } from '../oidc/issuer.js';
import type { Store } from '../store/store.js';
import type { Logger } from './log.js';

/**
 * Local EKS clusters: each has an id (EKS's 32-character form, so the walkthrough's
 * `cut -d '/' -f 5` yields it), a ServiceAccount token issuer `https://HOST:PORT/id/<ID>`, and
 * signing keys in the store. One HTTPS listener serves every cluster's discovery document and
 * JWKS with a certificate from the installation's CA, generated on first start and kept in the
 * data directory; the CA's SHA-1 thumbprint is what IAM's OIDC provider for an issuer holds.
 */
export const DEFAULT_CLUSTER = 'local';
const KIND = 'eks.cluster';
const META = 'meta';

export interface ClusterRecord {
  readonly [k: string]: unknown;
  name: string;
  id: string;
  createdAt: string;
}

export interface RunningCluster {
  readonly record: ClusterRecord;
  readonly issuer: ClusterIssuer;
  readonly issuerUrl: string;
}

export interface IssuerEndpoint {
  readonly url: string;
  readonly ca: CertificateAuthority;
  readonly clusters: ReadonlyMap<string, RunningCluster>;
  close(): Promise<void>;
}

interface CaDoc {
  readonly [k: string]: unknown;
  certPem: string;
  /** The private key, sealed with the data key. */
  keySealed: string;
}

/**
 * The installation's CA, in the store (its key sealed with the data key) so that every replica
 * presents the same one. Created on first start; an installation from before the CA moved into
 * the store (DIR/ca.crt, DIR/ca.key) has its CA copied in. The certificate (public) is also
 * written to DIR/ca.crt for clients to trust.
 */
export async function loadOrCreateCa(store: Store, dir: string, sealer: SecretSealer): Promise<CertificateAuthority> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  let doc = await store.read((t) => t.get<CaDoc>(META, '', 'ca'));
  if (!doc) {
    let candidate: CaDoc;
    // Only the embedded store had its CA in files; a PostgreSQL replica's directory is not an installation.
    if (store.backend === 'sqlite' && existsSync(certFile) && existsSync(keyFile)) {
      const keySealed = readFileSync(keyFile, 'utf8').trim();
      sealer.open(keySealed); // the file's key must open with this data key
      candidate = { certPem: readFileSync(certFile, 'utf8'), keySealed };
    } else {
      const ca = createCertificateAuthority('irsa-local cluster CA');
      candidate = { certPem: ca.certPem, keySealed: sealer.seal(ca.keyPem) };
    }
    // Replicas starting together: the first insert wins, the others use it.
    doc = await store.tx(async (t) => ((await t.insert(META, '', 'ca', candidate)) ? candidate : ((await t.get<CaDoc>(META, '', 'ca')) as CaDoc)));
  }
  const ca = { certPem: doc.certPem, keyPem: sealer.open(doc.keySealed), thumbprint: createHash('sha1').update(new X509Certificate(doc.certPem).raw).digest('hex') };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(certFile) || readFileSync(certFile, 'utf8') !== ca.certPem) writeFileSync(certFile, ca.certPem, { mode: 0o644 });
  return ca;
}

/** The clusters' records, creating those named for the first time. */
export async function ensureClusters(store: Store, account: string, names: readonly string[], now: Date): Promise<ClusterRecord[]> {
  return store.tx(async (t) => {
    const out: ClusterRecord[] = [];
    for (const name of names) {
      let rec = await t.get<ClusterRecord>(KIND, account, name);
      if (!rec) {
        rec = { name, id: randomBytes(16).toString('hex').toUpperCase(), createdAt: now.toISOString() };
        await t.put(KIND, account, name, rec);
      }
      out.push(rec);
    }
    return out;
  });
}

/**
 * The issuer's public base URL (`https://host[:port]`, no path), shared by every replica: set by
 * `--issuer-url` (stored), else the stored one, else undefined (this listener's own address).
 */
export async function sharedUrl(store: Store, name: 'issuer-url' | 'public-url', requested: string | undefined, log: Logger): Promise<string | undefined> {
  const saved = await store.read((t) => t.get<{ url: string }>(META, '', name));
  if (requested === undefined) return saved?.url;
  if (saved?.url !== requested) {
    if (saved) log.info(`--${name} changes the stored ${name} from ${saved.url} to ${requested}`);
    await store.tx((t) => t.put(META, '', name, { url: requested }));
  }
  return requested;
}

/** Stores `url` as the shared one unless one is stored already; resolves the one in force. */
export async function claimSharedUrl(store: Store, name: 'issuer-url' | 'public-url', url: string): Promise<string> {
  return store.tx(async (t) => ((await t.insert(META, '', name, { url })) ? url : ((await t.get<{ url: string }>(META, '', name))?.url ?? url)));
}

/** The issuer port chosen on first start is kept, so issuer URLs (and IAM providers) stay valid. */
export async function issuerPort(store: Store, requested: number | undefined): Promise<number> {
  const saved = await store.read((t) => t.get<{ port: number }>(META, '', 'oidc-port'));
  if (requested !== undefined && requested !== 0) {
    if (saved?.port !== requested) await store.tx((t) => t.put(META, '', 'oidc-port', { port: requested }));
    return requested;
  }
  return saved?.port ?? requested ?? 0;
}

export async function startIssuerEndpoint(options: {
  store: Store;
  sealer: SecretSealer;
  ca: CertificateAuthority;
  /**
   * The issuer base URL clients and STS reach (a load balancer in front of replicas); this
   * listener's own address when absent. `sharedIssuer`: claim this listener's address as the
   * shared one when none is stored (replicas on a shared store agree on the first one's).
   */
  issuerUrl?: string | undefined;
  sharedIssuer?: boolean;
  host: string;
  port: number;
  account: string;
  clusterNames: readonly string[];
  now: () => Date;
  log: Logger;
}): Promise<IssuerEndpoint> {
  const ca = options.ca;
  const publicHost = options.issuerUrl === undefined ? undefined : new URL(options.issuerUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  const hosts = [...new Set([options.host, '127.0.0.1', 'localhost', ...(publicHost ? [publicHost] : [])])];
  const cert = issueServerCertificate(ca, hosts, options.now());
  const byId = new Map<string, RunningCluster>();
  const server: Server = createHttpsServer({ key: cert.keyPem, cert: cert.chainPem }, (req, res) => {
    const m = /^\/id\/([0-9A-F]{32})(\/\.well-known\/openid-configuration|\/keys)$/.exec((req.url ?? '').split('?')[0] as string);
    const c = m ? byId.get(m[1] as string) : undefined;
    if (!c || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const body = JSON.stringify(m?.[2] === '/keys' ? c.issuer.jwksDocument() : c.issuer.discoveryDocument());
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'max-age=300' }).end(body);
  });
  // Replicas sharing a store each listen on their own port; the URL they publish is shared instead.
  const port = options.sharedIssuer ? options.port : await issuerPort(options.store, options.port);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`the OIDC issuer port ${port} is in use: the issuer URL must stay the same across restarts; free it or pass --oidc-port`) : e),
    );
    server.listen(port, options.host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  if (bound !== port && !options.sharedIssuer) await options.store.tx((t) => t.put(META, '', 'oidc-port', { port: bound }));
  const own = `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${bound}`;
  const base = options.issuerUrl ?? (options.sharedIssuer ? await claimSharedUrl(options.store, 'issuer-url', own) : own);
  const records = await ensureClusters(options.store, options.account, options.clusterNames, options.now());
  const clusters = new Map<string, RunningCluster>();
  for (const record of records) {
    const issuerUrl = `${base}/id/${record.id}`;
    const issuer = new ClusterIssuer(issuerUrl, record.name, options.store, options.sealer, options.now, { name: 'irsa-local-node', uid: record.id.toLowerCase() });
    await issuer.init();
    const running = { record, issuer, issuerUrl };
    clusters.set(record.name, running);
    byId.set(record.id, running);
  }
  return {
    url: base,
    ca,
    clusters,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
