import type { PolicyDocument } from './document.js';
import { compileGlob, type Matcher } from './wildcard.js';

/**
 * What the engine knows about AWS actions: each action's resource types (with their ARN formats)
 * and condition keys, from the Service Authorization Reference. The data is loaded outside the
 * pure core (src/catalog) and handed in; unknown actions are allowed in policies, as IAM allows
 * them, and reported as warnings.
 */
export interface ResourceTypeInfo {
  readonly name: string;
  /** ARN format with placeholders, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
  readonly arn: string;
  readonly required: boolean;
}

export interface ActionInfo {
  readonly service: string;
  readonly name: string;
  readonly resourceTypes: readonly ResourceTypeInfo[];
  readonly conditionKeys: readonly string[];
}

export interface ActionCatalog {
  /** True when the service prefix is known. */
  hasService(service: string): boolean;
  /** The action, or undefined when unknown (service and action are case-insensitive). */
  action(service: string, action: string): ActionInfo | undefined;
  /** All action names of a known service. */
  actionNames(service: string): readonly string[];
  /** All resource-type ARN formats of a known service (to tell a bucket from an object). */
  resourceFormats(service: string): readonly string[];
}

export interface Warning {
  readonly code: 'UnknownService' | 'UnknownAction' | 'WildcardMatchesNothing' | 'ResourceTypeMismatch';
  readonly message: string;
}

/** Warnings for Action/NotAction entries that name nothing AWS knows. */
export function policyWarnings(doc: PolicyDocument, catalog: ActionCatalog): Warning[] {
  const out: Warning[] = [];
  const seen = new Set<string>();
  for (const st of doc.statements) {
    for (const a of st.action ?? st.notAction ?? []) {
      if (a === '*' || seen.has(a)) continue;
      seen.add(a);
      const w = actionWarning(a, catalog);
      if (w) out.push(w);
    }
  }
  return out;
}

export function actionWarning(action: string, catalog: ActionCatalog): Warning | undefined {
  const colon = action.indexOf(':');
  if (colon < 0) return undefined;
  const service = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  if (service.includes('*') || service.includes('?')) return undefined;
  if (!catalog.hasService(service)) return { code: 'UnknownService', message: `\`${service}\` is not a known service prefix (in \`${action}\`)` };
  if (name.includes('*') || name.includes('?')) {
    const m = compileGlob(name.toLowerCase());
    if (!catalog.actionNames(service).some((n) => m(n.toLowerCase()))) {
      return { code: 'WildcardMatchesNothing', message: `\`${action}\` matches no ${service} action` };
    }
    return undefined;
  }
  if (!catalog.action(service, name)) return { code: 'UnknownAction', message: `\`${action}\` is not a known ${service} action` };
  return undefined;
}

/**
 * Whether `resource` can be a resource of `action`. `s3:ListBucket` applies to the bucket ARN, not
 * to objects, so a request or statement pairing it with `bucket/key` can never match.
 */
export function resourceWarning(action: string, resource: string, catalog: ActionCatalog): Warning | undefined {
  const colon = action.indexOf(':');
  if (colon < 0 || resource === '*') return undefined;
  const service = action.slice(0, colon).toLowerCase();
  const info = catalog.action(service, action.slice(colon + 1));
  if (!info || info.resourceTypes.length === 0) return undefined;
  const formats = catalog.resourceFormats(service);
  if (info.resourceTypes.some((rt) => arnFormatMatcher(rt.arn, formats)(resource))) return undefined;
  const kinds = info.resourceTypes.map((rt) => `${rt.name} (${rt.arn})`).join(', ');
  return { code: 'ResourceTypeMismatch', message: `\`${info.service}:${info.name}\` applies to ${kinds}; \`${resource}\` is none of them` };
}

const formatCache = new Map<string, Matcher>();

/**
 * A matcher for an ARN format. Placeholders match any run of characters; the last one may not
 * contain `/` when the service has another format that continues this one with `/` (a bucket
 * `…:::${BucketName}` versus an object `…:::${BucketName}/${ObjectName}`).
 */
export function arnFormatMatcher(format: string, siblings: readonly string[]): Matcher {
  const hit = formatCache.get(format);
  if (hit) return hit;
  const extended = siblings.some((s) => s !== format && s.startsWith(`${format}/`));
  const parts = format.split(/(\$\{[^}]+\})/).filter((p) => p !== '');
  const lastVar = parts.map((p) => p.startsWith('${')).lastIndexOf(true);
  const m = (s: string): boolean => matchFormat(parts, 0, s, 0, extended ? lastVar : -1, lastVar);
  if (formatCache.size > 4096) formatCache.clear();
  formatCache.set(format, m);
  return m;
}

function matchFormat(parts: readonly string[], pi: number, s: string, si: number, noSlashAt: number, lastVar: number): boolean {
  if (pi === parts.length) return si === s.length;
  const p = parts[pi] as string;
  if (!p.startsWith('${')) {
    return s.startsWith(p, si) && matchFormat(parts, pi + 1, s, si + p.length, noSlashAt, lastVar);
  }
  // A placeholder takes at least one character (IAM's ${Region} and ${Account} may be empty).
  const mayBeEmpty = p === '${Region}' || p === '${Account}';
  for (let end = si + (mayBeEmpty ? 0 : 1); end <= s.length; end++) {
    const piece = s.slice(si, end);
    if (pi === noSlashAt && piece.includes('/')) break;
    // Only the last placeholder (the resource id) may span colons; this also bounds backtracking.
    if (pi !== lastVar && piece.includes(':')) break;
    if (matchFormat(parts, pi + 1, s, end, noSlashAt, lastVar)) return true;
  }
  return false;
}

/**
 * For a statement whose Action matches but whose Resource does not: if none of its resource
 * patterns can name a resource type of the action, say so — the classic `s3:ListBucket` with only
 * `arn:aws:s3:::bucket/*`. Wildcards are read as one representative character.
 */
export function statementResourceHint(action: string, patterns: readonly string[], catalog: ActionCatalog): string | undefined {
  const colon = action.indexOf(':');
  if (colon < 0 || patterns.includes('*')) return undefined;
  const service = action.slice(0, colon).toLowerCase();
  const info = catalog.action(service, action.slice(colon + 1));
  if (!info || info.resourceTypes.length === 0) return undefined;
  const formats = catalog.resourceFormats(service);
  const fits = (p: string): boolean => info.resourceTypes.some((rt) => arnFormatMatcher(rt.arn, formats)(p.replace(/[*?]/g, 'x')));
  if (patterns.some(fits)) return undefined;
  const kinds = info.resourceTypes.map((rt) => `${rt.name} (${rt.arn})`).join(', ');
  return `${info.service}:${info.name} applies to ${kinds}; this Resource names none of them`;
}
