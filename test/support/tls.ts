/**
 * Throwaway X.509 material for tests that run real HTTPS servers: a CA (root or intermediate)
 * and server certificates for given host names / IP addresses, made with the `openssl` CLI
 * (EC P-256 keys, so generation takes milliseconds). Every result carries its PEMs and its
 * SHA-1 thumbprint in the form IAM OIDC providers use (40 lowercase hex digits).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  certPem: string;
  keyPem: string;
  /** Hex SHA-1 of the DER certificate, lowercase, no colons. */
  thumbprint: string;
}

export interface TestCa extends TestCert {
  /**
   * PEMs of this CA and every CA above it up to and including the root, leaf-side first: what a
   * server sends after its own certificate. The root is included on purpose: IAM matches
   * thumbprints against the certificates the server presents, so a private-CA IdP must send its CA.
   */
  chainPem: string;
}

export interface TestServerCert extends TestCert {
  /** Certificate followed by the issuing intermediates: the `cert` option of `https.createServer`. */
  fullChainPem: string;
}

export function sha1Thumbprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint.replaceAll(':', '').toLowerCase();
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-tls-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function sign(dir: string, issuer: TestCert, subject: string, extensions: string, days: number): void {
  writeFileSync(join(dir, 'issuer.pem'), issuer.certPem);
  writeFileSync(join(dir, 'issuer.key'), issuer.keyPem);
  writeFileSync(join(dir, 'ext.cnf'), extensions);
  openssl(dir, ['req', '-new', ...EC_KEY, '-keyout', 'out.key', '-out', 'out.csr', '-subj', subject]);
  openssl(dir, [
    'x509', '-req', '-in', 'out.csr', '-CA', 'issuer.pem', '-CAkey', 'issuer.key', '-set_serial', `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
    '-days', String(days), '-sha256', '-extfile', 'ext.cnf', '-out', 'out.pem',
  ]);
}

/**
 * A self-signed root CA, or with `issuer` an intermediate CA signed by it.
 */
export function createTestCa(options: { commonName?: string; issuer?: TestCa; days?: number } = {}): TestCa {
  const cn = options.commonName ?? (options.issuer ? 'irsa-local test intermediate CA' : 'irsa-local test root CA');
  const days = options.days ?? 2;
  return withTempDir((dir) => {
    const extensions = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
    if (options.issuer) {
      sign(dir, options.issuer, `/CN=${cn}`, `${extensions}authorityKeyIdentifier=keyid\n`, days);
    } else {
      openssl(dir, ['req', '-x509', '-new', ...EC_KEY, '-keyout', 'out.key', '-out', 'out.pem', '-days', String(days), '-subj', `/CN=${cn}`,
        '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    }
    const certPem = readFileSync(join(dir, 'out.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'out.key'), 'utf8');
    const chainPem = options.issuer ? certPem + options.issuer.chainPem : certPem;
    return { certPem, keyPem, thumbprint: sha1Thumbprint(certPem), chainPem };
  });
}

/**
 * A server certificate for `hostnames` (DNS names or IP addresses), signed by `ca`.
 * `authorityKeyId: false` leaves out the AKI extension, so the certificate names its issuer by
 * subject DN alone (useful to forge a chain that looks linked).
 */
export function issueCert(ca: TestCa, hostnames: readonly string[], options: { days?: number; authorityKeyId?: boolean } = {}): TestServerCert {
  return withTempDir((dir) => {
    const san = hostnames.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    const extensions = `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\nauthorityKeyIdentifier=${options.authorityKeyId === false ? 'none' : 'keyid'}\n`;
    sign(dir, ca, `/CN=${hostnames[0] ?? 'localhost'}`, extensions, options.days ?? 2);
    const certPem = readFileSync(join(dir, 'out.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'out.key'), 'utf8');
    return { certPem, keyPem, thumbprint: sha1Thumbprint(certPem), fullChainPem: certPem + ca.chainPem };
  });
}

/** A self-signed server certificate (no CA), e.g. to play an attacker or a bare IdP. */
export function selfSignedCert(hostnames: readonly string[], options: { days?: number } = {}): TestServerCert {
  return withTempDir((dir) => {
    const san = hostnames.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    openssl(dir, ['req', '-x509', '-new', ...EC_KEY, '-keyout', 'out.key', '-out', 'out.pem', '-days', String(options.days ?? 2),
      '-subj', `/CN=${hostnames[0] ?? 'localhost'}`, '-sha256', '-addext', `subjectAltName=${san}`]);
    const certPem = readFileSync(join(dir, 'out.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'out.key'), 'utf8');
    return { certPem, keyPem, thumbprint: sha1Thumbprint(certPem), fullChainPem: certPem };
  });
}
