/**
 * A real HTTPS OpenID Connect issuer on 127.0.0.1 for the verifier tests: serves discovery and a
 * mutable JWKS, counts requests per path, and lets a test replace any response.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import type { TestServerCert } from '../support/tls.js';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/keys';

export interface TestIdp {
  issuer: string;
  port: number;
  /** The published key set; mutate it to rotate keys. */
  keys: JWK[];
  /** Requests seen, by path. */
  counts: Map<string, number>;
  /** Replaces the handling of a request; return false to fall through to the default. */
  override?: (req: IncomingMessage, res: ServerResponse) => boolean;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startIdp(cert: TestServerCert, options: { path?: string } = {}): Promise<TestIdp> {
  const basePath = options.path ?? '';
  const server = https.createServer({ key: cert.keyPem, cert: cert.fullChainPem });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://127.0.0.1:${port}${basePath}`;
  const idp: TestIdp = {
    issuer,
    port,
    keys: [],
    counts: new Map(),
    count: (path) => idp.counts.get(basePath + path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    idp.counts.set(path, (idp.counts.get(path) ?? 0) + 1);
    if (idp.override?.(req, res)) return;
    if (path === basePath + DISCOVERY_PATH) return json(res, { issuer, jwks_uri: `${issuer}${JWKS_PATH}`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    if (path === basePath + JWKS_PATH) return json(res, { keys: idp.keys });
    res.writeHead(404).end();
  });
  return idp;
}

export function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export interface SigningKey {
  alg: string;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

/** A key pair as KeyObjects, so a test can also sign with an algorithm the key was not made for. */
export function signingKey(alg: 'RS256' | 'RS384' | 'ES256' | 'ES384', kid: string): SigningKey {
  const { privateKey, publicKey } = alg.startsWith('RS')
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
  const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/** Signs `claims` with `key`; header and claims are exactly what the test gives (no defaults added by jose). */
export function signToken(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

/** Base64url JSON, for hand-built tokens. */
export const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
