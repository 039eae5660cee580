import { createHmac, timingSafeEqual } from 'node:crypto';
import { percentDecodeBytes, splitQuery } from './sigv4/canonical.js';
import { AuthFailure } from './sigv4/errors.js';
import { parseHttpDate } from './sigv4/time.js';
import { MESSAGES, S3_MESSAGES, type SecretLookup, type SignedRequest } from './sigv4.js';

/**
 * S3 Signature Version 2 (HMAC-SHA1), server side, both forms:
 * - header: `Authorization: AWS <AccessKeyId>:<base64 signature>`, timed by Date / x-amz-date;
 * - query: `AWSAccessKeyId`, `Signature`, `Expires` (epoch seconds), optional lower-case
 *   `x-amz-security-token` — what `aws s3 presign` and boto3 `generate_presigned_url` produce in
 *   us-east-1.
 *
 *   StringToSign = METHOD \n Content-MD5 \n Content-Type \n (Date | Expires) \n
 *                  [x-amz-* headers, lower-case, sorted, `name:v1,v2` \n …] CanonicalizedResource
 *
 * as botocore's `auth.HmacV1Auth` / `HmacV1QueryAuth` build it. The resource is the path as sent
 * (prefixed with `/bucket` for virtual-hosted requests) plus the S3 sub-resources botocore signs.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */

export interface SigV2Options {
  now: Date;
  /** Virtual-hosted request (`<bucket>.<host>`): the signed resource starts with `/<bucket>`. */
  virtualHostBucket?: string | undefined;
  /** Allowed clock skew of the header form (default 15 min). */
  maxSkewMs?: number;
}

export interface SigV2Verified {
  accessKeyId: string;
  securityToken: string | undefined;
  presigned: boolean;
  /** Query form: the `Expires` instant. */
  expiresAt?: Date;
}

/** The query parameters of interest botocore puts in the canonical resource (`HmacV1Auth.QSAOfInterest`). */
export const SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate', 'acl', 'cors', 'defaultObjectAcl', 'location', 'logging', 'partNumber', 'policy', 'requestPayment', 'torrent',
  'versioning', 'versionId', 'versions', 'website', 'uploads', 'uploadId', 'response-content-type', 'response-content-language',
  'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'delete',
  'lifecycle', 'tagging', 'restore', 'storageClass', 'notification', 'replication', 'analytics', 'metrics', 'inventory',
  'select', 'select-type', 'object-lock',
]);

const DEFAULT_SKEW_MS = 15 * 60_000;
const MAX_AUTHORIZATION_BYTES = 8192;
const QUERY_PARAMS = ['AWSAccessKeyId', 'Signature', 'Expires'] as const;

export const SIGV2_MESSAGES = {
  queryParameters: 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
  headerInvalid: 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature',
  expiresInvalid: (v: string): string => `Invalid date (should be seconds since epoch): ${v}`,
} as const;

type Headers = SignedRequest['headers'];

/** True when the request carries SigV2 auth: an `AWS …` Authorization header or a query `Signature`/`AWSAccessKeyId`. */
export function hasSigV2(req: SignedRequest): boolean {
  const auth = first(header(req.headers, 'authorization'));
  if (auth !== undefined && /^AWS\s/.test(auth.trimStart())) return true;
  const q = req.rawQuery;
  if (!q || (q.indexOf('Signature') < 0 && q.indexOf('AWSAccessKeyId') < 0)) return false;
  return splitQuery(q).some((p) => p.rawKey === 'Signature' || p.rawKey === 'AWSAccessKeyId');
}

export async function verifySigV2(req: SignedRequest, lookup: SecretLookup, opts: SigV2Options): Promise<SigV2Verified> {
  const auth = first(header(req.headers, 'authorization'));
  if (auth !== undefined && /^AWS\s/.test(auth.trimStart())) return verifyHeader(req, auth, lookup, opts);
  return verifyQuery(req, lookup, opts);
}

