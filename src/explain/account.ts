import { parseArn } from '../arn/arn.js';
import { actionSpecMatches, compileActions, type ActionSpec } from '../policy/compile.js';
import { JsonSyntaxError, PolicyError, PolicySet, compilePolicy, parseJson, validatePolicy, type CompiledPolicy, type JsonValue, type PolicyKind } from '../policy/index.js';

/**
 * An IAM account as `aws iam get-account-authorization-details` exports it, for offline analysis
 * (`irsa analyze`). The input is the JSON the AWS CLI writes (PascalCase fields, as in
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html);
 * policy documents may be objects (the CLI decodes them), URL-encoded strings (the raw API) or
 * plain JSON strings. A list of pages (each such an object) is merged.
 *
 * Loading checks the structure and parses every document, so a broken export fails at once with
 * the path of the bad field. Documents are validated and compiled with the policy engine only when
 * a role is first asked for, then cached. `candidateRoles(action)` uses an index of every identity
 * policy's Allow statements built at load time, so a who-can question evaluates only roles that
 * could possibly be allowed.
 */

export class AccountDetailsError extends Error {
  constructor(
    /** Where in the export, e.g. `RoleDetailList[12].AssumeRolePolicyDocument`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'AccountDetailsError';
  }
}

export interface LoadOptions {
  /** Called while loading with the entities done so far and their total. */
  onProgress?(done: number, total: number): void;
}

export interface RoleModel {
  readonly arn: string;
  readonly name: string;
  readonly roleId: string;
  readonly path: string;
  readonly createDate: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** Where the role is in the export: `RoleDetailList[3]`. */
  readonly source: string;
  /** The trust policy as JSON text. */
  readonly trustDocument: string;
  readonly attachedPolicyArns: readonly string[];
  readonly inlinePolicyNames: readonly string[];
  readonly boundaryArn: string | undefined;
  /** Attached or boundary policies the export does not contain (a filtered export): not evaluated. */
  readonly missingPolicyArns: readonly string[];
  /** The trust policy, compiled (policy id `<role arn>:trust`). Throws AccountDetailsError when it does not validate. */
  readonly trust: PolicySet;
  /** Attached managed policies (default versions, id `<policy arn>:<version>`) and inline policies (id `<role arn>:inline/<name>`). */
  readonly identity: PolicySet;
  /** The permissions boundary; an empty set (allows nothing, as IAM evaluates it) when its policy is missing. */
  readonly boundary: PolicySet | undefined;
}

export interface UserModel {
  readonly arn: string;
  readonly name: string;
  readonly userId: string;
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly source: string;
  readonly groups: readonly string[];
  readonly missingPolicyArns: readonly string[];
  /** The user's attached and inline policies and those of its groups. */
  readonly identity: PolicySet;
  readonly boundary: PolicySet | undefined;
}

export interface PolicyVersionModel {
  readonly versionId: string;
  readonly isDefaultVersion: boolean;
  readonly createDate: string | undefined;
  /** The document as JSON text. */
  readonly document: string;
}

export interface ManagedPolicyModel {
  readonly arn: string;
  readonly name: string;
  readonly policyId: string;
  readonly path: string;
  readonly awsManaged: boolean;
  readonly defaultVersionId: string;
  readonly versions: readonly PolicyVersionModel[];
  readonly attachmentCount: number | undefined;
  readonly source: string;
  /** A version (default: the default one) compiled as `kind`, id `<arn>:<version>`. */
  compiled(kind?: 'identity' | 'boundary', versionId?: string): CompiledPolicy;
}

export interface AccountModel {
  /** The account the export belongs to (from its ARNs); undefined for an empty export. */
  readonly account: string | undefined;
  readonly partition: string;
  readonly counts: { readonly roles: number; readonly users: number; readonly groups: number; readonly policies: number };
  /** A role by name (case-insensitive, as IAM names are) or ARN. */
  role(nameOrArn: string): RoleModel | undefined;
  roles(): IterableIterator<RoleModel>;
  user(nameOrArn: string): UserModel | undefined;
  users(): IterableIterator<UserModel>;
  policy(arn: string): ManagedPolicyModel | undefined;
  policies(): IterableIterator<ManagedPolicyModel>;
  /**
   * Roles with at least one identity-policy Allow statement whose Action/NotAction can match
   * `action` (wildcards and case as IAM matches them), in export order. A superset of the roles
   * the engine would allow: only these need evaluating. Roles with a missing attached policy
   * are not added for it (its statements are unknown).
   */
  candidateRoles(action: string): readonly RoleModel[];
  /**
   * Validates and compiles every document in force (trust policies, default versions, inline
   * policies, boundaries) and builds every role's policy sets now instead of on first use, so
   * later questions pay no compile cost. Returns the documents that do not validate (their
   * roles then throw when asked for the set), at most `limit` of them.
   */
  compileAll(options?: { onProgress?(done: number, total: number): void; limit?: number }): AccountDetailsError[];
}

// ---- limits ----------------------------------------------------------------------------------

/** No real document comes close: IAM's largest quota (inline, per role) is 10,240 characters. */
const MAX_DOCUMENT_CHARS = 131_072;
const MAX_ENTITIES = 1_000_000;
const MAX_NAME = 2048;
const CANDIDATE_CACHE = 1024;
const PROGRESS_EVERY = 250;

// ---- documents -------------------------------------------------------------------------------

/** One policy document in the export, parsed at load, compiled on first use per kind. */
class Doc {
  private readonly compiledByKind = new Map<PolicyKind, CompiledPolicy>();
  private textCache: string | undefined;

