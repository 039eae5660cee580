/**
 * Which signing algorithms STS accepts and which JWKs may verify them. "Tokens must be signed
 * using either RSA keys (RS256, RS384, or RS512) or ECDSA keys (ES256, ES384, or ES512)"
 * (AssumeRoleWithWebIdentity, STS API reference). Matching alg to key type is what stops key
 * confusion (an HS256 token "signed" with an RSA public key, an ES256 token naming an RSA kid).
 */
import type { JWK } from 'jose';

export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
export type SupportedAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

const EC_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

export function isSupportedAlgorithm(alg: string): alg is SupportedAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg);
}

/** The key's type (and curve) suit `alg`, and the key's own `alg`, when it has one, is `alg`. */
export function keyFitsAlgorithm(jwk: JWK, alg: SupportedAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg.startsWith('RS')) return jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string';
  return jwk.kty === 'EC' && jwk.crv === EC_CURVE[alg] && typeof jwk.x === 'string' && typeof jwk.y === 'string';
}

/** Only the public members: a JWKS that leaks private parameters must not yield a private key. */
export function publicJwk(jwk: JWK): JWK {
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n, e: jwk.e } as JWK;
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK;
}
