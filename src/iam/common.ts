import { newId, type IdPrefix } from '../aws/ids.js';
import { PolicyError, validatePolicy, type PolicyKind } from '../policy/index.js';
import type { IamEnv } from './env.js';
import { iamError } from './errors.js';
import type { Tag } from './model.js';

/** Validates a document with the policy engine, turning its errors into IAM's. */
export function checkDocument(text: string, kind: PolicyKind): void {
  try {
    validatePolicy(text, kind);
  } catch (e) {
    if (e instanceof PolicyError) {
      if (e.code === 'LimitExceeded') throw iamError.limitExceeded(e.message);
      // IAM answers a trust policy that is not JSON at all with its own words
      // (CreateRole, UpdateAssumeRolePolicy: "This policy contains invalid Json").
      if (kind === 'trust' && !isJson(text)) throw iamError.malformedPolicy('This policy contains invalid Json');
      throw iamError.malformedPolicy(e.message);
    }
    throw e;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function id(env: IamEnv, prefix: IdPrefix): string {
  return newId(prefix, env.random);
}

/** `/` or `/a/b/`: a path ends with `/` (the model's pattern enforces the rest). */
export function normalizePath(path: string | undefined): string {
  return path ?? '/';
}

export const MAX_TAGS = 50;

/** Tags from the wire (`[{key, value}]`), checked for duplicates. */
export function tagsFrom(input: readonly { key?: unknown; value?: unknown }[] | undefined): Tag[] {
  const out: Tag[] = [];
  const seen = new Set<string>();
  for (const t of input ?? []) {
    const key = String(t.key ?? '');
    if (seen.has(key.toLowerCase())) throw iamError.invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(key.toLowerCase());
    out.push({ key, value: String(t.value ?? '') });
  }
  return out;
}

/** Adds or replaces tags (keys compare case-insensitively), within the 50-tag quota. */
export function mergeTags(current: readonly Tag[], added: readonly Tag[]): Tag[] {
  const out = current.filter((t) => !added.some((a) => a.key.toLowerCase() === t.key.toLowerCase()));
  out.push(...added);
  if (out.length > MAX_TAGS) throw iamError.limitExceeded('The number of tags has reached the maximum limit.');
  return out;
}

export function removeTags(current: readonly Tag[], keys: readonly string[]): Tag[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return current.filter((t) => !drop.has(t.key.toLowerCase()));
}

export interface Page<T> {
  readonly items: T[];
  readonly isTruncated: boolean;
  readonly marker: string | undefined;
}

/**
 * IAM pagination over an already filtered, ordered list: `marker` is the opaque position to
 * resume from (the key of the next item, which must still exist), `maxItems` defaults to 100.
 */
export function paginate<T>(items: readonly T[], keyOf: (t: T) => string, marker: string | undefined, maxItems: number | undefined): Page<T> {
  let start = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    start = items.findIndex((t) => keyOf(t) === after);
    if (start < 0) throw iamError.invalidInput('Invalid Marker.');
  }
  const limit = maxItems ?? 100;
  const page = items.slice(start, start + limit);
  const next = items[start + limit];
  return { items: page, isTruncated: next !== undefined, marker: next === undefined ? undefined : Buffer.from(keyOf(next), 'utf8').toString('base64url') };
}
