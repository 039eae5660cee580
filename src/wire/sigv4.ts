import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalQuery, canonicalUri, percentDecode, rawCanonicalQuery, splitQuery, trimAll, type QueryParam } from './sigv4/canonical.js';
import { AuthFailure, type AuthFailureDetails, type AuthFailureKind } from './sigv4/errors.js';
import { SigningKeyCache } from './sigv4/keys.js';
import { formatAmzDate, parseAmzDate, parseHttpDate } from './sigv4/time.js';

/**
 * AWS Signature Version 4 verification, server side: the Authorization header form and the
 * presigned query form, with the canonical request built exactly as botocore and the JS SDK v3
 * build it (see docs: aws-wire-facts §4). Messages follow AWS's wording.
 *
 * Hot path cost: one SHA-256 of the body (when no x-amz-content-sha256), one of the canonical
 * request, one HMAC with a cached signing key. Alternative canonical forms (a raw query string,
 * other payload hashes) are only tried after the first one fails.
 */

export { AuthFailure, SigningKeyCache };
export type { AuthFailureDetails, AuthFailureKind };

export interface SignedRequest {
  method: string; // 'GET' | 'POST' | ...
  rawPath: string; // request path as received, percent-encoding intact, no query
  rawQuery: string; // query string as received, without '?', may be ''
  headers: Record<string, string | string[] | undefined>; // node's IncomingMessage.headers (lowercase names)
  /**
   * The full body, for payload hashing; `undefined` = not read yet (S3 streams bodies). Then a hex
   * `x-amz-content-sha256` is taken as signed and not compared here: the caller hashes the stream
   * and compares it with `VerifiedRequest.expectedBodySha256` (mismatch: `contentSha256Mismatch`).
   * A header-form request without `x-amz-content-sha256` is refused (S3's `InvalidRequest`).
   */
  body?: Uint8Array | undefined;
  /**
   * Optional: node's IncomingMessage.rawHeaders (name, value, name, value, …). With it a header
   * sent several times is canonicalized exactly as the SDKs sign it (each value trimmed, joined
   * with ','); node's `headers` joins repeats with ', ', which does not verify. `headersDistinct`
   * passed as `headers` works as well.
   */
  rawHeaders?: readonly string[];
}

export interface SigningSecret {
  secretAccessKey: string;
}

/** Resolves the secret for a key id (and the session token, for ASIA keys). Throws AuthFailure ('unknownKey' | 'expiredToken' | 'invalidToken') itself. */
export type SecretLookup = (accessKeyId: string, securityToken: string | undefined) => Promise<SigningSecret>;

export interface VerifiedRequest {
  accessKeyId: string;
  securityToken: string | undefined;
  region: string;
  service: string;
  signedAt: Date;
  presigned: boolean;
  signedHeaders: string[];
  /** The payload hash that was signed: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-… literal. */
  payloadHash?: string;
  /** The request's signature (hex); the seed signature of an aws-chunked signed body. */
  signature?: string;
  /** Presigned requests: when the URL stops being valid. */
  expiresAt?: Date;
  /**
   * Set only when the body was not passed (streamed) and the signed payload hash is a hex SHA-256
   * (lower case): the caller must hash the body it reads and refuse it on a difference with
   * `contentSha256Mismatch(expectedBodySha256, actual)` — nothing else checks it.
   */
  expectedBodySha256?: string;
  /**
   * STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] bodies only: what each chunk signature is checked
   * with (wire/aws-chunked.ts). `key` is the derived signing key: as secret as the secret key.
   */
  chunkSigning?: ChunkSigning;
}

/** The chain of chunk signatures starts at the request's own signature (the seed). */
export interface ChunkSigning {
  /** The SigV4 signing key of the request's scope. */
  key: Buffer;
  /** X-Amz-Date as signed, `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  /** `date/region/service/aws4_request` */
  scope: string;
  /** The request's signature (hex), which the first chunk's string to sign names. */
  seedSignature: string;
}

