import { AwsError } from '../aws/error.js';
import type { Caller } from '../iam/authorizer.js';
import type { IamEnv } from '../iam/env.js';
import type { AccessKeyDoc, UserDoc } from '../iam/model.js';
import { K } from '../iam/model.js';
import { callerFromSession } from '../sts/operations.js';
import type { SessionSealer } from '../sts/session.js';
import { hasSigV2, verifySigV2 } from '../wire/sigv2.js';
import { AuthFailure, hasSigV4, MESSAGES, verifySigV4, type AuthFailureKind, type SecretLookup, type SignedRequest, type VerifiedRequest } from '../wire/sigv4.js';

/**
 * Who signed a request: an IAM user's access key (AKIA…, secret sealed in the store) or a
 * temporary key (ASIA…) whose session token carries the sealed session. Secrets of long-term
 * keys are cached briefly after the first lookup; session tokens need no lookup at all, and the
 * ones already opened are remembered (bounded) so the AEAD runs once per token, not per request.
 */
interface KeyEntry {
  readonly secret: string;
  readonly caller: Caller;
  readonly generation: number;
  readonly at: number;
}

const MAX_KEYS = 10_000;
/** Opened session tokens kept; a pod reuses one token for up to an hour, so most requests hit. */
const MAX_SESSIONS = 10_000;

interface SessionEntry {
  readonly ak: string;
  readonly sk: string;
  readonly exp: number;
  readonly caller: Caller;
}

export class CredentialResolver {
  private readonly keys = new Map<string, KeyEntry>();
  /**
   * Session tokens already opened, keyed by the token text. Only tokens that authenticated (the
   * AEAD tag verified) are kept, so a hit is as good as opening again; expiry and the access key
   * are still checked on every request.
   */
  private readonly sessionCache = new Map<string, SessionEntry>();

  constructor(
    private readonly env: IamEnv,
    private readonly sessions: SessionSealer,
  ) {}

  /** A SecretLookup for one request; `caller()` afterwards says who it was. */
  forRequest(): { lookup: SecretLookup; caller: () => Caller | undefined } {
    let caller: Caller | undefined;
    const lookup: SecretLookup = async (accessKeyId, token) => {
      if (accessKeyId.startsWith('ASIA')) {
        const session = token === undefined ? undefined : this.session(token);
        if (!session || session.ak !== accessKeyId) throw new AuthFailure('invalidToken', 'The security token included in the request is invalid.');
        if (session.exp * 1000 <= this.env.now().getTime()) throw new AuthFailure('expiredToken', 'The security token included in the request is expired');
        caller = session.caller;
        return { secretAccessKey: session.sk };
      }
      const entry = await this.longTermKey(accessKeyId);
      if (!entry) throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
      caller = entry.caller;
      return { secretAccessKey: entry.secret };
    };
    return { lookup, caller: () => caller };
  }

  private session(token: string): SessionEntry | undefined {
    const hit = this.sessionCache.get(token);
    if (hit) return hit;
    const claims = this.sessions.open(token);
    if (!claims) return undefined;
    const entry: SessionEntry = { ak: claims.ak, sk: claims.sk, exp: claims.exp, caller: callerFromSession(claims) };
    if (this.sessionCache.size >= MAX_SESSIONS) this.sessionCache.clear();
    this.sessionCache.set(token, entry);
    return entry;
  }

  private async longTermKey(accessKeyId: string): Promise<KeyEntry | undefined> {
    const hit = this.keys.get(accessKeyId);
    const now = Date.now();
    if (hit && hit.generation === this.env.generation && now - hit.at < this.env.cacheTtlMs) return hit;
    if (!/^AKIA[A-Z2-7]{16}$/.test(accessKeyId)) return undefined;
    const generation = this.env.generation;
    const found = await this.env.store.read(async (t) => {
      const key = await t.get<AccessKeyDoc>(K.accessKey, '', accessKeyId);
      if (!key || key.status !== 'Active') return undefined;
      const user = await t.get<UserDoc>(K.user, key.account, key.userName);
      return user ? { key, user } : undefined;
    });
    if (!found) {
      this.keys.delete(accessKeyId);
      return undefined;
    }
    const entry: KeyEntry = {
      secret: this.env.sealer.open(found.key.secretSealed),
      caller: { kind: 'user', account: found.key.account, arn: found.user.arn, userId: found.user.userId, userName: found.user.userName, accessKeyId },
      generation,
      at: now,
    };
    if (this.keys.size >= MAX_KEYS) this.keys.clear();
    this.keys.set(accessKeyId, entry);
    return entry;
  }
}

/** Authentication failures in the query protocol's codes (IAM, STS). */
export function queryAuthError(kind: AuthFailureKind, message: string): AwsError {
  switch (kind) {
    case 'missing':
      return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    case 'incomplete':
    case 'malformedDate':
      return new AwsError('IncompleteSignature', message, 400);
    case 'unknownKey':
    case 'invalidToken':
      return new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    case 'expiredToken':
      return new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
    case 'badSignature':
    case 'signatureExpired':
    case 'requestExpired':
      return new AwsError('SignatureDoesNotMatch', message, 403);
  }
}

