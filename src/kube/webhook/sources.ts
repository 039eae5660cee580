/**
 * The three configuration sources of upstream (§1.2, §2.1, §2.4), parsed into entries: a
 * ServiceAccount's annotations, the `pod-identity-webhook` ConfigMap, and the EKS Pod Identity
 * identities file. Pure.
 */
import type { KubeObject } from '../contracts.js';
import { ANNOTATIONS, MAX_GROUP_ID, MIN_TOKEN_EXPIRATION } from './constants.js';
import { parseGoBool, parseGoInt64 } from './go-compat.js';
import type { WebhookSettings } from './settings.js';

/** What upstream's SA cache keeps per ServiceAccount, plus irsa-local's region and fsGroup. */
export interface ServiceAccountEntry {
  /** "" when the SA has no (or an empty) `role-arn`: the SA is known but not configured for IRSA. */
  readonly roleArn: string;
  readonly audience: string;
  readonly useRegionalSts: boolean;
  readonly tokenExpiration: number;
  /** `<prefix>/region` (irsa-local, upstream #149), when present and non-empty. */
  readonly region?: string | undefined;
  /** `<prefix>/fs-group` (irsa-local, upstream #8), when it is a valid group id. */
  readonly fsGroup?: number | undefined;
}

/** One `"ns/name"` entry of the ConfigMap's `config` JSON (upstream's CacheResponse). */
export interface ConfigMapEntry {
  readonly roleArn: string;
  readonly audience: string;
  readonly useRegionalSts: boolean;
  readonly tokenExpiration: number;
}

/** Reads `<prefix>/<name>` from an annotation map; non-string values count as absent. */
export function annotation(annotations: unknown, prefix: string, name: string): string | undefined {
  if (typeof annotations !== 'object' || annotations === null) return undefined;
  const v = (annotations as Record<string, unknown>)[`${prefix}/${name}`];
  return typeof v === 'string' ? v : undefined;
}

/** A token lifetime as upstream parses it: Go ParseInt, then at least 600 s; undefined if invalid. */
export function parseTokenExpiration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseGoInt64(value);
  return n === undefined ? undefined : Math.max(n, MIN_TOKEN_EXPIRATION);
}

/** A group id as kube-apiserver accepts it for `fsGroup` (decimal, 0…2147483647). */
export function parseGroupId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_GROUP_ID ? n : undefined;
}

/**
 * Upstream's per-SA parse (§1.2): `role-arn` raw; `audience` verbatim even when empty; an invalid or
 * empty `sts-regional-endpoints` or `token-expiration` falls back to the flag.
 */
export function serviceAccountEntry(sa: KubeObject, settings: WebhookSettings): ServiceAccountEntry {
  const ann = sa.metadata?.annotations;
  const prefix = settings.annotationPrefix;
  const region = annotation(ann, prefix, ANNOTATIONS.region);
  return {
    roleArn: annotation(ann, prefix, ANNOTATIONS.roleArn) ?? '',
    audience: annotation(ann, prefix, ANNOTATIONS.audience) ?? settings.audience,
    useRegionalSts: parseGoBool(annotation(ann, prefix, ANNOTATIONS.stsRegionalEndpoints) ?? '') ?? settings.regionalSts,
    tokenExpiration: parseTokenExpiration(annotation(ann, prefix, ANNOTATIONS.tokenExpiration)) ?? settings.tokenExpiration,
    region: region === '' ? undefined : region,
    fsGroup: parseGroupId(annotation(ann, prefix, ANNOTATIONS.fsGroup)),
  };
}

/** Field of a Go-decoded struct: encoding/json matches names case-insensitively. */
function field(o: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(o).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : o[key];
}

/**
 * The ConfigMap's `config` value: `{"ns/name": {"RoleARN", "Audience", "UseRegionalSTS",
 * "TokenExpiration"}}`. A `TokenExpiration` of 0 or absent becomes the flag value; unlike SA
 * annotations there is no 600 s floor and no audience default (§2.4). Throws on malformed JSON or
 * a wrongly typed field, so the caller keeps its previous mappings.
 */
export function parseConfigMapMappings(text: string, settings: WebhookSettings): Map<string, ConfigMapEntry> {
  const doc: unknown = JSON.parse(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TypeError('config must be a JSON object of "namespace/name" entries');
  const out = new Map<string, ConfigMapEntry>();
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (!key.includes('/')) throw new TypeError(`config key \`${key}\` is not "namespace/name"`);
    if (raw === null) continue;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`config entry \`${key}\` is not an object`);
    const e = raw as Record<string, unknown>;
    const roleArn = field(e, 'RoleARN') ?? '';
    const audience = field(e, 'Audience') ?? '';
    const sts = field(e, 'UseRegionalSTS') ?? false;
    const exp = field(e, 'TokenExpiration') ?? 0;
    if (typeof roleArn !== 'string' || typeof audience !== 'string' || typeof sts !== 'boolean' || typeof exp !== 'number' || !Number.isInteger(exp)) {
      throw new TypeError(`config entry \`${key}\` has a field of the wrong type`);
    }
    out.set(key, { roleArn, audience, useRegionalSts: sts, tokenExpiration: exp === 0 ? settings.tokenExpiration : exp });
  }
  return out;
}

/**
 * The `--watch-container-credentials-config` file: `{"identities":[{"namespace","serviceAccount"}]}`.
 * Empty text means no identities; malformed JSON throws (the caller keeps the previous set, §2.1).
 * Returns `namespace/serviceAccount` keys.
 */
export function parseContainerCredentialsIdentities(text: string): Set<string> {
  const out = new Set<string>();
  if (text.trim() === '') return out;
  const doc: unknown = JSON.parse(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TypeError('container credentials config must be a JSON object');
  const identities = field(doc as Record<string, unknown>, 'identities');
  if (identities === undefined || identities === null) return out;
  if (!Array.isArray(identities)) throw new TypeError('`identities` must be an array');
  for (const id of identities) {
    if (typeof id !== 'object' || id === null) throw new TypeError('each identity must be an object');
    const ns = field(id as Record<string, unknown>, 'namespace') ?? '';
    const sa = field(id as Record<string, unknown>, 'serviceAccount') ?? '';
    if (typeof ns !== 'string' || typeof sa !== 'string') throw new TypeError('identity `namespace` and `serviceAccount` must be strings');
    out.add(`${ns}/${sa}`);
  }
  return out;
}