export interface VerifyOptions {
  now: Date;
  maxSkewMs?: number /* default 15 min */;
  uriEncoding: 'double' /* non-S3: normalize + encode again */ | 'single' /* S3: raw path */;
  /** Signing-key cache; a module-wide one (1024 entries) by default. */
  keyCache?: SigningKeyCache;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const DEFAULT_SKEW_MS = 15 * 60_000;
/** Authorization headers longer than this are refused before any parsing. */
export const MAX_AUTHORIZATION_BYTES = 8192;
/** At most this many names in SignedHeaders / X-Amz-SignedHeaders. */
export const MAX_SIGNED_HEADERS = 128;
/** The largest X-Amz-Expires AWS accepts (seven days). */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604_800;

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const PAYLOAD_LITERALS = new Set([
  UNSIGNED_PAYLOAD,
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);
const HEX64 = /^[0-9a-fA-F]{64}$/;
const STREAMING_SIGNED_PREFIX = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
/** SHA-256 of the empty string. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

export const MESSAGES = {
  missing: 'Request is missing Authentication Token',
  signatureMismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  hostNotSigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  unknownKey: 'The security token included in the request is invalid.',
  requestExpired: 'Request has expired',
  contentSha256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  contentSha256Invalid:
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
  twoAuthMechanisms:
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
  missingContentSha256: 'Missing required header for this request: x-amz-content-sha256',
} as const;

/** S3's wording for the same situations (S3 answers with its own codes; see server/auth.ts s3AuthError). */
export const S3_MESSAGES = {
  headerComponents: 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
  credentialMalformed: 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
  queryCredentialMalformed: 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
  credentialDate: 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
  queryCredentialDate: 'Invalid credential date. Date is not the same as X-Amz-Date.',
  dateRequired: 'AWS authentication requires a valid Date or x-amz-date header',
  queryParameters:
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  queryDate: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
  queryAlgorithm: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
  unsupportedAuthorization: 'Unsupported Authorization Type',
  notYetValid: 'Request is not yet valid',
  skewed: 'The difference between the request time and the current time is too large.',
} as const;

/**
 * The AuthFailure for a streamed body whose SHA-256 differs from the signed x-amz-content-sha256
 * (S3 `XAmzContentSHA256Mismatch` 400); both hashes lower-case hex.
 */
export function contentSha256Mismatch(declared: string, computed: string): AuthFailure {
  return new AuthFailure('badSignature', MESSAGES.contentSha256Mismatch, {
    s3Code: 'XAmzContentSHA256Mismatch',
    clientComputedContentSHA256: declared.toLowerCase(),
    s3ComputedContentSHA256: computed,
  });
}

const defaultKeyCache = new SigningKeyCache(1024);

type Headers = SignedRequest['headers'];

/** True when the request carries SigV4 auth (Authorization header or X-Amz-Credential query). */
export function hasSigV4(req: SignedRequest): boolean {
  const auth = firstValue(lowerHeaders(req.headers)['authorization']);
  // A SigV2 header (`AWS AKID:signature`) is not SigV4; anything else in Authorization is an attempt.
  if (auth !== undefined && auth.trim() !== '' && !/^AWS\s/.test(auth.trimStart())) return true;
  const q = req.rawQuery;
  if (!q || q.indexOf('X-Amz-') < 0) return false;
  return splitQuery(q).some((p) => PRESIGN_MARKERS.has(p.rawKey));
}

const PRESIGN_MARKERS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature']);

export async function verifySigV4(req: SignedRequest, lookup: SecretLookup, opts: VerifyOptions): Promise<VerifiedRequest> {
  const headers = lowerHeaders(req.headers);
  const auth = firstValue(headers['authorization']);
  const params = splitQuery(req.rawQuery);
  if (auth !== undefined && auth.trim() !== '') {
    if (params.some((p) => p.rawKey === 'X-Amz-Algorithm' || p.rawKey === 'X-Amz-Credential')) {
      throw new AuthFailure('incomplete', MESSAGES.twoAuthMechanisms, { s3Code: 'InvalidArgument' });
    }
    return verifyHeaderForm(req, headers, params, auth, lookup, opts);
  }
  if (params.some((p) => PRESIGN_MARKERS.has(p.rawKey))) return verifyPresigned(req, headers, params, lookup, opts);
  throw new AuthFailure('missing', MESSAGES.missing);
}

// ---------------------------------------------------------------- Authorization header form

async function verifyHeaderForm(
  req: SignedRequest,
  headers: Headers,
  params: QueryParam[],
  auth: string,
  lookup: SecretLookup,
  opts: VerifyOptions,
): Promise<VerifiedRequest> {
  if (auth.length > MAX_AUTHORIZATION_BYTES) {
    throw new AuthFailure('incomplete', `Authorization header is ${auth.length} bytes long; at most ${MAX_AUTHORIZATION_BYTES} are accepted.`);
  }
  const text = auth.trim();
  const sp = text.search(/\s/);
  const algorithm = sp < 0 ? text : text.slice(0, sp);
  // S3 names an Authorization header of another scheme (Bearer, Basic, …) unsupported.
  const otherScheme: AuthFailureDetails | undefined = algorithm.startsWith('AWS4-')
    ? undefined
    : { s3Code: 'InvalidArgument', s3Message: S3_MESSAGES.unsupportedAuthorization, argumentName: 'Authorization', argumentValue: shorten(auth, 256) };
  let credential: string | undefined;
  let signature: string | undefined;
  let signedHeadersLine: string | undefined;
  if (sp >= 0) {
    for (const tok of text.slice(sp + 1).split(/[\s,]+/)) {
      if (tok === '') continue;
      const eq = tok.indexOf('=');
      if (eq < 0) throw new AuthFailure('incomplete', `'${tok}' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.`, otherScheme ?? { s3Code: 'AuthorizationHeaderMalformed' });
      const k = tok.slice(0, eq);
      if (k === 'Credential') credential ??= tok.slice(eq + 1);
      else if (k === 'Signature') signature ??= tok.slice(eq + 1);
      else if (k === 'SignedHeaders') signedHeadersLine ??= tok.slice(eq + 1);
    }
  }
  const amzDate = nonEmpty(firstValue(headers['x-amz-date']));
  const httpDate = amzDate === undefined ? nonEmpty(firstValue(headers['date'])) : undefined;
  let missing = '';
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signedHeadersLine) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (amzDate === undefined && httpDate === undefined) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!credential || !signature || !signedHeadersLine) {
    throw new AuthFailure('incomplete', `${missing}Authorization=${auth}`, otherScheme ?? { s3Code: 'AuthorizationHeaderMalformed', s3Message: S3_MESSAGES.headerComponents });
  }
  if (missing) throw new AuthFailure('incomplete', `${missing}Authorization=${auth}`, { s3Code: 'AccessDenied', s3Message: S3_MESSAGES.dateRequired });