/**
 * Verifies a request's SigV4 signature and resolves its caller. Throws AuthFailure, which each
 * protocol maps to its own codes.
 */
export async function authenticate(
  credentials: CredentialResolver,
  signed: SignedRequest,
  now: Date,
  options: { readonly maxSkewMs?: number } = {},
): Promise<{ caller: Caller; region: string }> {
  if (!hasSigV4(signed)) throw new AuthFailure('missing', 'Request is missing Authentication Token');
  const { lookup, caller } = credentials.forRequest();
  const v = await verifySigV4(signed, lookup, { now, uriEncoding: 'double', ...(options.maxSkewMs === undefined ? {} : { maxSkewMs: options.maxSkewMs }) });
  const who = caller();
  if (!who) throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
  return { caller: who, region: v.region };
}

/** Authentication failures in the REST-JSON protocol's codes (EKS); JSON 1.1 services use json11AuthError (json-endpoint.ts). */
export function jsonAuthError(kind: AuthFailureKind, message: string): AwsError {
  switch (kind) {
    case 'missing':
      return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    case 'incomplete':
    case 'malformedDate':
      return new AwsError('IncompleteSignatureException', message, 400);
    case 'unknownKey':
    case 'invalidToken':
      return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
    case 'expiredToken':
      return new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 403);
    case 'badSignature':
    case 'signatureExpired':
    case 'requestExpired':
      return new AwsError('InvalidSignatureException', message, 403);
  }
}

// ---------------------------------------------------------------- S3

/** Who sent an S3 request: nobody (S3 then authorizes the anonymous principal) or a verified signer. */
export type S3Authentication =
  | { kind: 'anonymous' }
  | {
      kind: 'signed';
      caller: Caller;
      /** The SigV4 credential scope's region; SigV2 names none. */
      region: string | undefined;
      signatureVersion: 2 | 4;
      /** SigV4 only: payload hash, expectedBodySha256 (streamed body), chunkSigning (aws-chunked). */
      verified: VerifiedRequest | undefined;
      presigned: boolean;
    };

export const S3_AUTH_MESSAGES = {
  unknownKey: 'The AWS Access Key Id you provided does not exist in our records.',
  expiredToken: 'The provided token has expired.',
  invalidToken: 'The provided token is malformed or otherwise invalid.',
} as const;

/**
 * Authenticates an S3 request before its body is read (`req.body` undefined): SigV4 (header or
 * presigned; the path is signed as sent) or SigV2 (header or query). No auth at all is anonymous.
 * Throws AuthFailure; `s3AuthError` turns it into S3's error.
 */
