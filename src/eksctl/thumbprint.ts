/**
 * The thumbprint an IAM OIDC provider holds for an issuer: eksctl connects to the issuer and takes
 * the SHA-1 of the last certificate of the chain it is served (pkg/iam/oidc/api.go
 * `getIssuerCAThumbprint`), i.e. the root CA. Here the chain is verified against the CA EKS
 * reports for the cluster (`certificateAuthority.data`) plus Node's bundled roots, and completed
 * up to that root: a server that sends only its leaf still yields its CA's thumbprint.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { tlsTarget } from '../crypto/tls-client.js';
import tls, { type DetailedPeerCertificate } from 'node:tls';

export function sha1Thumbprint(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex');
}

/** SHA-1 of a PEM certificate's DER form, lower-case hex (as IAM stores thumbprints). */
export function pemThumbprint(pem: string): string {
  return sha1Thumbprint(new X509Certificate(pem).raw);
}

/** The last certificate of a peer chain: the root, when the chain could be completed. */
export function chainRoot(peer: DetailedPeerCertificate): DetailedPeerCertificate {
  let cert = peer;
  const seen = new Set([peer.fingerprint256]);
  // A self-signed root is its own issuer, which ends the walk.
  while (cert.issuerCertificate && !seen.has(cert.issuerCertificate.fingerprint256)) {
    cert = cert.issuerCertificate;
    seen.add(cert.fingerprint256);
  }
  return cert;
}

/** Connects to the issuer over TLS and returns the SHA-1 thumbprint of its chain's root. */
export function issuerCaThumbprint(issuer: string, caPem: string | undefined, timeoutMs = 10_000): Promise<string> {
  const { options } = tlsTarget(new URL(issuer), caPem ? [caPem] : []);
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    socket.once('error', (e) => reject(new Error(`connecting to issuer OIDC: ${e.message}`)));
    socket.once('secureConnect', () => {
      const root = chainRoot(socket.getPeerCertificate(true));
      socket.end();
      if (!root.raw) reject(new Error("unable to get OIDC issuer's certificate"));
      else resolve(sha1Thumbprint(root.raw));
    });
  });
}