  const signedAt = amzDate !== undefined ? parseAmzDate(amzDate.trim()) : parseHttpDate(httpDate!);
  if (!signedAt) throw malformedDate(amzDate ?? httpDate!, 'AccessDenied', S3_MESSAGES.dateRequired);
  checkSkew(signedAt, opts);

  const names = parseSignedHeaders(signedHeadersLine);
  if (!names.includes('host') && !names.includes(':authority')) throw new AuthFailure('badSignature', MESSAGES.hostNotSigned);
  if (algorithm !== ALGORITHM) throw unsupportedAlgorithm(algorithm, 'InvalidArgument', S3_MESSAGES.unsupportedAuthorization);
  const scope = parseCredential(credential, signedAt, false);
  const securityToken = nonEmpty(firstValue(headers['x-amz-security-token']));
  const payload = payloadHashes(req, nonEmpty(firstValue(headers['x-amz-content-sha256'])), false, opts);

  const amzDateText = amzDate !== undefined ? amzDate.trim() : formatAmzDate(signedAt);
  const key = await checkSignature(req, headers, lookup, opts, {
    scope,
    securityToken,
    amzDateText,
    names,
    signedHeadersLine,
    signature,
    payload,
    query: () => canonicalQuery(params),
    rawQuery: () => rawCanonicalQuery(req.rawQuery),
  });
  const out: VerifiedRequest = {
    accessKeyId: scope.accessKeyId,
    securityToken,
    region: scope.region,
    service: scope.service,
    signedAt,
    presigned: false,
    signedHeaders: names,
    payloadHash: payload.signed,
    signature,
  };
  return withStreamFacts(out, req, key, amzDateText, scope);
}