  constructor(
    readonly path: string,
    readonly id: string,
    readonly value: JsonValue,
    text: string | undefined,
  ) {
    this.textCache = text;
  }

  get text(): string {
    return (this.textCache ??= JSON.stringify(this.value));
  }

  compile(kind: PolicyKind): CompiledPolicy {
    let p = this.compiledByKind.get(kind);
    if (!p) {
      try {
        // Stored documents passed IAM's validation when saved; older ones may predate a rule
        // (Version, size quotas), so validate loosely, as the server's PolicyCache does.
        p = compilePolicy(validatePolicy(this.value, kind, { sizeQuota: null, requireCurrentVersion: false }), kind, this.id);
      } catch (e) {
        if (e instanceof PolicyError) throw new AccountDetailsError(this.path, `${e.code}: ${e.message}`);
        throw e;
      }
      this.compiledByKind.set(kind, p);
    }
    return p;
  }
}

/** Decodes a document: an object as the CLI writes it, or a string, URL-encoded (the API) or not. */
function readDocument(v: unknown, path: string, id: string): Doc {
  if (typeof v === 'string') {
    if (v.length > MAX_DOCUMENT_CHARS * 3) throw new AccountDetailsError(path, `document longer than ${MAX_DOCUMENT_CHARS} characters`);
    let text = v;
    const trimmed = v.trimStart();
    if (!trimmed.startsWith('{')) {
      try {
        text = decodeURIComponent(v);
      } catch {
        throw new AccountDetailsError(path, 'not valid JSON, and not a URL-encoded JSON document');
      }
    }
    if (text.length > MAX_DOCUMENT_CHARS) throw new AccountDetailsError(path, `document longer than ${MAX_DOCUMENT_CHARS} characters`);
    try {
      return new Doc(path, id, parseJson(text), text);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw new AccountDetailsError(path, `not valid JSON: ${e.message} at offset ${e.offset}`);
      throw e;
    }
  }
  if (!isObject(v)) throw new AccountDetailsError(path, `expected a policy document (an object or a string), got ${describe(v)}`);
  // Kept by reference (no copy): the input's documents must not be changed afterwards.
  if (jsonSize(v, path, 0) > MAX_DOCUMENT_CHARS) throw new AccountDetailsError(path, `document longer than ${MAX_DOCUMENT_CHARS} characters`);
  return new Doc(path, id, v as JsonValue, undefined);
}

/**
 * Checks that a value given as an object is plain JSON (no cycles, bounded depth) and returns
 * about how many characters its compact JSON has (string lengths without escapes), stopping early
 * once past the document limit.
 */
function jsonSize(v: unknown, path: string, depth: number): number {
  if (depth > 64) throw new AccountDetailsError(path, 'document nested too deeply');
  if (v === null || typeof v === 'boolean') return 5;
  if (typeof v === 'string') return v.length + 2;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new AccountDetailsError(path, 'document holds a number JSON cannot represent');
    return 8;
  }
  let n = 2;
  if (Array.isArray(v)) {
    for (const x of v) {
      n += jsonSize(x, path, depth + 1) + 1;
      if (n > MAX_DOCUMENT_CHARS) return n;
    }
    return n;
  }
  if (isObject(v)) {
    for (const k in v) {
      n += k.length + 4 + jsonSize(v[k], path, depth + 1);
      if (n > MAX_DOCUMENT_CHARS) return n;
    }
    return n;
  }
  throw new AccountDetailsError(path, `document holds ${describe(v)}, which is not JSON`);
}

