/**
 * One bounded HTTPS GET of a JSON document from an identity provider, with AWS's trust rule for
 * IdP certificates: "AWS secures communication with OIDC IdPs using our library of trusted root
 * CAs … If your OIDC IdP relies on a certificate that is not signed by one of these trusted CAs,
 * only then we secure communication using the thumbprints" (IAM CreateOpenIDConnectProvider doc).
 *
 * The TLS connection is opened and judged first; the request is written only to a trusted peer.
 * No redirects are followed, bodies are bounded, and the whole exchange has a deadline.
 */
import https from 'node:https';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { tlsTarget } from '../crypto/tls-client.js';
import { COULD_NOT_RETRIEVE_KEY, THUMBPRINT_MISMATCH, invalidIdentityToken } from './messages.js';

export interface HttpsGetOptions {
  /** Absolute time (ms since the epoch, real clock) after which the exchange is abandoned. */
  deadline: number;
  /** Extra trust anchors (PEM), added to Node's bundled root store. */
  extraCaPem: readonly string[];
  /** Hex SHA-1 certificate thumbprints, any case. */
  thumbprints: readonly string[];
  maxBodyBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** GETs `url` (https only) and parses its JSON body; every failure is an AwsError. */
export async function httpsGetJson(url: URL, options: HttpsGetOptions): Promise<unknown> {
  if (url.protocol !== 'https:') throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
  const remaining = options.deadline - Date.now();
  if (remaining <= 0) throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);

  let socket: TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(invalidIdentityToken(COULD_NOT_RETRIEVE_KEY)), remaining);
  });
  try {
    const connecting = connectTrusted(url, options, (s) => (socket = s));
    socket = await Promise.race([connecting, timedOut]);
    const body = await Promise.race([get(url, socket, options.maxBodyBytes), timedOut]);
    try {
      return JSON.parse(utf8.decode(body));
    } catch {
      throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    }
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}

function connectTrusted(url: URL, options: HttpsGetOptions, onSocket: (s: TLSSocket) => void): Promise<TLSSocket> {
  const { host, options: connect } = tlsTarget(url, options.extraCaPem);
  return new Promise((resolve, reject) => {
    // Judged below, so that the thumbprint fallback can accept a chain OpenSSL rejects.
    const socket = tls.connect({ ...connect, rejectUnauthorized: false });
    onSocket(socket);
    socket.on('error', () => reject(invalidIdentityToken(COULD_NOT_RETRIEVE_KEY)));
    socket.once('secureConnect', () => {
      // `authorized` covers the chain against the CA store and the host name check.
      if (socket.authorized || pinnedByThumbprint(socket.getPeerCertificate(true), host, options.thumbprints)) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(invalidIdentityToken(THUMBPRINT_MISMATCH));
      }
    });
  });
}

/**
 * True when the presented chain leads, by verified signatures, from a leaf valid for `host` to a
 * certificate whose SHA-1 thumbprint is configured. Checking the links matters: the pinned CA's
 * certificate is public, so its mere presence in a chain proves nothing.
 */
export function pinnedByThumbprint(peer: DetailedPeerCertificate, host: string, thumbprints: readonly string[]): boolean {
  const pins = new Set(thumbprints.map((t) => t.toLowerCase()));
  if (pins.size === 0 || !peer.raw) return false;
  if (tls.checkServerIdentity(host, peer) !== undefined) return false;

  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
  }
  const now = Date.now();
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    if (!(Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo))) return false;
    if (i > 0) {
      const child = chain[i - 1] as X509Certificate;
      if (!cert.ca || !child.checkIssued(cert) || !child.verify(cert.publicKey)) return false;
    }
    if (pins.has(cert.fingerprint.replaceAll(':', '').toLowerCase())) return true;
  }
  return false;
}

function get(url: URL, socket: TLSSocket, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const fail = () => reject(invalidIdentityToken(COULD_NOT_RETRIEVE_KEY));
    const req = https.request(url, {
      method: 'GET',
      headers: { accept: 'application/json', connection: 'close' },
      createConnection: () => socket,
    });
    req.once('error', fail);
    req.once('response', (res) => {
      const declared = Number(res.headers['content-length'] ?? 0);
      if (res.statusCode !== 200 || declared > maxBodyBytes) {
        res.destroy();
        return fail();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          res.destroy();
          return fail();
        }
        chunks.push(chunk);
      });
      res.once('error', fail);
      res.once('end', () => resolve(Buffer.concat(chunks)));
      res.once('close', () => res.complete || fail());
    });
    req.end();
  });
}