// ---------------------------------------------------------------- presigned query form

async function verifyPresigned(
  req: SignedRequest,
  headers: Headers,
  params: QueryParam[],
  lookup: SecretLookup,
  opts: VerifyOptions,
): Promise<VerifiedRequest> {
  const got = new Map<string, string>();
  let contentSha: string | undefined;
  for (const p of params) {
    const key = p.rawKey.indexOf('%') >= 0 ? percentDecode(p.rawKey) : p.rawKey;
    if (key.startsWith('X-Amz-') && !got.has(key)) got.set(key, percentDecode(p.rawValue));
    if (contentSha === undefined && key.toLowerCase() === 'x-amz-content-sha256') contentSha = percentDecode(p.rawValue);
  }
  const algorithm = nonEmpty(got.get('X-Amz-Algorithm'));
  const credential = nonEmpty(got.get('X-Amz-Credential'));
  const signature = nonEmpty(got.get('X-Amz-Signature'));
  const signedHeadersLine = nonEmpty(got.get('X-Amz-SignedHeaders'));
  const amzDate = nonEmpty(got.get('X-Amz-Date'));
  let missing = '';
  if (!algorithm) missing += "AWS query-string parameters must include 'X-Amz-Algorithm'. ";
  if (!credential) missing += "AWS query-string parameters must include 'X-Amz-Credential'. ";
  if (!signature) missing += "AWS query-string parameters must include 'X-Amz-Signature'. ";
  if (!signedHeadersLine) missing += "AWS query-string parameters must include 'X-Amz-SignedHeaders'. ";
  if (!amzDate) missing += "AWS query-string parameters must include 'X-Amz-Date'. ";
  if (missing || !algorithm || !credential || !signature || !signedHeadersLine || !amzDate) {
    throw new AuthFailure('incomplete', `${missing}Re-examine the query-string parameters.`, {
      s3Code: 'AuthorizationQueryParametersError',
      s3Message: S3_MESSAGES.queryParameters,
    });
  }
  if (algorithm !== ALGORITHM) throw unsupportedAlgorithm(algorithm, 'AuthorizationQueryParametersError', S3_MESSAGES.queryAlgorithm);
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) throw malformedDate(amzDate, 'AuthorizationQueryParametersError', S3_MESSAGES.queryDate);

  const expiresText = got.get('X-Amz-Expires');
  let expiresAt: Date | undefined;
  if (expiresText !== undefined) {
    if (!/^\d{1,9}$/.test(expiresText)) {
      const msg = /^-\d+$/.test(expiresText) ? 'X-Amz-Expires must be non-negative' : 'X-Amz-Expires should be a number';
      throw new AuthFailure('incomplete', msg, { s3Code: 'AuthorizationQueryParametersError' });
    }
    const seconds = Number(expiresText);
    if (seconds > MAX_PRESIGN_EXPIRES_SECONDS) {
      throw new AuthFailure(
        'incomplete',
        `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${MAX_PRESIGN_EXPIRES_SECONDS} seconds`,
        { s3Code: 'AuthorizationQueryParametersError' },
      );
    }
    expiresAt = new Date(signedAt.getTime() + seconds * 1000);
  }
  const maxSkew = opts.maxSkewMs ?? DEFAULT_SKEW_MS;
  if (expiresAt) {
    // Valid from X-Amz-Date (less the allowed skew) until X-Amz-Date + X-Amz-Expires.
    if (signedAt.getTime() > opts.now.getTime() + maxSkew) {
      const e = notYetCurrent(signedAt, opts.now, maxSkew);
      // S3 answers a presigned URL from the future with AccessDenied "Request is not yet valid".
      throw new AuthFailure(e.kind, e.message, {
        s3Code: 'AccessDenied',
        s3Message: S3_MESSAGES.notYetValid,
        requestTime: amzDate,
        expires: formatIso(expiresAt),
        serverTime: formatIso(opts.now),
      });
    }
    if (opts.now.getTime() > expiresAt.getTime()) {
      throw new AuthFailure('requestExpired', MESSAGES.requestExpired, {
        s3Code: 'AccessDenied',
        expires: formatIso(expiresAt),
        serverTime: formatIso(opts.now),
        requestTime: amzDate,
        amzExpires: expiresText,
      });
    }
  } else {
    checkSkew(signedAt, opts);
  }

  const names = parseSignedHeaders(signedHeadersLine);
  if (!names.includes('host') && !names.includes(':authority')) throw new AuthFailure('badSignature', MESSAGES.hostNotSigned);
  const scope = parseCredential(credential, signedAt, true);
  const securityToken = nonEmpty(got.get('X-Amz-Security-Token'));
  const payload = payloadHashes(req, contentSha ?? nonEmpty(firstValue(headers['x-amz-content-sha256'])), true, opts);

  const key = await checkSignature(req, headers, lookup, opts, {
    scope,
    securityToken,
    amzDateText: amzDate,
    names,
    signedHeadersLine,
    signature,
    payload,
    query: () => canonicalQuery(params, 'X-Amz-Signature'),
    rawQuery: () => rawCanonicalQuery(req.rawQuery, 'X-Amz-Signature'),
  });
  const out: VerifiedRequest = {
    accessKeyId: scope.accessKeyId,
    securityToken,
    region: scope.region,
    service: scope.service,
    signedAt,
    presigned: true,
    signedHeaders: names,
    payloadHash: payload.signed,
    signature,
  };
  if (expiresAt) out.expiresAt = expiresAt;
  return withStreamFacts(out, req, key, amzDate, scope);
}

