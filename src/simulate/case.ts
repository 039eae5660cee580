import {
  CONTEXT_TYPES,
  PolicyError,
  PolicySet,
  RequestContext,
  accessDeniedMessage,
  authorizePrepared,
  compilePolicy,
  prepareRequest,
  principalFromString,
  validatePolicy,
  type CompiledPolicy,
  type ContextType,
  type Decision,
  type JsonValue,
  type PolicyKind,
  type PolicySets,
  type RequestPrincipal,
} from '../policy/index.js';
import { traceSet, type StatementTrace } from '../policy/explain.js';
import { actionWarning, policyWarnings, resourceWarning, statementResourceHint, type ActionCatalog } from '../policy/catalog.js';

/**
 * One `irsa simulate` case: the policies in force and one request.
 * ```
 * {"identity":[DOC...], "boundary":[DOC]?, "session":[DOC...]?, "resourcePolicy":DOC?,
 *  "resourcePolicyKind":"resource"|"trust"?, "resourceOwner":"123456789012"?,
 *  "scp":[DOC...] | [[DOC...], ...]?, "caller":"arn:…", "roleArn":"arn:…"?, "userArn":"arn:…"?, "action":"s3:GetObject",
 *  "resource":"arn:aws:s3:::bucket/key"?, "context":[{"key":…, "type":…, "values":[…]}]?}
 * ```
 * DOC is a policy document as a JSON object or string. Context types are those of IAM's
 * SimulateCustomPolicy ContextEntries.
 */
export interface CaseResult {
  readonly decision: Decision['decision'];
  readonly matchedStatements: Decision['matchedStatements'];
  readonly reasons: Decision['reasons'];
  /** AWS's AccessDenied message when the request is denied. */
  readonly message?: string;
  /** With `explain`: every statement of every policy, element by element. */
  readonly trace?: readonly StatementTrace[];
  /** Unknown actions, and resources an action can never apply to (needs a catalog). */
  readonly warnings?: readonly string[];
}

/** A case the runner cannot read: names the field at fault. */
export class CaseError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CaseError';
  }
}

/** The fields a case may set for the request and the policies in force. */
export const CASE_INPUT_FIELDS: readonly string[] = [
  'identity',
  'boundary',
  'session',
  'resourcePolicy',
  'resourcePolicyKind',
  'resourceOwner',
  'scp',
  'caller',
  'roleArn',
  'userArn',
  'action',
  'resource',
  'context',
];

/** Free-form metadata for corpora; the runner ignores it. */
export const CASE_METADATA_FIELDS: readonly string[] = ['name', 'doc', 'expect', 'note'];

const CASE_FIELDS = new Set([...CASE_INPUT_FIELDS, ...CASE_METADATA_FIELDS]);

export interface RunOptions {
  /** Adds principal-derived keys (aws:PrincipalArn, aws:username, …) and the clock's time keys. */
  readonly defaults?: boolean;
  readonly now?: () => Date;
  /** Adds a per-statement trace to the result. */
  readonly explain?: boolean;
  /** The action catalog, for warnings about unknown actions and mismatched resources. */
  readonly catalog?: ActionCatalog;
}

/** Compiled policies keyed by document text, so JSON Lines files that repeat policies compile each once. */
export class PolicyCache {
  private readonly map = new Map<string, CompiledPolicy>();
  private readonly warnings = new WeakMap<CompiledPolicy, readonly string[]>();
  constructor(
    private readonly max = 10_000,
    private readonly catalog?: ActionCatalog,
  ) {}

  /** Catalog warnings about a loaded policy's actions, prefixed with its id. */
  warningsFor(p: CompiledPolicy): readonly string[] {
    let w = this.warnings.get(p);
    if (!w) {
      w = this.catalog ? policyWarnings(p.document, this.catalog).map((x) => `${p.id}: ${x.message}`) : [];
      this.warnings.set(p, w);
    }
    return w;
  }

  load(doc: JsonValue, kind: PolicyKind, id: string, field: string): CompiledPolicy {
    const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
    const key = `${kind}\u0000${id}\u0000${text}`;
    const hit = this.map.get(key);
    if (hit) return hit;
    let compiled: CompiledPolicy;
    try {
      // Documents given as JSON text are checked as IAM checks them (duplicate keys, size quota).
      compiled = compilePolicy(validatePolicy(doc, kind), kind, id);
    } catch (e) {
      if (e instanceof PolicyError) throw new CaseError(field, e.message, e.code);
      throw e;
    }
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, compiled);
    return compiled;
  }
}

function isObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function docList(c: Record<string, JsonValue>, field: string): JsonValue[] | undefined {
  const v = c[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new CaseError(field, `\`${field}\` must be a list of policy documents`);
  for (const [i, d] of v.entries()) {
    if (typeof d !== 'string' && !isObject(d)) throw new CaseError(`${field}[${i}]`, 'a policy document must be a JSON object or a JSON string');
  }
  return v;
}

function str(c: Record<string, JsonValue>, field: string, required: boolean): string | undefined {
  const v = c[field];
  if (v === undefined || v === null) {
    if (required) throw new CaseError(field, `\`${field}\` is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v === '') throw new CaseError(field, `\`${field}\` must be a non-empty string`);
  return v;
}

function readContext(c: Record<string, JsonValue>): RequestContext {
  const ctx = new RequestContext();
  const v = c['context'];
  if (v === undefined || v === null) return ctx;
  if (!Array.isArray(v)) throw new CaseError('context', '`context` must be a list of {"key","type","values"} entries');
  v.forEach((e, i) => {
    const f = `context[${i}]`;
    if (!isObject(e)) throw new CaseError(f, 'a context entry must be an object with "key", "type" and "values"');
    for (const k of Object.keys(e)) if (!['key', 'type', 'values'].includes(k)) throw new CaseError(`${f}.${k}`, `unknown field \`${k}\``);
    const key = e['key'];
    if (typeof key !== 'string' || key === '') throw new CaseError(`${f}.key`, '`key` must be a non-empty string');
    const type = e['type'] ?? 'string';
    if (typeof type !== 'string' || !(CONTEXT_TYPES as readonly string[]).includes(type)) {
      throw new CaseError(`${f}.type`, `\`type\` must be one of ${CONTEXT_TYPES.join(', ')}`);
    }
    const raw = e['values'];
    if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')) {
      throw new CaseError(`${f}.values`, '`values` must be a list of strings');
    }
    if (!type.endsWith('List') && raw.length !== 1) throw new CaseError(`${f}.values`, `a \`${type}\` key takes exactly one value (use \`${type}List\` for several)`);
    ctx.set(key, raw.map(String), type as ContextType);
  });
  return ctx;
}

const PRINCIPAL_TYPE: Record<RequestPrincipal['kind'], string | undefined> = {
  root: 'Account',
  user: 'User',
  role: 'Role',
  assumedRole: 'AssumedRole',
  federatedUser: 'FederatedUser',
  webIdentity: 'WebIdentityUser',
  saml: 'SAMLUser',
  service: 'Service',
  anonymous: 'Anonymous',
};

/** Keys AWS puts in every request context for a principal ("AWS global condition context keys"). */
export function addDefaultContext(ctx: RequestContext, p: RequestPrincipal, now: Date): void {
  ctx.setDefault('aws:CurrentTime', [now.toISOString().replace(/\.\d{3}Z$/, 'Z')], 'date');
  ctx.setDefault('aws:EpochTime', [String(Math.floor(now.getTime() / 1000))], 'date');
  const type = PRINCIPAL_TYPE[p.kind];
  if (type) ctx.setDefault('aws:PrincipalType', [type]);
  if (p.account) ctx.setDefault('aws:PrincipalAccount', [p.account]);
  if (p.kind === 'user' || p.kind === 'root' || p.kind === 'role') ctx.setDefault('aws:PrincipalArn', [p.id], 'string');
  if (p.kind === 'assumedRole' && p.roleArn) ctx.setDefault('aws:PrincipalArn', [p.roleArn]);
  if (p.kind === 'federatedUser') ctx.setDefault('aws:PrincipalArn', [p.id]);
  if (p.kind === 'user') ctx.setDefault('aws:username', [p.id.slice(p.id.lastIndexOf('/') + 1)]);
}

/** Runs one case. Throws CaseError for a malformed case or an invalid policy. */
export function runCase(input: unknown, cache: PolicyCache, options: RunOptions = {}): CaseResult {
  if (!isObject(input)) throw new CaseError('(case)', 'a case must be a JSON object');
  const c = input;
  for (const k of Object.keys(c)) if (!CASE_FIELDS.has(k)) throw new CaseError(k, `unknown field \`${k}\``);
  const caller = str(c, 'caller', true) as string;
  const roleArn = str(c, 'roleArn', false);
  const userArn = str(c, 'userArn', false);
  const principal = principalFromString(caller, roleArn, userArn);
  if (!principal) throw new CaseError('caller', `\`caller\` must be a principal ARN, a service principal or "anonymous", not \`${caller}\``);
  const action = str(c, 'action', true) as string;
  if (!/^[A-Za-z0-9.-]+:[A-Za-z0-9*?-]+$/.test(action)) throw new CaseError('action', `\`action\` must look like service:Action, not \`${action}\``);
  const resource = str(c, 'resource', false) ?? '*';
  const resourceOwner = str(c, 'resourceOwner', false);
  if (resourceOwner !== undefined && !/^[0-9]{12}$/.test(resourceOwner)) throw new CaseError('resourceOwner', '`resourceOwner` must be a 12-digit account id');
  const kind = str(c, 'resourcePolicyKind', false) ?? 'resource';
  if (kind !== 'resource' && kind !== 'trust') throw new CaseError('resourcePolicyKind', '`resourcePolicyKind` must be "resource" or "trust"');
  const context = readContext(c);
  if (options.defaults !== false) addDefaultContext(context, principal, (options.now ?? (() => new Date()))());

  const set = (field: string, policyKind: PolicyKind): PolicySet | undefined => {
    const docs = docList(c, field);
    return docs && new PolicySet(docs.map((d, i) => cache.load(d, policyKind, `${field}[${i}]`, `${field}[${i}]`)));
  };
  const rp = c['resourcePolicy'];
  if (rp !== undefined && rp !== null && typeof rp !== 'string' && !isObject(rp)) throw new CaseError('resourcePolicy', 'a policy document must be a JSON object or a JSON string');
  const resourceSet = rp === undefined || rp === null ? undefined : new PolicySet([cache.load(rp, kind as PolicyKind, 'resourcePolicy', 'resourcePolicy')]);

  let scp: PolicySet[] | undefined;
  const rawScp = c['scp'];
  if (rawScp !== undefined && rawScp !== null) {
    if (!Array.isArray(rawScp)) throw new CaseError('scp', '`scp` must be a list of documents, or a list of levels (lists of documents)');
    const nested = rawScp.length > 0 && rawScp.every(Array.isArray);
    const levels = nested ? (rawScp as JsonValue[][]) : [rawScp];
    scp = levels.map((level, li) =>
      new PolicySet(
        level.map((d, i) => {
          const f = nested ? `scp[${li}][${i}]` : `scp[${i}]`;
          if (typeof d !== 'string' && !isObject(d)) throw new CaseError(f, 'a policy document must be a JSON object or a JSON string');
          return cache.load(d, 'scp', f, f);
        }),
      ),
    );
  }

  const sets: PolicySets = {
    identity: set('identity', 'identity') ?? new PolicySet([]),
    boundary: boundaryOf(set('boundary', 'boundary')),
    session: set('session', 'session'),
    resource: resourceSet,
    resourceAccount: resourceOwner,
    scp,
    resourcePolicyRequired: kind === 'trust',
  };
  const req = prepareRequest(principal, action, resource, context);
  const decision = authorizePrepared(req, sets);
  let out: CaseResult = { decision: decision.decision, matchedStatements: decision.matchedStatements, reasons: decision.reasons };
  if (decision.decision !== 'allowed') out = { ...out, message: accessDeniedMessage(principal.id, action, resource, decision) };
  if (options.explain) {
    const hasBoundary = sets.boundary !== undefined;
    const trace: StatementTrace[] = [
      ...(scp ?? []).flatMap((level) => traceSet('scp', level, req)),
      ...traceSet('resource', sets.resource, req, hasBoundary),
      ...traceSet('identity', sets.identity, req),
      ...traceSet('boundary', sets.boundary, req),
      ...traceSet('session', sets.session, req),
    ];
    const catalog = options.catalog;
    out = {
      ...out,
      trace: catalog
        ? trace.map((t) => {
            const hint = t.action.matched && !t.resource.matched && t.resource.element === 'Resource' ? statementResourceHint(action, t.resource.patterns, catalog) : undefined;
            return hint ? { ...t, hint } : t;
          })
        : trace,
    };
  }
  const catalog = options.catalog;
  if (catalog) {
    const all = [sets.identity, sets.boundary, sets.session, sets.resource, ...(scp ?? [])].flatMap((ps) => ps?.policies ?? []);
    const warnings = all.flatMap((p) => cache.warningsFor(p));
    const aw = actionWarning(action, catalog) ?? resourceWarning(action, resource, catalog);
    if (aw) warnings.unshift(`request: ${aw.message}`);
    if (warnings.length) out = { ...out, warnings };
  }
  return out;
}

/** An empty boundary list means no boundary. */
function boundaryOf(set: PolicySet | undefined): PolicySet | undefined {
  return set && set.policies.length > 0 ? set : undefined;
}