// ---- action index ----------------------------------------------------------------------------

/**
 * The Action/NotAction patterns of a document's Allow statements, read from its JSON without
 * validating it. Anything unexpected counts as "may allow every action", so that the index never
 * leaves out a role the engine could allow (compiling such a document fails later, with its path).
 */
interface AllowSpec {
  readonly spec: ActionSpec;
  readonly negated: boolean;
}

const EVERYTHING: AllowSpec = { spec: compileActions(['*']), negated: false };

function allowSpecs(doc: JsonValue): AllowSpec[] {
  if (!isObject(doc)) return [EVERYTHING];
  const st = doc['Statement'];
  const list = Array.isArray(st) ? st : [st];
  const out: AllowSpec[] = [];
  for (const s of list) {
    if (!isObject(s)) return [EVERYTHING];
    const effect = s['Effect'];
    if (typeof effect === 'string' && effect.toLowerCase() === 'deny') continue;
    const action = patterns(s['Action']);
    const notAction = patterns(s['NotAction']);
    if (action && s['NotAction'] === undefined) out.push({ spec: compileActions(action), negated: false });
    else if (notAction && s['Action'] === undefined) out.push({ spec: compileActions(notAction), negated: true });
    else return [EVERYTHING];
  }
  return out;
}

function patterns(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const x of v) {
    if (typeof x === 'string') out.push(x);
    else if (x !== null) return undefined;
  }
  return out;
}

/** Documents by the actions their Allow statements name: exact names, per-service wildcards, the rest. */
class ActionIndex {
  private readonly exact = new Map<string, number[]>();
  private readonly byService = new Map<string, { match: (a: string) => boolean; doc: number }[]>();
  private readonly every: { spec: AllowSpec; doc: number }[] = [];

  add(doc: number, specs: readonly AllowSpec[]): void {
    for (const s of specs) {
      if (s.negated) {
        this.every.push({ spec: s, doc });
        continue;
      }
      for (const a of s.spec.exact) push(this.exact, a, doc);
      for (const w of s.spec.wildcards) {
        if (w.service === undefined) this.every.push({ spec: { spec: { exact: [], wildcards: [w] }, negated: false }, doc });
        else push(this.byService, w.service, { match: w.match, doc });
      }
    }
  }