/** What a caller that streams the body needs: the hash to compare, or the chunk signing chain. */
function withStreamFacts(out: VerifiedRequest, req: SignedRequest, key: Buffer, amzDate: string, scope: Scope): VerifiedRequest {
  const signed = out.payloadHash;
  if (signed === undefined) return out;
  if (req.body === undefined && HEX64.test(signed)) out.expectedBodySha256 = signed.toLowerCase();
  else if (signed.startsWith(STREAMING_SIGNED_PREFIX) && out.signature !== undefined) {
    out.chunkSigning = { key, amzDate, scope: scope.text, seedSignature: out.signature };
  }
  return out;
}

// ---------------------------------------------------------------- shared steps

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** `date/region/service/aws4_request` */
  text: string;
}

function parseCredential(credential: string, signedAt: Date, presigned: boolean): Scope {
  const parts = credential.replace(/\/+$/, '').split('/');
  if (parts.length !== 5) {
    throw new AuthFailure(
      'incomplete',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
      presigned
        ? { s3Code: 'AuthorizationQueryParametersError', s3Message: S3_MESSAGES.queryCredentialMalformed }
        : { s3Code: 'AuthorizationHeaderMalformed', s3Message: S3_MESSAGES.credentialMalformed },
    );
  }
  const [accessKeyId, date, region, service, term] = parts as [string, string, string, string, string];
  const problems: string[] = [];
  if (region === '') problems.push("Credential should be scoped to a valid region, not ''.");
  if (service === '') problems.push("Credential should be scoped to correct service: ''.");
  if (term !== TERMINATOR) problems.push(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${term}'.`);
  const expected = formatAmzDate(signedAt);
  if (date !== expected.slice(0, 8)) {
    problems.push(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${expected.slice(0, 8)}', from '${expected}'.`);
  }
  if (problems.length) {
    const dateOnly = problems.length === 1 && date !== expected.slice(0, 8);
    throw new AuthFailure(
      'badSignature',
      problems.join(' '),
      dateOnly
        ? presigned
          ? { s3Code: 'AuthorizationQueryParametersError', s3Message: S3_MESSAGES.queryCredentialDate }
          : { s3Code: 'AuthorizationHeaderMalformed', s3Message: S3_MESSAGES.credentialDate }
        : {},
    );
  }
  if (accessKeyId === '') throw new AuthFailure('unknownKey', MESSAGES.unknownKey);
  return { accessKeyId, date, region, service, text: `${date}/${region}/${service}/${TERMINATOR}` };
}

function parseSignedHeaders(line: string): string[] {
  const names = line.split(';');
  if (names.length > MAX_SIGNED_HEADERS) {
    throw new AuthFailure('incomplete', `SignedHeaders lists ${names.length} headers; at most ${MAX_SIGNED_HEADERS} are accepted.`);
  }
  if (/[A-Z\s]/.test(line)) for (let i = 0; i < names.length; i++) names[i] = names[i]!.trim().toLowerCase();
  return names;
}

function checkSkew(signedAt: Date, opts: VerifyOptions): void {
  const maxSkew = opts.maxSkewMs ?? DEFAULT_SKEW_MS;
  const now = opts.now.getTime();
  const t = signedAt.getTime();
  if (t < now - maxSkew) {
    throw new AuthFailure(
      'signatureExpired',
      `Signature expired: ${formatAmzDate(signedAt)} is now earlier than ${formatAmzDate(new Date(now - maxSkew))} (${formatAmzDate(opts.now)} - ${skewLabel(maxSkew)})`,
      skewDetails(signedAt, opts.now, maxSkew),
    );
  }
  if (t > now + maxSkew) throw notYetCurrent(signedAt, opts.now, maxSkew);
}

function notYetCurrent(signedAt: Date, nowDate: Date, maxSkew: number): AuthFailure {
  const now = nowDate.getTime();
  return new AuthFailure(
    'signatureExpired',
    `Signature not yet current: ${formatAmzDate(signedAt)} is still later than ${formatAmzDate(new Date(now + maxSkew))} (${formatAmzDate(nowDate)} + ${skewLabel(maxSkew)})`,
    skewDetails(signedAt, nowDate, maxSkew),
  );
}

function skewDetails(signedAt: Date, now: Date, maxSkew: number): AuthFailureDetails {
  return { s3Code: 'RequestTimeTooSkewed', s3Message: S3_MESSAGES.skewed, requestTime: formatAmzDate(signedAt), serverTime: formatIso(now), maxSkewMs: maxSkew };
}

function skewLabel(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min.` : `${ms / 1000} sec.`;
}

function malformedDate(value: string, s3Code: AuthFailureDetails['s3Code'], s3Message: string): AuthFailure {
  const shown = value.length > 256 ? value.slice(0, 256) + '…' : value;
  return new AuthFailure('malformedDate', `Date must be in ISO-8601 'basic format'. Got '${shown}'. See http://en.wikipedia.org/wiki/ISO_8601`, { s3Code, s3Message });
}

function unsupportedAlgorithm(algorithm: string, s3Code: AuthFailureDetails['s3Code'], s3Message: string): AuthFailure {
  const shown = algorithm.length > 64 ? algorithm.slice(0, 64) + '…' : algorithm;
  const details: AuthFailureDetails = { s3Code, s3Message };
  if (s3Code === 'InvalidArgument') {
    details.argumentName = 'Authorization';
    details.argumentValue = shown;
  }
  return new AuthFailure('incomplete', `Unsupported AWS 'algorithm': '${shown}' (only AWS4-HMAC-SHA256 for now).`, details);
}

interface PayloadHashes {
  /** the value used by the first canonical request tried */
  signed: string;
  /** further values to try when the first does not verify */
  alternates: string[];
  /** a hex hash the body must match once the signature is good */
  mustMatchBody?: string;
}

function payloadHashes(req: SignedRequest, declared: string | undefined, presigned: boolean, opts: VerifyOptions): PayloadHashes {
  const body = req.body;
  if (declared !== undefined) {
    if (HEX64.test(declared)) return body === undefined ? { signed: declared, alternates: [] } : { signed: declared, alternates: [], mustMatchBody: declared.toLowerCase() };
    if (PAYLOAD_LITERALS.has(declared)) return { signed: declared, alternates: [] };
    const shown = declared.length > 128 ? declared.slice(0, 128) + '…' : declared;
    throw new AuthFailure('incomplete', MESSAGES.contentSha256Invalid, { s3Code: 'InvalidArgument', argumentName: 'x-amz-content-sha256', argumentValue: shown });
  }
  if (body === undefined) {
    // A streamed body cannot be hashed before the signature is checked: S3 requires the header.
    if (!presigned) throw new AuthFailure('incomplete', MESSAGES.missingContentSha256, { s3Code: 'InvalidRequest' });
    return { signed: UNSIGNED_PAYLOAD, alternates: [EMPTY_SHA256] };
  }
  if (!presigned) return { signed: sha256Hex(body), alternates: [] };
  // Presigned without a declared hash: S3 signs UNSIGNED-PAYLOAD; botocore's and the JS SDK's
  // generic presigners (STS GetCallerIdentity for EKS tokens) sign the hash of the (empty) body.
  return opts.uriEncoding === 'single'
    ? { signed: UNSIGNED_PAYLOAD, alternates: [sha256Hex(body)] }
    : { signed: sha256Hex(body), alternates: [UNSIGNED_PAYLOAD] };
}

interface SignatureInput {
  scope: Scope;
  securityToken: string | undefined;
  amzDateText: string;
  names: string[];
  signedHeadersLine: string;
  signature: string;
  payload: PayloadHashes;
  query: () => string;
  rawQuery: () => string;
}

/** Verifies the signature (and a full body against a declared hash); returns the signing key. */
async function checkSignature(req: SignedRequest, headers: Headers, lookup: SecretLookup, opts: VerifyOptions, s: SignatureInput): Promise<Buffer> {
  const { secretAccessKey } = await lookup(s.scope.accessKeyId, s.securityToken);
  const key = (opts.keyCache ?? defaultKeyCache).get(secretAccessKey, s.scope.date, s.scope.region, s.scope.service);

  const method = req.method.toUpperCase();
  const uri = canonicalUri(req.rawPath, opts.uriEncoding);
  const canonicalHeaders = buildCanonicalHeaders(req, headers, s.names);
  const query = s.query();
  const provided = SIGNATURE_HEX.test(s.signature) ? Buffer.from(s.signature, 'hex') : undefined;

  const build = (q: string, payload: string): string => `${method}\n${uri}\n${q}\n${canonicalHeaders}\n${s.signedHeadersLine}\n${payload}`;
  const stringToSign = (cr: string, enc: 'utf8' | 'latin1'): string =>
    `${ALGORITHM}\n${s.amzDateText}\n${s.scope.text}\n${sha256HexOfString(cr, enc)}`;
  const matches = (sts: string): boolean => {
    if (!provided) return false;
    return timingSafeEqual(createHmac('sha256', key).update(sts, 'utf8').digest(), provided);
  };

  const first = build(query, s.payload.signed);
  const firstSts = stringToSign(first, 'utf8');
  let ok = matches(firstSts);
  if (!ok && provided) {
    // Other forms real clients sign: the query exactly as sent (botocore, for a URL it did not
    // build), another payload hash for presigned URLs, header bytes as sent (non-ASCII values).
    const queries = [query];
    const raw = s.rawQuery();
    if (raw !== query) queries.push(raw);
    const payloads = [s.payload.signed, ...s.payload.alternates];
    const encodings: ('utf8' | 'latin1')[] = /[\u0080-\u00ff]/.test(canonicalHeaders) && !/[\u0100-\uffff]/.test(canonicalHeaders) ? ['utf8', 'latin1'] : ['utf8'];
    outer: for (const q of queries) {
      for (const p of payloads) {
        for (const enc of encodings) {
          if (q === query && p === s.payload.signed && enc === 'utf8') continue;
          if (matches(stringToSign(build(q, p), enc))) {
            ok = true;
            s.payload.signed = p;
            break outer;
          }
        }
      }
    }
  }
  if (!ok) {
    throw new AuthFailure('badSignature', MESSAGES.signatureMismatch, {
      canonicalRequest: first,
      stringToSign: firstSts,
      signatureProvided: s.signature,
      accessKeyId: s.scope.accessKeyId,
    });
  }
  if (s.payload.mustMatchBody !== undefined && req.body !== undefined) {
    const actual = sha256Hex(req.body);
    if (actual !== s.payload.mustMatchBody) throw contentSha256Mismatch(s.payload.mustMatchBody, actual);
  }
  return key;
}

/** `name:value\n` for each signed header, in SignedHeaders order; repeated headers joined with ','. */
function buildCanonicalHeaders(req: SignedRequest, headers: Headers, names: readonly string[]): string {
  let raw: Map<string, string[]> | undefined;
  if (req.rawHeaders && req.rawHeaders.length) {
    raw = new Map();
    const rh = req.rawHeaders;
    for (let i = 0; i + 1 < rh.length; i += 2) {
      const n = rh[i]!.toLowerCase();
      const list = raw.get(n);
      if (list) list.push(rh[i + 1]!);
      else raw.set(n, [rh[i + 1]!]);
    }
  }
  let out = '';
  for (const name of names) {
    let values: readonly string[] | undefined;
    if (raw) values = raw.get(name);
    if (values === undefined) {
      const v = headers[name];
      values = v === undefined ? undefined : typeof v === 'string' ? [v] : v;
    }
    if (values === undefined && name === 'host') {
      const authority = firstValue(headers[':authority']);
      if (authority !== undefined) values = [authority];
    }
    let value = '';
    if (values) {
      for (let i = 0; i < values.length; i++) value += (i ? ',' : '') + trimAll(values[i]!);
    }
    out += name + ':' + value + '\n';
  }
  return out;
}

// crypto.hash (node ≥ 20.12) is a one-shot digest, about twice as fast as createHash for small inputs.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string | Uint8Array, enc: 'hex') => string }).hash;

function sha256Hex(data: Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

function sha256HexOfString(s: string, enc: 'utf8' | 'latin1'): string {
  if (enc === 'utf8' && oneShot) return oneShot('sha256', s, 'hex');
  return createHash('sha256').update(s, enc).digest('hex');
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v[0];
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function shorten(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}

function formatIso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Node lower-cases header names already; other callers may not. */
function lowerHeaders(h: Headers): Headers {
  let needs = false;
  for (const k in h) {
    if (/[A-Z]/.test(k)) {
      needs = true;
      break;
    }
  }
  if (!needs) return h;
  const out: Headers = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    const lk = k.toLowerCase();
    const prev = out[lk];
    if (prev === undefined) out[lk] = v;
    else out[lk] = [...(typeof prev === 'string' ? [prev] : prev), ...(typeof v === 'string' ? [v] : v)];
  }
  return out;
}
