/**
 * Verifying a web identity token the way STS AssumeRoleWithWebIdentity does (aws-wire-facts §1.4):
 * algorithm allow-list, audience, signature with the IdP's published key, then the time claims
 * with IAM's five-minute clock-skew window. jose errors become AWS errors here and nowhere else.
 */
import { compactVerify, errors as joseErrors } from 'jose';
import { AwsError } from '../aws/error.js';
import type { JwksClient, ProviderTrust } from './jwks-client.js';
import { isSupportedAlgorithm } from './keys.js';
import {
  EXPIRED_TOKEN,
  INCORRECT_AUDIENCE,
  SIGNATURE_INVALID,
  invalidIdentityToken,
  issuedInFuture,
  malformedToken,
  missingClaim,
  notNumericDate,
  notYetValid,
  tokenExpired,
  tokenTooOld,
  unsupportedAlgorithm,
} from './messages.js';
import { decodeWebIdentityToken, type UnverifiedToken } from './token.js';

/**
 * "IAM provides a five-minute window beyond the expiration time specified in the JWT to account
 * for clock skew" (IAM User Guide, id_roles_providers_oidc). Applied to nbf and iat as well.
 */
export const CLOCK_SKEW_SECONDS = 300;

export interface VerifiedWebIdentity {
  claims: Record<string, unknown>;
  iss: string;
  sub: string;
  /** The audience that matched. */
  aud: string;
  amr?: string[];
}

export interface VerifyOptions {
  /**
   * The client id the caller matched against the provider's ClientIDList. When given, it must be
   * one of the token's audiences; when omitted, the token's first audience is reported.
   */
  audience?: string;
  /**
   * Reject tokens whose `iat` is older than this with ExpiredTokenException "Token too old: <age>".
   * AWS enforces an undocumented maximum (above 24 h, since EKS tokens live that long); off by default.
   */
  maxTokenAgeSeconds?: number;
}

/**
 * Verifies signature (RS256/384/512, ES256/384/512 only — never 'none' or HS*: rejected before
 * any key lookup), then exp (+300 s leeway, AWS's five minutes), nbf and iat (same leeway; a
 * future iat beyond leeway is invalid), integer NumericDates.
 */
export async function verifyWebIdentityToken(
  token: string,
  decoded: UnverifiedToken,
  trust: ProviderTrust,
  jwks: JwksClient,
  now: Date,
  options: VerifyOptions = {},
): Promise<VerifiedWebIdentity> {
  // Everything below reads this token's own parts; `decoded` only has to agree with them.
  const own = decodeWebIdentityToken(token);
  if (own.iss !== decoded.iss || own.header.alg !== decoded.header.alg || own.header.kid !== decoded.header.kid) {
    throw new TypeError('verifyWebIdentityToken: `decoded` was not decoded from `token`');
  }
  if (own.iss !== trust.issuer) throw new TypeError('verifyWebIdentityToken: the token `iss` is not the trusted issuer');

  const { alg, kid } = own.header;
  if (!isSupportedAlgorithm(alg)) throw invalidIdentityToken(unsupportedAlgorithm(alg));
  const aud = matchAudience(own.aud, options.audience);

  const key = await jwks.getKey(trust, kid === undefined ? { alg } : { alg, kid });
  try {
    await compactVerify(token, key, { algorithms: [alg] });
  } catch (e) {
    throw fromJose(e);
  }

  checkTimes(own.claims, Math.floor(now.getTime() / 1000), options.maxTokenAgeSeconds);
  if (own.sub === undefined) throw invalidIdentityToken(missingClaim('sub'));
  const amr = amrOf(own.claims['amr']);
  return { claims: own.claims, iss: own.iss, sub: own.sub, aud, ...(amr ? { amr } : {}) };
}

function matchAudience(aud: readonly string[], audience: string | undefined): string {
  if (aud.length === 0) throw invalidIdentityToken(missingClaim('aud'));
  if (audience === undefined) return aud[0] as string;
  if (!aud.includes(audience)) throw invalidIdentityToken(INCORRECT_AUDIENCE);
  return audience;
}

function checkTimes(claims: Record<string, unknown>, nowSeconds: number, maxAgeSeconds: number | undefined): void {
  const exp = numericDate(claims, 'exp');
  if (exp === undefined) throw invalidIdentityToken(missingClaim('exp'));
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');

  if (nowSeconds >= exp + CLOCK_SKEW_SECONDS) throw new AwsError(EXPIRED_TOKEN, tokenExpired(nowSeconds, exp), 400);
  if (nbf !== undefined && nowSeconds + CLOCK_SKEW_SECONDS < nbf) throw invalidIdentityToken(notYetValid(nowSeconds, nbf));
  if (iat !== undefined && nowSeconds + CLOCK_SKEW_SECONDS < iat) throw invalidIdentityToken(issuedInFuture(nowSeconds, iat));
  if (iat !== undefined && maxAgeSeconds !== undefined && nowSeconds - iat > maxAgeSeconds) {
    throw new AwsError(EXPIRED_TOKEN, tokenTooOld(nowSeconds - iat), 400);
  }
}

/** "Timestamps in the token must be formatted as either an integer or a long integer" (STS API reference). */
function numericDate(claims: Record<string, unknown>, claim: string): number | undefined {
  const v = claims[claim];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidIdentityToken(notNumericDate(claim));
  return v;
}

function amrOf(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return [...v];
  return undefined;
}

function fromJose(e: unknown): AwsError {
  if (e instanceof AwsError) return e;
  if (e instanceof joseErrors.JWSInvalid) return invalidIdentityToken(malformedToken(e.message));
  // Signature mismatch, a key jose refuses (e.g. RSA under 2048 bits), or an algorithm it rejects.
  return invalidIdentityToken(SIGNATURE_INVALID);
}