  docs(actionLower: string): Set<number> {
    const found = new Set<number>(this.exact.get(actionLower));
    const colon = actionLower.indexOf(':');
    const service = colon > 0 ? actionLower.slice(0, colon) : actionLower;
    for (const w of this.byService.get(service) ?? []) if (!found.has(w.doc) && w.match(actionLower)) found.add(w.doc);
    for (const e of this.every) if (!found.has(e.doc) && actionSpecMatches(e.spec.spec, actionLower) !== e.spec.negated) found.add(e.doc);
    return found;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

// ---- entities --------------------------------------------------------------------------------

interface PolicyRecord {
  readonly model: ManagedPolicyImpl;
  /** Index of the default version's document in the action index. */
  readonly defaultDoc: number;
}

class ManagedPolicyImpl implements ManagedPolicyModel {
  constructor(
    readonly arn: string,
    readonly name: string,
    readonly policyId: string,
    readonly path: string,
    readonly awsManaged: boolean,
    readonly defaultVersionId: string,
    private readonly docs: ReadonlyMap<string, { doc: Doc; isDefault: boolean; createDate: string | undefined }>,
    readonly attachmentCount: number | undefined,
    readonly source: string,
  ) {}

  get versions(): PolicyVersionModel[] {
    return [...this.docs].map(([versionId, v]) => ({ versionId, isDefaultVersion: v.isDefault, createDate: v.createDate, document: v.doc.text }));
  }

  defaultDocument(): Doc {
    return (this.docs.get(this.defaultVersionId) as { doc: Doc }).doc;
  }

  compiled(kind: 'identity' | 'boundary' = 'identity', versionId = this.defaultVersionId): CompiledPolicy {
    const v = this.docs.get(versionId);
    if (!v) throw new AccountDetailsError(this.source, `policy ${this.arn} has no version ${versionId}`);
    return v.doc.compile(kind);
  }
}

interface PrincipalParts {
  readonly inline: readonly Doc[];
  readonly inlineNames: readonly string[];
  readonly attached: readonly string[];
  readonly boundaryArn: string | undefined;
}

class RoleImpl implements RoleModel {
  private trustSet: PolicySet | undefined;
  private identitySet: PolicySet | undefined;
  private boundarySet: PolicySet | undefined;

  constructor(
    private readonly model: AccountModelImpl,
    readonly arn: string,
    readonly name: string,
    readonly roleId: string,
    readonly path: string,
    readonly createDate: string | undefined,
    readonly tags: Readonly<Record<string, string>>,
    readonly source: string,
    private readonly trustDoc: Doc,
    private readonly parts: PrincipalParts,
    readonly missingPolicyArns: readonly string[],
  ) {}

  get trustDocument(): string {
    return this.trustDoc.text;
  }
  get attachedPolicyArns(): readonly string[] {
    return this.parts.attached;
  }
  get inlinePolicyNames(): readonly string[] {
    return this.parts.inlineNames;
  }
  get boundaryArn(): string | undefined {
    return this.parts.boundaryArn;
  }
  get trust(): PolicySet {
    return (this.trustSet ??= new PolicySet([this.trustDoc.compile('trust')]));
  }
  get identity(): PolicySet {
    return (this.identitySet ??= this.model.identitySet([this.parts]));
  }
  get boundary(): PolicySet | undefined {
    if (this.parts.boundaryArn === undefined) return undefined;
    return (this.boundarySet ??= this.model.boundarySet(this.parts.boundaryArn));
  }
}

class UserImpl implements UserModel {
  private identitySet: PolicySet | undefined;
  private boundarySet: PolicySet | undefined;

  constructor(
    private readonly model: AccountModelImpl,
    readonly arn: string,
    readonly name: string,
    readonly userId: string,
    readonly path: string,
    readonly tags: Readonly<Record<string, string>>,
    readonly source: string,
    readonly groups: readonly string[],
    private readonly parts: readonly PrincipalParts[],
    readonly missingPolicyArns: readonly string[],
  ) {}

  get identity(): PolicySet {
    return (this.identitySet ??= this.model.identitySet(this.parts));
  }
  get boundary(): PolicySet | undefined {
    const arn = this.parts[0]?.boundaryArn;
    if (arn === undefined) return undefined;
    return (this.boundarySet ??= this.model.boundarySet(arn));
  }
}

class AccountModelImpl implements AccountModel {
  account: string | undefined;
  partition = 'aws';
  readonly rolesByName = new Map<string, RoleImpl>();
  readonly usersByName = new Map<string, UserImpl>();
  readonly policiesByArn = new Map<string, PolicyRecord>();
  readonly index = new ActionIndex();
  /** Per indexed document: the roles it grants to (by role position). */
  readonly docRoles: number[][] = [];
  readonly roleList: RoleImpl[] = [];
  private readonly candidateCache = new Map<string, readonly RoleModel[]>();
  counts = { roles: 0, users: 0, groups: 0, policies: 0 };

  identitySet(parts: readonly PrincipalParts[]): PolicySet {
    const policies: CompiledPolicy[] = [];
    for (const p of parts) {
      for (const arn of p.attached) {
        const rec = this.policiesByArn.get(arn);
        if (rec) policies.push(rec.model.defaultDocument().compile('identity'));
      }
      for (const d of p.inline) policies.push(d.compile('identity'));
    }
    return new PolicySet(policies);
  }

  boundarySet(arn: string): PolicySet {
    const rec = this.policiesByArn.get(arn);
    return new PolicySet(rec ? [rec.model.defaultDocument().compile('boundary')] : []);
  }

  role(nameOrArn: string): RoleModel | undefined {
    const name = this.nameOf(nameOrArn, 'role');
    return name === undefined ? undefined : this.rolesByName.get(name.toLowerCase());
  }

  *roles(): IterableIterator<RoleModel> {
    yield* this.roleList;
  }

  user(nameOrArn: string): UserModel | undefined {
    const name = this.nameOf(nameOrArn, 'user');
    return name === undefined ? undefined : this.usersByName.get(name.toLowerCase());
  }

  *users(): IterableIterator<UserModel> {
    yield* this.usersByName.values();
  }

  policy(arn: string): ManagedPolicyModel | undefined {
    return this.policiesByArn.get(arn)?.model;
  }

  *policies(): IterableIterator<ManagedPolicyModel> {
    for (const r of this.policiesByArn.values()) yield r.model;
  }

  /** Every document in force, with the kinds it is compiled as. */
  readonly inForce: { doc: Doc; kind: PolicyKind }[] = [];

  compileAll(options: { onProgress?(done: number, total: number): void; limit?: number } = {}): AccountDetailsError[] {
    const problems: AccountDetailsError[] = [];
    const limit = options.limit ?? 1000;
    const total = this.inForce.length + this.roleList.length;
    let done = 0;
    const tick = (): void => {
      done++;
      if (options.onProgress && (done % PROGRESS_EVERY === 0 || done === total)) options.onProgress(done, total);
    };
    options.onProgress?.(0, total);
    for (const { doc, kind } of this.inForce) {
      try {
        doc.compile(kind);
      } catch (e) {
        if (!(e instanceof AccountDetailsError)) throw e;
        if (problems.length < limit) problems.push(e);
      }
      tick();
    }
    for (const r of this.roleList) {
      try {
        void r.trust;
        void r.identity;
        void r.boundary;
      } catch (e) {
        if (!(e instanceof AccountDetailsError)) throw e;
      }
      tick();
    }
    return problems;
  }

  candidateRoles(action: string): readonly RoleModel[] {
    const a = action.toLowerCase();
    const hit = this.candidateCache.get(a);
    if (hit) return hit;
    const roles = new Set<number>();
    for (const d of this.index.docs(a)) for (const r of this.docRoles[d] ?? []) roles.add(r);
    const list = [...roles].sort((x, y) => x - y).map((i) => this.roleList[i] as RoleImpl);
    if (this.candidateCache.size >= CANDIDATE_CACHE) this.candidateCache.clear();
    this.candidateCache.set(a, list);
    return list;
  }

  /** `name`, or the name in an ARN of this account (undefined for another account or type). */
  private nameOf(nameOrArn: string, type: 'role' | 'user'): string | undefined {
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    const a = parseArn(nameOrArn);
    if (!a || a.service !== 'iam' || a.partition !== this.partition || a.account !== this.account || !a.resource.startsWith(`${type}/`)) return undefined;
    const full = a.resource.slice(type.length + 1);
    const name = full.slice(full.lastIndexOf('/') + 1);
    const entity = type === 'role' ? this.rolesByName.get(name.toLowerCase()) : this.usersByName.get(name.toLowerCase());
    // The path is part of the ARN: a role ARN with another path is another role.
    return entity && entity.arn === nameOrArn ? name : undefined;
  }
}

// ---- loading ---------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function list(o: Obj, key: string, path: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new AccountDetailsError(`${path}${key}`, `expected a list, got ${describe(v)}`);
  if (v.length > MAX_ENTITIES) throw new AccountDetailsError(`${path}${key}`, `more than ${MAX_ENTITIES} entries`);
  return v;
}

function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new AccountDetailsError(`${path}.${key}`, v === undefined ? 'missing' : `expected a non-empty string, got ${describe(v)}`);
  if (v.length > MAX_NAME) throw new AccountDetailsError(`${path}.${key}`, `longer than ${MAX_NAME} characters`);
  return v;
}

