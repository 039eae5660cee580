import { createHash, createHmac } from 'node:crypto';
import { canonicalQuery, canonicalUri, splitQuery } from './canonical.js';
import { deriveSigningKey } from './keys.js';
import { formatAmzDate } from './time.js';

/**
 * Signs a request without a body (GET/DELETE) with SigV4 header auth: what irsa's own CLI needs
 * to call the server's /_irsa endpoints with the credentials `irsa env` prints. The canonical
 * forms are the verifier's (canonical.ts), so what this signs, verifySigV4 accepts.
 */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export function signGet(url: URL, credentials: SigningCredentials, options: { region: string; service: string; now: Date; method?: string }): Record<string, string> {
  const amzDate = formatAmzDate(options.now);
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': amzDate };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = [
    options.method ?? 'GET',
    canonicalUri(url.pathname, 'double'),
    canonicalQuery(splitQuery(url.search.replace(/^\?/, ''))),
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    EMPTY_SHA256,
  ].join('\n');
  const scope = `${date}/${options.region}/${options.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const signature = createHmac('sha256', deriveSigningKey(credentials.secretAccessKey, date, options.region, options.service)).update(toSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