async function verifyHeader(req: SignedRequest, auth: string, lookup: SecretLookup, opts: SigV2Options): Promise<SigV2Verified> {
  if (auth.length > MAX_AUTHORIZATION_BYTES) throw invalidHeader(auth.slice(0, 64) + '…');
  const credential = auth.trim().slice(3).trim();
  const colon = credential.indexOf(':');
  if (colon <= 0 || colon === credential.length - 1 || /\s/.test(credential)) throw invalidHeader(auth);
  const accessKeyId = credential.slice(0, colon);
  const signature = credential.slice(colon + 1);

  // With x-amz-date the Date slot of the string to sign is empty (AWS's rule); botocore sends Date.
  const amzDate = nonEmpty(first(header(req.headers, 'x-amz-date')));
  const date = nonEmpty(first(header(req.headers, 'date')));
  const when = amzDate ?? date;
  const signedAt = when === undefined ? undefined : parseHttpDate(when);
  if (!signedAt) {
    throw new AuthFailure('malformedDate', S3_MESSAGES.dateRequired, { s3Code: 'AccessDenied', s3Message: S3_MESSAGES.dateRequired });
  }
  const maxSkew = opts.maxSkewMs ?? DEFAULT_SKEW_MS;
  if (Math.abs(signedAt.getTime() - opts.now.getTime()) > maxSkew) {
    throw new AuthFailure('signatureExpired', S3_MESSAGES.skewed, {
      s3Code: 'RequestTimeTooSkewed',
      s3Message: S3_MESSAGES.skewed,
      requestTime: when!.trim(),
      serverTime: iso(opts.now),
      maxSkewMs: maxSkew,
    });
  }
  const securityToken = nonEmpty(first(header(req.headers, 'x-amz-security-token')));
  const { secretAccessKey } = await lookup(accessKeyId, securityToken);
  const amz = amzHeaders(req, undefined);
  const slots = amzDate !== undefined ? ['', date?.trim() ?? ''] : [date!.trim()];
  check(req, secretAccessKey, accessKeyId, signature, slots, amz, undefined, opts);
  return { accessKeyId, securityToken, presigned: false };
}

async function verifyQuery(req: SignedRequest, lookup: SecretLookup, opts: SigV2Options): Promise<SigV2Verified> {
  const params = new Map<string, string>();
  const query = splitQuery(req.rawQuery);
  for (const p of query) {
    if (!params.has(p.rawKey)) params.set(p.rawKey, decode(p.rawValue));
  }
  const [accessKeyId, signatureRaw, expires] = QUERY_PARAMS.map((k) => nonEmpty(params.get(k)));
  if (!accessKeyId || !signatureRaw || !expires) {
    throw new AuthFailure('incomplete', SIGV2_MESSAGES.queryParameters, { s3Code: 'AccessDenied', s3Message: SIGV2_MESSAGES.queryParameters });
  }
  if (!/^\d{1,12}$/.test(expires)) {
    const shown = expires.length > 64 ? expires.slice(0, 64) + '…' : expires;
    throw new AuthFailure('malformedDate', SIGV2_MESSAGES.expiresInvalid(shown), { s3Code: 'AccessDenied', s3Message: SIGV2_MESSAGES.expiresInvalid(shown) });
  }
  const expiresAt = new Date(Number(expires) * 1000);
  if (opts.now.getTime() > expiresAt.getTime()) {
    throw new AuthFailure('requestExpired', MESSAGES.requestExpired, { s3Code: 'AccessDenied', expires: iso(expiresAt), serverTime: iso(opts.now) });
  }
  // A `+` that a client left unencoded arrives as a space once decoded by some proxies.
  const signature = signatureRaw.replace(/ /g, '+');
  const securityToken = nonEmpty(params.get('x-amz-security-token')) ?? nonEmpty(first(header(req.headers, 'x-amz-security-token')));
  const { secretAccessKey } = await lookup(accessKeyId, securityToken);
  check(req, secretAccessKey, accessKeyId, signature, [expires], amzHeaders(req, query), params, opts);
  return { accessKeyId, securityToken, presigned: true, expiresAt };
}

