import type { RandomBytes } from '../../aws/ids.js';
import { smErrors } from './errors.js';

/**
 * Secret names, ARNs and the ways a caller names a secret ("Finding a secret from a partial ARN",
 * the SecretId parameter of every operation):
 * - a name: ASCII letters, digits and `/_+=.@-`;
 * - a complete ARN `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX` (six random
 *   characters Secrets Manager appends, so a secret re-created under the same name gets a new ARN);
 * - a partial ARN, without the `-XXXXXX`. When what follows `secret:` itself ends in a hyphen and
 *   six characters, AWS takes it for a complete ARN (the documented reason not to give secrets
 *   such names), and so does this.
 */
export const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const COMPLETE_SUFFIX = /-[A-Za-z0-9]{6}$/;

export interface Where {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** A SecretId as the caller gave it, resolved to what to look up. */
export type SecretRef =
  | { readonly kind: 'name'; readonly given: string; readonly name: string }
  | { readonly kind: 'arn'; readonly given: string; readonly name: string; readonly complete: boolean }
  /** An ARN of another account or region, or not a secret ARN: nothing here can match it. */
  | { readonly kind: 'elsewhere'; readonly given: string };

export function parseSecretId(given: string, where: Where): SecretRef {
  if (!given.startsWith('arn:')) {
    if (!NAME_PATTERN.test(given)) throw smErrors.invalidName();
    return { kind: 'name', given, name: given };
  }
  const parts = given.split(':');
  if (parts.length < 7 || parts[2] !== 'secretsmanager' || parts[5] !== 'secret') return { kind: 'elsewhere', given };
  if (parts[1] !== where.partition || parts[3] !== where.region || parts[4] !== where.account) return { kind: 'elsewhere', given };
  const rest = parts.slice(6).join(':');
  if (COMPLETE_SUFFIX.test(rest)) return { kind: 'arn', given, name: rest.slice(0, -7), complete: true };
  return { kind: 'arn', given, name: rest, complete: false };
}

export function secretArn(where: Where, name: string, suffix: string): string {
  return `arn:${where.partition}:secretsmanager:${where.region}:${where.account}:secret:${name}-${suffix}`;
}

/**
 * The resource a request names when no secret matches it: the ARN as given, or for a name the
 * ARN without the random suffix, so `Resource: "*"` allows (and the caller learns the secret is
 * not there) while a policy naming specific secrets denies.
 */
export function unresolvedResource(ref: SecretRef, where: Where): string {
  if (ref.kind === 'name') return `arn:${where.partition}:secretsmanager:${where.region}:${where.account}:secret:${ref.name}`;
  return ref.given;
}

/** Six random letters and digits (rejection sampling keeps them uniform). */
export function newSuffix(random: RandomBytes): string {
  let out = '';
  while (out.length < 6) {
    for (const b of random(8)) {
      if (b < 248 && out.length < 6) out += SUFFIX_CHARS[b % 62];
    }
  }
  return out;
}

/** A random id for a secret's value documents. */
export function newUid(random: RandomBytes): string {
  return Buffer.from(random(12)).toString('hex');
}

/**
 * Store keys ignore case; secret names do not ("MyDb" and "mydb" are two secrets). Upper-case
 * letters are written `^x` and `^` itself `^^`, which keeps keys readable, distinct for distinct
 * names, and ordered like the names' lower-case forms.
 */
export function nameKey(name: string): string {
  return name.replace(/[A-Z^]/g, (c) => (c === '^' ? '^^' : `^${c.toLowerCase()}`));
}

/** Version ids are client tokens (any characters); hex keeps them distinct whatever their case. */
export function versionKey(id: string): string {
  return Buffer.from(id, 'utf8').toString('hex');
}

export function scopeOf(where: Where): string {
  return `${where.account}/${where.region}`;
}