function optStr(o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AccountDetailsError(`${path}.${key}`, `expected a string, got ${describe(v)}`);
  if (v.length > MAX_NAME) throw new AccountDetailsError(`${path}.${key}`, `longer than ${MAX_NAME} characters`);
  return v;
}

function obj(v: unknown, path: string): Obj {
  if (!isObject(v)) throw new AccountDetailsError(path, `expected an object, got ${describe(v)}`);
  return v;
}

function tagsOf(o: Obj, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  list(o, 'Tags', `${path}.`).forEach((t, i) => {
    const p = `${path}.Tags[${i}]`;
    const tag = obj(t, p);
    out[str(tag, 'Key', p)] = optStr(tag, 'Value', p) ?? '';
  });
  return out;
}

/** Merges a list of pages (as saved from `--no-paginate` runs) into one export. */
function pagesOf(json: unknown): Obj[] {
  if (Array.isArray(json)) {
    if (json.length === 0) throw new AccountDetailsError('', 'expected the output of `aws iam get-account-authorization-details`, got an empty list');
    return json.map((p, i) => obj(p, `[${i}]`));
  }
  if (!isObject(json)) throw new AccountDetailsError('', `expected the output of \`aws iam get-account-authorization-details\` (an object with RoleDetailList, Policies, …), got ${describe(json)}`);
  const known = ['RoleDetailList', 'Policies', 'UserDetailList', 'GroupDetailList'];
  if (!known.some((k) => k in json)) {
    const camel = ['roleDetailList', 'policies', 'userDetailList'].some((k) => k in json);
    throw new AccountDetailsError('', camel ? 'field names must be as the AWS CLI writes them (RoleDetailList, Policies, …), not camelCase' : `expected the output of \`aws iam get-account-authorization-details\`: none of ${known.join(', ')} is present`);
  }
  return [json];
}

