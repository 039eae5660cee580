/**
 * Decoding a web identity token (a JWS compact serialization carrying JWT claims) without
 * verifying it: STS needs `iss` to find the IAM OIDC provider and `aud` to check the client id
 * list before it can fetch keys. Nothing decoded here is trusted until verify.ts has checked it.
 */
import { invalidIdentityToken, malformedToken } from './messages.js';

export interface UnverifiedToken {
  header: { alg: string; kid?: string; typ?: string };
  /** Whether the JOSE header has a `crit` member (verify.ts leaves such tokens to jose alone). */
  critical: boolean;
  claims: Record<string, unknown>;
  iss: string;
  /** `aud` normalised to an array; empty when the claim is absent (STS answers "Missing a required claim: aud"). */
  aud: string[];
  sub: string | undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes without verifying: 3 base64url parts, JSON header and payload, `iss` a string. Token
 * length 4..20000 is checked by the caller. Throws AwsError('InvalidIdentityToken', ...) on
 * anything malformed.
 */
export function decodeWebIdentityToken(token: string): UnverifiedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalidIdentityToken(malformedToken('expected three base64url parts separated by dots'));
  const [rawHeader, rawPayload, rawSignature] = parts as [string, string, string];
  if (!rawHeader || !rawPayload || !BASE64URL.test(rawHeader) || !BASE64URL.test(rawPayload) || !BASE64URL.test(rawSignature)) {
    throw invalidIdentityToken(malformedToken('a part is empty or not base64url'));
  }

  const header = decodeJsonObject(rawHeader, 'header');
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg === '') throw invalidIdentityToken(malformedToken('the header has no `alg`'));
  const kid = optionalString(header, 'kid', 'header');
  const typ = optionalString(header, 'typ', 'header');

  const claims = decodeJsonObject(rawPayload, 'payload');
  const iss = claims['iss'];
  if (iss === undefined) throw invalidIdentityToken(malformedToken('the payload has no `iss`'));
  if (typeof iss !== 'string') throw invalidIdentityToken(malformedToken('`iss` is not a string'));

  return {
    header: { alg, ...(kid === undefined ? {} : { kid }), ...(typ === undefined ? {} : { typ }) },
    critical: Object.hasOwn(header, 'crit'),
    claims,
    iss,
    aud: audienceOf(claims),
    sub: optionalString(claims, 'sub', 'payload'),
  };
}

/** `aud` is a string or an array of strings (RFC 7519 §4.1.3); Kubernetes sends an array. */
function audienceOf(claims: Record<string, unknown>): string[] {
  const aud = claims['aud'];
  if (aud === undefined) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string')) return [...aud];
  throw invalidIdentityToken(malformedToken('`aud` is neither a string nor an array of strings'));
}

function decodeJsonObject(part: string, what: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
  } catch {
    throw invalidIdentityToken(malformedToken(`the ${what} is not base64url-encoded UTF-8 JSON`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidIdentityToken(malformedToken(`the ${what} is not a JSON object`));
  }
  return value as Record<string, unknown>;
}

function optionalString(obj: Record<string, unknown>, key: string, what: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidIdentityToken(malformedToken(`the ${what}'s \`${key}\` is not a string`));
  return v;
}
