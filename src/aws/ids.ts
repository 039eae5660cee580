/**
 * AWS unique ids: a four-letter prefix naming the kind (AIDA user, AROA role, ANPA managed policy,
 * AKIA access key, ASIA temporary key, …) and base32 characters `A–Z2–7`
 * ("IAM identifiers" › Unique identifiers). Ids are 21 characters, access keys 20.
 */
export type IdPrefix = 'AIDA' | 'AROA' | 'ANPA' | 'ANVA' | 'AGPA' | 'AIPA' | 'AKIA' | 'ASIA' | 'APKA';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `random(n)` returns n random bytes; injected so tests can be deterministic. */
export type RandomBytes = (n: number) => Uint8Array;

export function newId(prefix: IdPrefix, random: RandomBytes, length = prefix === 'AKIA' || prefix === 'ASIA' ? 20 : 21): string {
  const bytes = random(length - prefix.length);
  let out = prefix;
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** A 40-character secret access key (base64 alphabet, as AWS's). */
export function newSecretKey(random: RandomBytes): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (const b of random(40)) out += chars[b & 63];
  return out;
}