export async function authenticateS3(
  credentials: CredentialResolver,
  req: SignedRequest,
  now: Date,
  opts: { virtualHostBucket?: string | undefined } = {},
): Promise<S3Authentication> {
  const v4 = hasSigV4(req);
  const v2 = hasSigV2(req);
  if (!v4 && !v2) return { kind: 'anonymous' };
  if (v4 && v2) throw new AuthFailure('incomplete', MESSAGES.twoAuthMechanisms, { s3Code: 'InvalidArgument' });
  const { lookup, caller } = credentials.forRequest();
  const s3Lookup: SecretLookup = async (accessKeyId, token) => {
    // A temporary key without its token is not a key S3 knows.
    if (accessKeyId.startsWith('ASIA') && token === undefined) throw new AuthFailure('unknownKey', S3_AUTH_MESSAGES.unknownKey, { accessKeyId });
    try {
      return await lookup(accessKeyId, token);
    } catch (e) {
      if (e instanceof AuthFailure && e.kind === 'unknownKey') throw new AuthFailure('unknownKey', e.message, { ...e.details, accessKeyId });
      throw e;
    }
  };
  if (v4) {
    if (!/(^|&)X-Amz-Expires=/.test(req.rawQuery) && /(^|&)X-Amz-(Credential|Signature|Algorithm)=/.test(req.rawQuery) && !hasAuthorizationHeader(req)) {
      // S3 requires an expiry on presigned URLs (other services default it).
      throw new AuthFailure('incomplete', "AWS query-string parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters.", {
        s3Code: 'AuthorizationQueryParametersError',
        s3Message:
          'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      });
    }
    const v = await verifySigV4(req, s3Lookup, { now, uriEncoding: 'single' });
    const who = caller();
    if (!who) throw new AuthFailure('unknownKey', S3_AUTH_MESSAGES.unknownKey, { accessKeyId: v.accessKeyId });
    return { kind: 'signed', caller: who, region: v.region, signatureVersion: 4, verified: v, presigned: v.presigned };
  }
  const v = await verifySigV2(req, s3Lookup, { now, virtualHostBucket: opts.virtualHostBucket });
  const who = caller();
  if (!who) throw new AuthFailure('unknownKey', S3_AUTH_MESSAGES.unknownKey, { accessKeyId: v.accessKeyId });
  return { kind: 'signed', caller: who, region: undefined, signatureVersion: 2, verified: undefined, presigned: v.presigned };
}

function hasAuthorizationHeader(req: SignedRequest): boolean {
  const a = req.headers['authorization'];
  return a !== undefined && a !== '';
}

/** S3's error for an authentication failure: code, HTTP status, message and the extra elements S3 puts in `<Error>`. */
export interface S3AuthError {
  code: string;
  status: number;
  message: string;
  extra?: Record<string, string>;
}

/**
 * The S3 column of the authentication error table (aws-wire-facts §4): S3's codes and wording,
 * with the diagnostic elements S3 adds (StringToSign, CanonicalRequest, RequestTime, …). Never a
 * secret: the session token and signing key are not echoed.
 */
export function s3AuthError(e: AuthFailure): S3AuthError {
  const d = e.details;
  const extra: Record<string, string> = {};
  const message = d.s3Message ?? e.message;
  switch (d.s3Code) {
    case 'AuthorizationQueryParametersError':
    case 'AuthorizationHeaderMalformed':
    case 'InvalidRequest':
      return { code: d.s3Code, status: 400, message };
    case 'InvalidArgument':
      if (d.argumentName !== undefined) extra['ArgumentName'] = d.argumentName;
      if (d.argumentValue !== undefined) extra['ArgumentValue'] = d.argumentValue;
      return withExtra({ code: 'InvalidArgument', status: 400, message }, extra);
    case 'XAmzContentSHA256Mismatch':
      if (d.clientComputedContentSHA256) extra['ClientComputedContentSHA256'] = d.clientComputedContentSHA256;
      if (d.s3ComputedContentSHA256) extra['S3ComputedContentSHA256'] = d.s3ComputedContentSHA256;
      return withExtra({ code: 'XAmzContentSHA256Mismatch', status: 400, message }, extra);
    case 'RequestTimeTooSkewed':
      if (d.requestTime) extra['RequestTime'] = d.requestTime;
      if (d.serverTime) extra['ServerTime'] = d.serverTime;
      if (d.maxSkewMs !== undefined) extra['MaxAllowedSkewMilliseconds'] = String(d.maxSkewMs);
      return withExtra({ code: 'RequestTimeTooSkewed', status: 403, message }, extra);
    case 'AccessDenied':
      if (d.requestTime && e.kind !== 'requestExpired') extra['X-Amz-Date'] = d.requestTime;
      if (d.amzExpires) extra['X-Amz-Expires'] = d.amzExpires;
      if (d.expires) extra['Expires'] = d.expires;
      if (d.serverTime) extra['ServerTime'] = d.serverTime;
      return withExtra({ code: 'AccessDenied', status: 403, message }, extra);
    case undefined:
      break;
  }
  switch (e.kind) {
    case 'missing':
      return { code: 'AccessDenied', status: 403, message: 'Access Denied' };
    case 'incomplete':
      return { code: 'AuthorizationHeaderMalformed', status: 400, message };
    case 'malformedDate':
      return { code: 'AccessDenied', status: 403, message };
    case 'unknownKey':
      if (d.accessKeyId) extra['AWSAccessKeyId'] = d.accessKeyId;
      return withExtra({ code: 'InvalidAccessKeyId', status: 403, message: S3_AUTH_MESSAGES.unknownKey }, extra);
    case 'expiredToken':
      return { code: 'ExpiredToken', status: 400, message: S3_AUTH_MESSAGES.expiredToken };
    case 'invalidToken':
      return { code: 'InvalidToken', status: 400, message: S3_AUTH_MESSAGES.invalidToken };
    case 'requestExpired':
      return { code: 'AccessDenied', status: 403, message };
    case 'badSignature':
    case 'signatureExpired':
      if (d.accessKeyId) extra['AWSAccessKeyId'] = d.accessKeyId;
      if (d.stringToSign !== undefined) {
        extra['StringToSign'] = d.stringToSign;
        extra['StringToSignBytes'] = spacedHex(d.stringToSign);
      }
      if (d.signatureProvided !== undefined) extra['SignatureProvided'] = d.signatureProvided;
      if (d.canonicalRequest !== undefined) {
        extra['CanonicalRequest'] = d.canonicalRequest;
        extra['CanonicalRequestBytes'] = spacedHex(d.canonicalRequest);
      }
      return withExtra({ code: 'SignatureDoesNotMatch', status: 403, message }, extra);
  }
}

function withExtra(err: S3AuthError, extra: Record<string, string>): S3AuthError {
  if (Object.keys(extra).length) err.extra = extra;
  return err;
}

/** S3 shows the bytes of StringToSign / CanonicalRequest as two-digit hex separated by spaces. */
function spacedHex(s: string): string {
  const b = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < b.length; i++) out += (i ? ' ' : '') + (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return out;
}
