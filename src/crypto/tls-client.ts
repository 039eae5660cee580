/**
 * How irsa-local opens a TLS connection to an https URL it was given (an OIDC issuer): the host
 * without IPv6 brackets, the default port, SNI only for names (RFC 6066 §3 forbids IP addresses;
 * checkServerIdentity then falls back to `host`), and extra trust anchors added to — never in
 * place of — Node's bundled roots.
 */
import { isIP } from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';

export interface TlsTarget {
  readonly host: string;
  readonly options: ConnectionOptions;
}

export function tlsTarget(url: URL, extraCaPem: readonly string[]): TlsTarget {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 443 : Number(url.port);
  return {
    host,
    options: {
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(extraCaPem.length ? { ca: [...tls.rootCertificates, ...extraCaPem] } : {}),
      ALPNProtocols: ['http/1.1'],
    },
  };
}