/** Verifies one of the candidate strings to sign (the Date slot varies); throws SignatureDoesNotMatch. */
function check(
  req: SignedRequest,
  secret: string,
  accessKeyId: string,
  signature: string,
  dateSlots: readonly string[],
  amz: string,
  queryParams: Map<string, string> | undefined,
  opts: SigV2Options,
): void {
  const provided = /^[A-Za-z0-9+/]{27}=$/.test(signature) ? Buffer.from(signature, 'base64') : undefined;
  const standard = (name: 'content-md5' | 'content-type'): string => {
    const v = first(header(req.headers, name)) ?? queryParams?.get(name);
    return v === undefined ? '' : v.trim();
  };
  const head = `${req.method.toUpperCase()}\n${standard('content-md5')}\n${standard('content-type')}\n`;
  const tail = `\n${amz}${canonicalResource(req, opts.virtualHostBucket)}`;
  let firstSts: string | undefined;
  for (const slot of dateSlots) {
    const sts = head + slot + tail;
    firstSts ??= sts;
    if (!provided) break;
    // Header values arrive from node as latin1 (one char per byte): sign those bytes as sent.
    const enc = /[^\u0000-\u00ff]/.test(sts) ? 'utf8' : 'latin1';
    if (timingSafeEqual(createHmac('sha1', secret).update(sts, enc).digest(), provided)) return;
  }
  throw new AuthFailure('badSignature', MESSAGES.signatureMismatch, {
    stringToSign: displayable(firstSts!),
    signatureProvided: signature,
    accessKeyId,
  });
}

/**
 * `x-amz-*` headers: lower-case names, sorted, values trimmed and joined with `,`, one per line.
 * For the query form botocore moves them into the query (`x-amz-security-token`, …): those count too.
 */
function amzHeaders(req: SignedRequest, query: ReturnType<typeof splitQuery> | undefined): string {
  const found = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const list = found.get(name);
    if (list) list.push(value.trim());
    else found.set(name, [value.trim()]);
  };
  const raw = req.rawHeaders;
  if (raw && raw.length) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const n = raw[i]!.toLowerCase();
      if (n.startsWith('x-amz-')) add(n, raw[i + 1]!);
    }
  } else {
    for (const k in req.headers) {
      const n = k.toLowerCase();
      const v = req.headers[k];
      if (!n.startsWith('x-amz-') || v === undefined) continue;
      for (const one of typeof v === 'string' ? [v] : v) add(n, one);
    }
  }
  if (query) {
    for (const p of query) {
      const n = decode(p.rawKey).toLowerCase();
      if (n.startsWith('x-amz-') && !found.has(n)) add(n, decode(p.rawValue));
    }
  }
  if (found.size === 0) return '';
  let out = '';
  for (const name of [...found.keys()].sort()) out += `${name}:${found.get(name)!.join(',')}\n`;
  return out;
}

/** The path as sent (with `/bucket` for virtual-hosted style) and the signed sub-resources, sorted by name. */
function canonicalResource(req: SignedRequest, bucket: string | undefined): string {
  let out = (bucket !== undefined ? `/${bucket}` : '') + (req.rawPath === '' ? '/' : req.rawPath);
  if (!req.rawQuery) return out;
  const sub: [string, string | undefined][] = [];
  for (const part of req.rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (SIGNED_SUBRESOURCES.has(key)) sub.push([key, eq < 0 ? undefined : decode(part.slice(eq + 1))]);
  }
  if (sub.length === 0) return out;
  sub.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // stable: equal names keep their order
  out += '?' + sub.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&');
  return out;
}

/** Percent-decoding to a byte string (latin1: one char per byte), as the bytes that were signed. */
function decode(s: string): string {
  return s.indexOf('%') < 0 ? s : Buffer.from(percentDecodeBytes(s)).toString('latin1');
}

/** A byte string shown as UTF-8 text where it is valid UTF-8 (for the StringToSign in the error). */
function displayable(s: string): string {
  if (!/[\u0080-\u00ff]/.test(s)) return s;
  const b = Buffer.from(s, 'latin1');
  const t = b.toString('utf8');
  return Buffer.from(t, 'utf8').equals(b) ? t : s;
}

function invalidHeader(auth: string): AuthFailure {
  return new AuthFailure('incomplete', SIGV2_MESSAGES.headerInvalid, {
    s3Code: 'InvalidArgument',
    s3Message: SIGV2_MESSAGES.headerInvalid,
    argumentName: 'Authorization',
    argumentValue: auth.length > 256 ? auth.slice(0, 256) + '…' : auth,
  });
}

function header(h: Headers, name: string): string | string[] | undefined {
  const v = h[name];
  if (v !== undefined) return v;
  for (const k in h) if (k.toLowerCase() === name) return h[k];
  return undefined;
}

function first(v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v[0];
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
