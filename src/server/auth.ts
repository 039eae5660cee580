import { AwsError } from '../aws/error.js';
import type { Caller } from '../iam/authorizer.js';
import type { IamEnv } from '../iam/env.js';
import type { AccessKeyDoc, UserDoc } from '../iam/model.js';
import { K } from '../iam/model.js';
import { callerFromSession } from '../sts/operations.js';
import type { SessionSealer } from '../sts/session.js';
import { AuthFailure, hasSigV4, verifySigV4, type AuthFailureKind, type SecretLookup, type SignedRequest } from '../wire/sigv4.js';

/**
 * Who signed a request: an IAM user's access key (AKIA…, secret sealed in the store) or a
 * temporary key (ASIA…) whose session token carries the sealed session. Secrets of long-term
 * keys are cached briefly after the first lookup; session tokens need no lookup at all.
 */
interface KeyEntry {
  readonly secret: string;
  readonly caller: Caller;
  readonly generation: number;
  readonly at: number;
}

const MAX_KEYS = 10_000;

export class CredentialResolver {
  private readonly keys = new Map<string, KeyEntry>();

  constructor(
    private readonly env: IamEnv,
    private readonly sessions: SessionSealer,
  ) {}

  /** A SecretLookup for one request; `caller()` afterwards says who it was. */
  forRequest(): { lookup: SecretLookup; caller: () => Caller | undefined } {
    let caller: Caller | undefined;
    const lookup: SecretLookup = async (accessKeyId, token) => {
      if (accessKeyId.startsWith('ASIA')) {
        const claims = token === undefined ? undefined : this.sessions.open(token);
        if (!claims || claims.ak !== accessKeyId) throw new AuthFailure('invalidToken', 'The security token included in the request is invalid.');
        if (claims.exp * 1000 <= this.env.now().getTime()) throw new AuthFailure('expiredToken', 'The security token included in the request is expired');
        caller = callerFromSession(claims);
        return { secretAccessKey: claims.sk };
      }
      const entry = await this.longTermKey(accessKeyId);
      if (!entry) throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
      caller = entry.caller;
      return { secretAccessKey: entry.secret };
    };
    return { lookup, caller: () => caller };
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
export async function authenticate(credentials: CredentialResolver, signed: SignedRequest, now: Date): Promise<{ caller: Caller; region: string }> {
  if (!hasSigV4(signed)) throw new AuthFailure('missing', 'Request is missing Authentication Token');
  const { lookup, caller } = credentials.forRequest();
  const v = await verifySigV4(signed, lookup, { now, uriEncoding: 'double' });
  const who = caller();
  if (!who) throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
  return { caller: who, region: v.region };
}

/** Authentication failures in the REST-JSON and JSON protocols' codes (EKS, Secrets Manager). */
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
