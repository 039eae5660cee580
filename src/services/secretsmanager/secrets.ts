import { timingSafeEqual } from 'node:crypto';
import type { SecretSealer } from '../../iam/env.js';
import type { StoreTx } from '../../store/store.js';
import { smErrors } from './errors.js';
import { nameKey, scopeOf, versionKey, type SecretRef, type Where } from './ids.js';
import { SECRET_KIND, VALUE_KIND, type SecretDoc, type SecretValue, type ValueDoc } from './model.js';

/**
 * Reading and writing secrets in the store, and sealing their values. A value is sealed together
 * with the secret's ARN and the version id (`b|ARN|VERSION|…`), and opening checks both, so a
 * sealed value moved to another secret or version in the store is refused.
 */
export async function findSecret(t: StoreTx, where: Where, ref: SecretRef): Promise<SecretDoc | undefined> {
  if (ref.kind === 'elsewhere') return undefined;
  const doc = await t.get<SecretDoc>(SECRET_KIND, scopeOf(where), nameKey(ref.name));
  if (!doc || doc.name !== ref.name) return undefined;
  if (ref.kind === 'arn' && ref.complete && doc.arn !== ref.given) return undefined;
  return doc;
}

export async function getByName(t: StoreTx, where: Where, name: string): Promise<SecretDoc | undefined> {
  const doc = await t.get<SecretDoc>(SECRET_KIND, scopeOf(where), nameKey(name));
  return doc && doc.name === name ? doc : undefined;
}

export async function listSecrets(t: StoreTx, where: Where): Promise<SecretDoc[]> {
  return (await t.list<SecretDoc>(SECRET_KIND, scopeOf(where))).map((d) => d.doc);
}

export async function saveSecret(t: StoreTx, where: Where, doc: SecretDoc): Promise<void> {
  await t.put(SECRET_KIND, scopeOf(where), nameKey(doc.name), doc);
}

/** Whether the recovery window of a secret scheduled for deletion has passed (it is then gone). */
export function isExpired(doc: SecretDoc, nowMs: number): boolean {
  return doc.purgeAt !== undefined && doc.purgeAt <= nowMs;
}

/** Removes a secret and every version's value. */
export async function purgeSecret(t: StoreTx, where: Where, doc: SecretDoc): Promise<void> {
  await t.deleteScope(VALUE_KIND, doc.uid);
  await t.delete(SECRET_KIND, scopeOf(where), nameKey(doc.name));
}

export async function deleteValues(t: StoreTx, doc: SecretDoc, versionIds: readonly string[]): Promise<void> {
  for (const id of versionIds) await t.delete(VALUE_KIND, doc.uid, versionKey(id));
}

export class ValueSealer {
  constructor(private readonly sealer: SecretSealer) {}

  private prefix(kind: 's' | 'b', doc: SecretDoc, versionId: string): string {
    return `${kind}|${doc.arn}|${versionId}|`;
  }

  seal(doc: SecretDoc, versionId: string, value: SecretValue): ValueDoc {
    const body = value.kind === 'string' ? this.prefix('s', doc, versionId) + value.text : this.prefix('b', doc, versionId) + value.bytes.toString('base64');
    return { sealed: this.sealer.seal(body) };
  }

  open(doc: SecretDoc, versionId: string, v: ValueDoc): SecretValue {
    let plain: string;
    try {
      plain = this.sealer.open(v.sealed);
    } catch {
      throw smErrors.decryption();
    }
    const s = this.prefix('s', doc, versionId);
    if (plain.startsWith(s)) return { kind: 'string', text: plain.slice(s.length) };
    const b = this.prefix('b', doc, versionId);
    if (plain.startsWith(b)) return { kind: 'binary', bytes: Buffer.from(plain.slice(b.length), 'base64') };
    throw smErrors.decryption();
  }
}

export async function readValue(t: StoreTx, doc: SecretDoc, versionId: string): Promise<ValueDoc | undefined> {
  return t.get<ValueDoc>(VALUE_KIND, doc.uid, versionKey(versionId));
}

export async function writeValue(t: StoreTx, doc: SecretDoc, versionId: string, v: ValueDoc): Promise<void> {
  await t.put(VALUE_KIND, doc.uid, versionKey(versionId), v);
}

/** Same kind and same bytes, compared in constant time. */
export function sameValue(a: SecretValue, b: SecretValue): boolean {
  if (a.kind !== b.kind) return false;
  const x = a.kind === 'string' ? Buffer.from(a.text, 'utf8') : a.bytes;
  const y = b.kind === 'string' ? Buffer.from(b.text, 'utf8') : b.bytes;
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The day (UTC midnight) of a time: LastAccessedDate carries the date only. */
export function dayOf(ms: number): number {
  return ms - (ms % 86_400_000);
}
