import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/asn1-x509';
import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * The certificate authority a local cluster's OIDC issuer serves its HTTPS with, and the server
 * certificates it issues. Keys are ECDSA P-256; certificates are built with the @peculiar ASN.1
 * schemas (MIT) and signed by node:crypto. The CA's SHA-1 thumbprint is what an IAM OIDC provider
 * for the issuer holds, as for any self-hosted issuer whose CA is not publicly trusted.
 */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
  /** Hex SHA-1 of the CA certificate's DER, lowercase (IAM's thumbprint form). */
  readonly thumbprint: string;
}

export interface ServerCertificate {
  /** The server certificate followed by the CA: IAM matches thumbprints against what is presented. */
  readonly chainPem: string;
  readonly keyPem: string;
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

function name(commonName: string): x509.Name {
  return new x509.Name([
    new x509.RelativeDistinguishedName([new x509.AttributeTypeAndValue({ type: '2.5.4.3', value: new x509.AttributeValue({ utf8String: commonName }) })]),
  ]);
}

function ext(id: string, critical: boolean, value: unknown): x509.Extension {
  return new x509.Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function keyId(spkiDer: Buffer): ArrayBuffer {
  const h = createHash('sha1').update(spkiDer).digest();
  return h.buffer.slice(h.byteOffset, h.byteOffset + h.length);
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function build(options: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerSpki: Buffer;
  days: number;
  extensions: x509.Extension[];
  now: Date;
}): Buffer {
  const spkiDer = options.publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: the first byte in 0x40..0x7f (high bit clear, and never a
  // leading zero, which DER forbids before a byte below 0x80 — OpenSSL rejects such a certificate
  // with "illegal padding", about one in 256 times if the first byte is only masked).
  serial[0] = 0x40 | ((serial[0] as number) & 0x3f);
  const sigAlg = new x509.AlgorithmIdentifier({ algorithm: ECDSA_SHA256 });
  const notBefore = new Date(options.now.getTime() - 5 * 60_000);
  const tbs = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: sigAlg,
    issuer: name(options.issuer),
    subject: name(options.subject),
    validity: new x509.Validity({ notBefore, notAfter: new Date(notBefore.getTime() + options.days * 86_400_000) }),
    subjectPublicKeyInfo: AsnConvert.parse(spkiDer, x509.SubjectPublicKeyInfo),
    extensions: new x509.Extensions([
      ext(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(keyId(spkiDer))),
      ext(x509.id_ce_authorityKeyIdentifier, false, new x509.AuthorityKeyIdentifier({ keyIdentifier: new x509.KeyIdentifier(keyId(options.issuerSpki)) })),
      ...options.extensions,
    ]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), options.signingKey);
  const cert = new x509.Certificate({ tbsCertificate: tbs, signatureAlgorithm: sigAlg, signatureValue: toArrayBuffer(signature) });
  return Buffer.from(AsnConvert.serialize(cert));
}

export function createCertificateAuthority(commonName: string, now = new Date(), days = 3650): CertificateAuthority {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const der = build({
    subject: commonName,
    issuer: commonName,
    publicKey,
    signingKey: privateKey,
    issuerSpki: spki,
    days,
    now,
    extensions: [
      ext(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: true, pathLenConstraint: 0 })),
      ext(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature)),
    ],
  });
  return {
    certPem: pem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    thumbprint: createHash('sha1').update(der).digest('hex'),
  };
}

/** A TLS server certificate for `hosts` (IP addresses and DNS names), signed by `ca`. */
export function issueServerCertificate(ca: CertificateAuthority, hosts: readonly string[], now = new Date(), days = 825): ServerCertificate {
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const san = new x509.SubjectAlternativeName(
    hosts.map((h) => (isIP(h) ? new x509.GeneralName({ iPAddress: h }) : new x509.GeneralName({ dNSName: h }))),
  );
  const der = build({
    subject: hosts[0] ?? 'irsa-local',
    issuer: caCert.subject.replace(/^CN=/, ''),
    publicKey,
    signingKey: caKey,
    issuerSpki: caCert.publicKey.export({ type: 'spki', format: 'der' }),
    days,
    now,
    extensions: [
      ext(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
      ext(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment)),
      ext(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([SERVER_AUTH])),
      ext(x509.id_ce_subjectAltName, false, san),
    ],
  });
  return { chainPem: pem('CERTIFICATE', der) + ca.certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