export function loadAccountDetails(json: unknown, options: LoadOptions = {}): AccountModel {
  const pages = pagesOf(json);
  const m = new AccountModelImpl();
  const pre = (i: number): string => (pages.length > 1 ? `[${i}].` : '');
  const entries = (key: string): { v: unknown; path: string }[] => {
    const out: { v: unknown; path: string }[] = [];
    pages.forEach((page, i) => list(page, key, pre(i)).forEach((v, j) => out.push({ v, path: `${pre(i)}${key}[${j}]` })));
    return out;
  };
  const policies = entries('Policies');
  const roles = entries('RoleDetailList');
  const users = entries('UserDetailList');
  const groups = entries('GroupDetailList');
  const total = policies.length + roles.length + users.length + groups.length;
  if (total > MAX_ENTITIES) throw new AccountDetailsError('', `more than ${MAX_ENTITIES} entities`);
  let done = 0;
  const tick = (): void => {
    done++;
    if (options.onProgress && (done % PROGRESS_EVERY === 0 || done === total)) options.onProgress(done, total);
  };
  options.onProgress?.(0, total);

  let accountFrom: string | undefined;
  const seeArn = (arn: string, path: string, service: string, prefix: string): void => {
    const a = parseArn(arn);
    if (!a || a.service !== service || !a.resource.startsWith(prefix)) throw new AccountDetailsError(path, `not an IAM ${prefix.slice(0, -1)} ARN: ${arn}`);
    if (a.account === 'aws') return;
    if (m.account === undefined) {
      m.account = a.account;
      m.partition = a.partition;
      accountFrom = path;
    } else if (a.account !== m.account || a.partition !== m.partition) {
      throw new AccountDetailsError(path, `ARN ${arn} is not in account ${m.account} (${accountFrom}): an export holds one account`);
    }
  };

  // Managed policies first: roles and users refer to them by ARN.
  const docs: Doc[] = [];
  const addDoc = (d: Doc): number => {
    docs.push(d);
    m.docRoles.push([]);
    m.index.add(docs.length - 1, allowSpecs(d.value));
    return docs.length - 1;
  };
  for (const { v, path } of policies) {
    const p = obj(v, path);
    const arn = str(p, 'Arn', path);
    seeArn(arn, `${path}.Arn`, 'iam', 'policy/');
    if (m.policiesByArn.has(arn)) throw new AccountDetailsError(`${path}.Arn`, `policy ${arn} is listed twice`);
    const versions = new Map<string, { doc: Doc; isDefault: boolean; createDate: string | undefined }>();
    let flagged: string | undefined;
    list(p, 'PolicyVersionList', `${path}.`).forEach((x, i) => {
      const vp = `${path}.PolicyVersionList[${i}]`;
      const ver = obj(x, vp);
      const versionId = str(ver, 'VersionId', vp);
      if (versions.has(versionId)) throw new AccountDetailsError(`${vp}.VersionId`, `version ${versionId} is listed twice`);
      const isDefault = ver['IsDefaultVersion'];
      if (isDefault !== undefined && typeof isDefault !== 'boolean') throw new AccountDetailsError(`${vp}.IsDefaultVersion`, `expected true or false, got ${describe(isDefault)}`);
      if (isDefault) {
        if (flagged !== undefined) throw new AccountDetailsError(`${vp}.IsDefaultVersion`, `both ${flagged} and ${versionId} are marked as the default version`);
        flagged = versionId;
      }
      if (ver['Document'] === undefined) throw new AccountDetailsError(`${vp}.Document`, 'missing');
      versions.set(versionId, { doc: readDocument(ver['Document'], `${vp}.Document`, `${arn}:${versionId}`), isDefault: isDefault === true, createDate: optStr(ver, 'CreateDate', vp) });
    });
    if (versions.size === 0) throw new AccountDetailsError(`${path}.PolicyVersionList`, 'no policy versions: the default version document is needed');
    const declared = optStr(p, 'DefaultVersionId', path);
    if (declared !== undefined && flagged !== undefined && declared !== flagged) {
      throw new AccountDetailsError(`${path}.DefaultVersionId`, `is ${declared}, but PolicyVersionList marks ${flagged} as the default version`);
    }
    const defaultVersionId = declared ?? flagged ?? (versions.size === 1 ? [...versions.keys()][0] : undefined);
    if (defaultVersionId === undefined) throw new AccountDetailsError(`${path}.PolicyVersionList`, 'no version is marked IsDefaultVersion and DefaultVersionId is missing');
    const def = versions.get(defaultVersionId);
    if (!def) throw new AccountDetailsError(`${path}.DefaultVersionId`, `version ${defaultVersionId} is not in PolicyVersionList`);
    for (const [id, ver] of versions) versions.set(id, { ...ver, isDefault: id === defaultVersionId });
    const count = p['AttachmentCount'];
    const model = new ManagedPolicyImpl(arn, str(p, 'PolicyName', path), optStr(p, 'PolicyId', path) ?? '', optStr(p, 'Path', path) ?? '/', parseArn(arn)?.account === 'aws', defaultVersionId, versions, typeof count === 'number' ? count : undefined, path);
    m.policiesByArn.set(arn, { model, defaultDoc: addDoc(def.doc) });
    tick();
  }

  const used = new Set<string>();
  const usedAs = (arn: string, kind: 'identity' | 'boundary'): void => {
    const rec = m.policiesByArn.get(arn);
    if (!rec || used.has(`${kind} ${arn}`)) return;
    used.add(`${kind} ${arn}`);
    m.inForce.push({ doc: rec.model.defaultDocument(), kind });
  };
  const partsOf = (e: Obj, path: string, ownerArn: string, inlineKey: string): { parts: PrincipalParts; missing: string[]; inlineDocs: number[] } => {
    const inline: Doc[] = [];
    const inlineNames: string[] = [];
    const names = new Set<string>();
    list(e, inlineKey, `${path}.`).forEach((x, i) => {
      const ip = `${path}.${inlineKey}[${i}]`;
      const ipol = obj(x, ip);
      const name = str(ipol, 'PolicyName', ip);
      if (names.has(name.toLowerCase())) throw new AccountDetailsError(`${ip}.PolicyName`, `inline policy ${name} is listed twice`);
      names.add(name.toLowerCase());
      inlineNames.push(name);
      if (ipol['PolicyDocument'] === undefined) throw new AccountDetailsError(`${ip}.PolicyDocument`, 'missing');
      inline.push(readDocument(ipol['PolicyDocument'], `${ip}.PolicyDocument`, `${ownerArn}:inline/${name}`));
    });
    const attached: string[] = [];
    list(e, 'AttachedManagedPolicies', `${path}.`).forEach((x, i) => {
      const ap = `${path}.AttachedManagedPolicies[${i}]`;
      const arn = str(obj(x, ap), 'PolicyArn', ap);
      if (!parseArn(arn)) throw new AccountDetailsError(`${ap}.PolicyArn`, `not an ARN: ${arn}`);
      if (!attached.includes(arn)) attached.push(arn);
    });
    let boundaryArn: string | undefined;
    const b = e['PermissionsBoundary'];
    if (b !== undefined && b !== null) {
      const bp = `${path}.PermissionsBoundary`;
      const bo = obj(b, bp);
      if (Object.keys(bo).length > 0) {
        boundaryArn = str(bo, 'PermissionsBoundaryArn', bp);
        if (!parseArn(boundaryArn)) throw new AccountDetailsError(`${bp}.PermissionsBoundaryArn`, `not an ARN: ${boundaryArn}`);
      }
    }
    const missing = [...attached, ...(boundaryArn ? [boundaryArn] : [])].filter((a) => !m.policiesByArn.has(a));
    for (const d of inline) m.inForce.push({ doc: d, kind: 'identity' });
    for (const a of attached) usedAs(a, 'identity');
    if (boundaryArn) usedAs(boundaryArn, 'boundary');
    return { parts: { inline, inlineNames, attached, boundaryArn }, missing: [...new Set(missing)], inlineDocs: inline.map(addDoc) };
  };

  for (const { v, path } of roles) {
    const r = obj(v, path);
    const name = str(r, 'RoleName', path);
    const arn = str(r, 'Arn', path);
    seeArn(arn, `${path}.Arn`, 'iam', 'role/');
    if (!arn.endsWith(`/${name}`)) throw new AccountDetailsError(`${path}.Arn`, `${arn} is not the ARN of role ${name}`);
    if (m.rolesByName.has(name.toLowerCase())) throw new AccountDetailsError(`${path}.RoleName`, `role ${name} is listed twice`);
    if (r['AssumeRolePolicyDocument'] === undefined) throw new AccountDetailsError(`${path}.AssumeRolePolicyDocument`, 'missing');
    const trust = readDocument(r['AssumeRolePolicyDocument'], `${path}.AssumeRolePolicyDocument`, `${arn}:trust`);
    m.inForce.push({ doc: trust, kind: 'trust' });
    const { parts, missing, inlineDocs } = partsOf(r, path, arn, 'RolePolicyList');
    const role = new RoleImpl(m, arn, name, str(r, 'RoleId', path), optStr(r, 'Path', path) ?? '/', optStr(r, 'CreateDate', path), tagsOf(r, path), path, trust, parts, missing);
    const at = m.roleList.length;
    m.roleList.push(role);
    m.rolesByName.set(name.toLowerCase(), role);
    for (const d of inlineDocs) m.docRoles[d]?.push(at);
    for (const a of parts.attached) {
      const rec = m.policiesByArn.get(a);
      if (rec) m.docRoles[rec.defaultDoc]?.push(at);
    }
    tick();
  }

  const groupParts = new Map<string, PrincipalParts & { missing: string[] }>();
  for (const { v, path } of groups) {
    const g = obj(v, path);
    const name = str(g, 'GroupName', path);
    const arn = str(g, 'Arn', path);
    seeArn(arn, `${path}.Arn`, 'iam', 'group/');
    const { parts, missing } = partsOf(g, path, arn, 'GroupPolicyList');
    groupParts.set(name.toLowerCase(), { ...parts, boundaryArn: undefined, missing });
    tick();
  }

  for (const { v, path } of users) {
    const u = obj(v, path);
    const name = str(u, 'UserName', path);
    const arn = str(u, 'Arn', path);
    seeArn(arn, `${path}.Arn`, 'iam', 'user/');
    if (m.usersByName.has(name.toLowerCase())) throw new AccountDetailsError(`${path}.UserName`, `user ${name} is listed twice`);
    const { parts, missing } = partsOf(u, path, arn, 'UserPolicyList');
    const groupNames = list(u, 'GroupList', `${path}.`).map((x, i) => {
      if (typeof x !== 'string') throw new AccountDetailsError(`${path}.GroupList[${i}]`, `expected a group name, got ${describe(x)}`);
      return x;
    });
    const all: PrincipalParts[] = [parts];
    const allMissing = [...missing];
    for (const gname of groupNames) {
      const gp = groupParts.get(gname.toLowerCase());
      // A user's group left out of a filtered export: its policies cannot be evaluated.
      if (!gp) allMissing.push(`group/${gname}`);
      else {
        all.push(gp);
        allMissing.push(...gp.missing);
      }
    }
    m.usersByName.set(name.toLowerCase(), new UserImpl(m, arn, name, str(u, 'UserId', path), optStr(u, 'Path', path) ?? '/', tagsOf(u, path), path, groupNames, all, [...new Set(allMissing)]));
    tick();
  }

  m.counts = { roles: roles.length, users: users.length, groups: groups.length, policies: policies.length };
  return m;
}
