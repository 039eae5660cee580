/**
 * The HTTPS listener of `irsa webhook` (node:https): `/mutate` for AdmissionReview requests from
 * kube-apiserver, `/healthz` (always `ok`, as upstream) and `/readyz` (irsa-local: `ok` once the
 * ServiceAccount informer has synced). Certificates can be swapped without a restart.
 */
import { watchFile, unwatchFile, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdmissionHttpRequest, AdmissionHttpResponse } from './admission.js';

export interface TlsMaterial {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface WebhookServerOptions {
  readonly handle: (request: AdmissionHttpRequest) => Promise<AdmissionHttpResponse>;
  readonly tls: TlsMaterial;
  /** Default `0.0.0.0`: kube-apiserver reaches the webhook through a Service. */
  readonly host?: string;
  /** Default 8443 (a non-root port; the Service maps 443 to it); 0 picks a free port. */
  readonly port?: number;
  readonly ready?: () => boolean;
  readonly log?: (line: string) => void;
  /** kube-apiserver caps request bodies at 3 MiB; anything larger is not from it. */
  readonly maxBodyBytes?: number;
}

export interface WebhookServer {
  readonly url: string;
  readonly port: number;
  /** Serves new connections with this certificate and key. */
  setTls(tls: TlsMaterial): void;
  /** Stops accepting, lets requests in flight finish (10 s at most, as upstream), then closes. */
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const log = options.log ?? (() => undefined);
  const maxBody = options.maxBodyBytes ?? MAX_BODY;
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    route(req, res).catch((e: unknown) => {
      log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'internal error\n');
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://webhook.invalid');
    if (url.pathname === '/healthz') return send(res, 200, { 'content-type': 'text/plain; charset=utf-8' }, 'ok');
    if (url.pathname === '/readyz') {
      const ready = options.ready?.() ?? true;
      return send(res, ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }, ready ? 'ok' : 'not ready: service account informer not synced');
    }
    if (url.pathname !== '/mutate') return send(res, 404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, '404 page not found\n');
    // Upstream does not check the method either.
    const body = await readBody(req, maxBody);
    if (body === undefined) return send(res, 413, { 'content-type': 'text/plain; charset=utf-8' }, 'request body too large\n');
    const started = Date.now();
    const out = await options.handle({ contentType: req.headers['content-type'], query: url.search.slice(1), body });
    send(res, out.status, out.headers, out.body);
    log(`${req.method ?? '?'} ${url.pathname} ${out.status} ${Date.now() - started}ms`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '0.0.0.0';
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    setTls: (tls) => server.setSecureContext({ cert: tls.cert, key: tls.key }),
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The body as UTF-8, or undefined when it exceeds `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Re-reads a certificate/key pair when either file changes (a renewed Secret mounted into the
 * pod): polled, because Secret volumes are updated by swapping a symlink. Returns a stop function.
 */
export function watchTlsFiles(certFile: string, keyFile: string, onChange: (tls: TlsMaterial) => void, log: (line: string) => void, intervalMs = 10_000): () => void {
  const reload = (): void => {
    try {
      onChange({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
      log(`reloaded TLS certificate from ${certFile}`);
    } catch (e) {
      log(`keeping the previous TLS certificate: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const listener = (cur: { mtimeMs: number }, prev: { mtimeMs: number }): void => {
    if (cur.mtimeMs !== prev.mtimeMs) reload();
  };
  watchFile(certFile, { interval: intervalMs, persistent: false }, listener);
  watchFile(keyFile, { interval: intervalMs, persistent: false }, listener);
  return () => {
    unwatchFile(certFile, listener);
    unwatchFile(keyFile, listener);
  };
}
