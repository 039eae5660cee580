/**
 * Verifying a web identity token the way STS AssumeRoleWithWebIdentity does (aws-wire-facts §1.4):
 * algorithm allow-list, audience, signature with the IdP's published key, then the time claims
 * with IAM's five-minute clock-skew window. jose errors become AWS errors here and nowhere else.
 */
import { KeyObject, verify as nodeVerify, type webcrypto } from 'node:crypto';
import { compactVerify, errors as joseErrors } from 'jose';
import { AwsError } from '../aws/error.js';
import type { JwksClient, ProviderTrust } from './jwks-client.js';
import { isSupportedAlgorithm, type SupportedAlgorithm } from './keys.js';
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
  if (!(await verifiedByNode(token, own, alg, key))) {
    try {
      await compactVerify(token, key, { algorithms: [alg] });
    } catch (e) {
      throw fromJose(e);
    }
  }

  checkTimes(own.claims, Math.floor(now.getTime() / 1000), options.maxTokenAgeSeconds);
  if (own.sub === undefined) throw invalidIdentityToken(missingClaim('sub'));
  const amr = amrOf(own.claims['amr']);
  return { claims: own.claims, iss: own.iss, sub: own.sub, aud, ...(amr ? { amr } : {}) };
}

/** What jose's `compactVerify` requires of a CryptoKey for each algorithm (its checkCryptoKey and minRsaBits), and the digest. */
const NODE_VERIFY: Readonly<Record<SupportedAlgorithm, { digest: string; name: string; hash?: string; namedCurve?: string }>> = {
  RS256: { digest: 'sha256', name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { digest: 'sha384', name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { digest: 'sha512', name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  ES256: { digest: 'sha256', name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { digest: 'sha384', name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { digest: 'sha512', name: 'ECDSA', namedCurve: 'P-521' },
};

const keyObjects = new WeakMap<object, KeyObject>();
/** WebCrypto's CryptoKey class (a global in Node ≥ 17; `webcrypto.CryptoKey` is not exported in Node 20). */
const CryptoKeyClass = (globalThis as Record<string, unknown>)['CryptoKey'] as (abstract new () => webcrypto.CryptoKey) | undefined;

/**
 * The signature check of an ordinary token with node:crypto's one-shot `verify` (OpenSSL on the
 * thread pool). Node 20's WebCrypto, which jose uses, spends several times longer on the main
 * thread per call than the signature itself takes. This answers only "valid": true when the
 * signature verifies and jose's `compactVerify` would accept the token too; false when it does
 * not or cannot tell, and then jose runs as before and produces the error. So the accepted set
 * and every error stay jose's. Left to jose: a `crit` header (extensions, `b64: false`); a part
 * of a length jose's base64url decoder refuses (≡ 1 mod 4); a signature not canonically encoded
 * (both decoders must read the same bytes); a key that is not a CryptoKey, or whose algorithm,
 * hash or curve, usages or RSA modulus (under 2048 bits) jose would refuse for `alg`.
 */
async function verifiedByNode(token: string, own: UnverifiedToken, alg: SupportedAlgorithm, key: unknown): Promise<boolean> {
  if (own.critical || CryptoKeyClass === undefined || !(key instanceof CryptoKeyClass)) return false;
  const expected = NODE_VERIFY[alg];
  const a = key.algorithm as { name: string; hash?: { name?: string }; namedCurve?: string; modulusLength?: number };
  if (a.name !== expected.name || !key.usages.includes('verify')) return false;
  if (expected.hash !== undefined && (a.hash?.name !== expected.hash || typeof a.modulusLength !== 'number' || a.modulusLength < 2048)) return false;
  if (expected.namedCurve !== undefined && a.namedCurve !== expected.namedCurve) return false;
  // Exactly three parts, all base64url (decodeWebIdentityToken checked), so the token is ASCII.
  const dot1 = token.indexOf('.');
  const dot2 = token.lastIndexOf('.');
  if (dot1 % 4 === 1 || (dot2 - dot1 - 1) % 4 === 1 || (token.length - dot2 - 1) % 4 === 1) return false;
  const rawSignature = token.slice(dot2 + 1);
  const signature = Buffer.from(rawSignature, 'base64url');
  if (signature.toString('base64url') !== rawSignature) return false;
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  const signingInput = Buffer.from(token.slice(0, dot2), 'latin1');
  const verifyKey = expected.namedCurve === undefined ? keyObject : { key: keyObject, dsaEncoding: 'ieee-p1363' as const };
  return new Promise((resolve) => {
    try {
      nodeVerify(expected.digest, signingInput, verifyKey, signature, (err, ok) => resolve(err === null && ok === true));
    } catch {
      resolve(false);
    }
  });
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
