import type { SecretDoc } from './model.js';

/**
 * ListSecrets (and BatchGetSecretValue) filters, as the API reference's Filter type defines them:
 * - description: prefix match, not case-sensitive;
 * - name, tag-key, tag-value, primary-region, owning-service: prefix match, case-sensitive;
 * - all: the value is broken into words and any word matching the start of a word of the name,
 *   description, tag keys or tag values matches; not case-sensitive ("Find secrets": searching
 *   for My_Secret matches secrets with the word my or secret). Words break at a change from
 *   lower to upper case, between letters and digits, and at anything else.
 * A value starting with `!` negates: it matches when no attribute matches the rest. A filter
 * matches when any of its values matches; a secret is listed when every filter matches.
 */
export interface Filter {
  readonly key: string;
  readonly values: readonly string[];
}

function attributes(doc: SecretDoc, key: string): string[] {
  switch (key) {
    case 'name':
      return [doc.name];
    case 'description':
      return doc.description === undefined ? [] : [doc.description];
    case 'tag-key':
      return doc.tags.map(([k]) => k);
    case 'tag-value':
      return doc.tags.map(([, v]) => v);
    // No secret here is replicated or managed by another service.
    default:
      return [];
  }
}

/** `credsDatabase#892` → creds, database, 892 (lower-cased). */
export function words(s: string): string[] {
  return (s.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []).map((w) => w.toLowerCase());
}

function valueMatches(doc: SecretDoc, key: string, value: string): boolean {
  if (key === 'all') {
    const wanted = words(value);
    const have = [doc.name, doc.description ?? '', ...doc.tags.flat()].flatMap(words);
    return wanted.some((w) => have.some((h) => h.startsWith(w)));
  }
  const attrs = attributes(doc, key);
  if (key === 'description') return attrs.some((a) => a.toLowerCase().startsWith(value.toLowerCase()));
  return attrs.some((a) => a.startsWith(value));
}

export function matchesFilters(doc: SecretDoc, filters: readonly Filter[]): boolean {
  return filters.every((f) =>
    f.values.some((v) => (v.startsWith('!') ? !valueMatches(doc, f.key, v.slice(1)) : valueMatches(doc, f.key, v))),
  );
}

export type SortBy = 'created-date' | 'last-accessed-date' | 'last-changed-date' | 'name';

/** The value a secret is sorted by; ties are broken by ARN so that pages are stable. */
export function sortValue(doc: SecretDoc, by: SortBy): string | number {
  switch (by) {
    case 'name':
      return doc.name;
    case 'last-accessed-date':
      return doc.lastAccessedAt ?? 0;
    case 'last-changed-date':
      return doc.lastChangedAt;
    default:
      return doc.createdAt;
  }
}

export function compareSecrets(a: SecretDoc, b: SecretDoc, by: SortBy, desc: boolean): number {
  const x = sortValue(a, by);
  const y = sortValue(b, by);
  const c = x < y ? -1 : x > y ? 1 : a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0;
  return desc ? -c : c;
}
