import { PolicyError, validatePolicy, type ContextType, type PolicyKind } from '../../src/policy/index.js';

/**
 * A seeded, deterministic generator of authorization cases (policies + one request) in the
 * `irsa simulate` case format (src/simulate/case.ts), biased to the edges of IAM's semantics:
 * action and resource wildcards and case, per-segment ARN wildcards, every principal kind, every
 * condition operator family with IfExists / ForAllValues / ForAnyValue, missing and multivalued
 * keys, policy variables (with defaults and escapes), Version 2008 vs 2012, Deny vs Allow,
 * permissions boundaries, session policies, SCP levels, and resource policies in the same and in
 * another account. Every document it returns passes irsa-local's validator for its kind.
 *
 * It only produces requests that the differential peer can run as well: real actions (from
 * iam-data), a request resource of the action's one resource type (never a wildcard), and global
 * condition keys whose single- vs multi-valued type matches the context entry's type.
 */

export const ACCOUNT_A = '111122223333';
export const ACCOUNT_B = '444455556666';

// ---- random ---------------------------------------------------------------------------------

/** The same generator as a function returning [0, 1), for code that only needs numbers. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((n, [, w]) => n + w, 0);
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
  /** `n` distinct items (fewer when the list is shorter), in random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    return this.shuffle(items).slice(0, n);
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** Derives an independent seed for case `index` of a run seeded with `seed`. */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---- case format ----------------------------------------------------------------------------

export type ConditionBlock = Record<string, Record<string, string | string[]>>;
export type PrincipalValue = '*' | Record<string, string | string[]>;

export interface StatementDoc {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: PrincipalValue;
  NotPrincipal?: PrincipalValue;
  Condition?: ConditionBlock;
}

export interface PolicyDoc {
  Version?: string;
  Id?: string;
  Statement: StatementDoc | StatementDoc[];
}

export interface ContextEntry {
  key: string;
  type: ContextType;
  values: string[];
}

/** One case in the `irsa simulate` format; `runCase` reads it as is. */
export interface GenCase {
  name?: string;
  identity: PolicyDoc[];
  boundary?: PolicyDoc[];
  session?: PolicyDoc[];
  resourcePolicy?: PolicyDoc;
  resourcePolicyKind?: 'resource' | 'trust';
  resourceOwner: string;
  scp?: PolicyDoc[][];
  caller: string;
  roleArn?: string;
  /** For a federated-user session: the IAM user that created it (iam-simulate assumes user/NAME). */
  userArn?: string;
  action: string;
  resource: string;
  context: ContextEntry[];
}

export function statementsOf(p: PolicyDoc): StatementDoc[] {
  return Array.isArray(p.Statement) ? p.Statement : [p.Statement];
}

export function listOf<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Every policy document of a case, with the kind it is validated as. */
export function policiesOf(c: GenCase): { kind: PolicyKind; doc: PolicyDoc }[] {
  const out: { kind: PolicyKind; doc: PolicyDoc }[] = [];
  for (const d of c.identity) out.push({ kind: 'identity', doc: d });
  for (const d of c.boundary ?? []) out.push({ kind: 'boundary', doc: d });
  for (const d of c.session ?? []) out.push({ kind: 'session', doc: d });
  for (const level of c.scp ?? []) for (const d of level) out.push({ kind: 'scp', doc: d });
  if (c.resourcePolicy) out.push({ kind: c.resourcePolicyKind ?? 'resource', doc: c.resourcePolicy });
  return out;
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function isValid(doc: PolicyDoc, kind: PolicyKind): boolean {
  try {
    validatePolicy(JSON.parse(JSON.stringify(doc)), kind);
    return true;
  } catch (e) {
    if (e instanceof PolicyError) return false;
    throw e;
  }
}

// ---- the world: callers and targets ----------------------------------------------------------

export type CallerKind = 'user' | 'role' | 'assumedRole' | 'federatedUser' | 'root' | 'service' | 'anonymous';

export interface Caller {
  readonly kind: CallerKind;
  /** As `runCase` takes it (`anonymous` for an unsigned request). */
  readonly arn: string;
  readonly account: string | undefined;
  /** For a role session: the role's ARN (with its path). */
  readonly roleArn?: string;
  /** The IAM user name (user, or the user a federated session was created from). */
  readonly userName?: string;
  /** The IAM user's ARN a federated user session belongs to. */
  readonly userArn?: string;
}

const USERS = [
  { name: 'alice', path: '' },
  { name: 'bob', path: '' },
  { name: 'carol', path: 'dev/' },
];
const ROLES = [
  { name: 'App', path: '' },
  { name: 'Deploy', path: 'team/' },
];
const SERVICES = ['events.amazonaws.com', 'lambda.amazonaws.com'];

function makeCaller(rng: Rng, kind: CallerKind, account: string): Caller {
  switch (kind) {
    case 'user': {
      const u = rng.pick(USERS);
      return { kind, arn: `arn:aws:iam::${account}:user/${u.path}${u.name}`, account, userName: u.name };
    }
    case 'role': {
      const r = rng.pick(ROLES);
      const arn = `arn:aws:iam::${account}:role/${r.path}${r.name}`;
      return { kind, arn, account, roleArn: arn };
    }
    case 'assumedRole': {
      const r = rng.pick(ROLES);
      const session = rng.pick(['sess1', 'alice', 'ci-run']);
      return { kind, arn: `arn:aws:sts::${account}:assumed-role/${r.name}/${session}`, account, roleArn: `arn:aws:iam::${account}:role/${r.path}${r.name}` };
    }
    case 'federatedUser': {
      const u = rng.pick(USERS.filter((x) => x.path === ''));
      return { kind, arn: `arn:aws:sts::${account}:federated-user/${u.name}`, account, userName: u.name, userArn: `arn:aws:iam::${account}:user/${u.name}` };
    }
    case 'root':
      return { kind, arn: `arn:aws:iam::${account}:root`, account };
    case 'service':
      return { kind, arn: rng.pick(SERVICES), account: undefined };
    case 'anonymous':
      return { kind, arn: 'anonymous', account: undefined };
  }
}

export const AWS_CALLERS: ReadonlySet<CallerKind> = new Set(['user', 'role', 'assumedRole', 'federatedUser', 'root']);

/** An action and the one resource it is requested on. */
interface TargetSpec {
  readonly service: string;
  readonly actions: readonly string[];
  /** Other actions of the service, for non-matching patterns. */
  readonly others: readonly string[];
  readonly resources: (account: string) => readonly string[];
  readonly trust?: boolean;
}

const TARGETS: readonly (readonly [TargetSpec, number])[] = [
  [{ service: 's3', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], others: ['s3:ListBucket', 's3:GetObjectAcl'], resources: () => ['arn:aws:s3:::data-bkt/alice/report.csv', 'arn:aws:s3:::data-bkt/shared/Doc.txt', 'arn:aws:s3:::logs/2024/a:b.log', 'arn:aws:s3:::data-bkt/bob'] }, 5],
  [{ service: 's3', actions: ['s3:ListBucket'], others: ['s3:GetObject', 's3:ListAllMyBuckets'], resources: () => ['arn:aws:s3:::data-bkt', 'arn:aws:s3:::logs'] }, 2],
  [{ service: 'sqs', actions: ['sqs:SendMessage', 'sqs:ReceiveMessage'], others: ['sqs:DeleteQueue', 'sqs:GetQueueUrl'], resources: (a) => [`arn:aws:sqs:us-east-1:${a}:orders`, `arn:aws:sqs:eu-west-1:${a}:Orders-dlq`] }, 3],
  [{ service: 'dynamodb', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], others: ['dynamodb:Scan', 'dynamodb:DeleteTable'], resources: (a) => [`arn:aws:dynamodb:us-east-1:${a}:table/Orders`, `arn:aws:dynamodb:us-east-1:${a}:table/alice`] }, 3],
  [{ service: 'iam', actions: ['iam:GetUser'], others: ['iam:DeleteUser', 'iam:GetRole'], resources: (a) => [`arn:aws:iam::${a}:user/alice`, `arn:aws:iam::${a}:user/dev/carol`] }, 2],
  [{ service: 'sns', actions: ['sns:Publish'], others: ['sns:Subscribe'], resources: (a) => [`arn:aws:sns:eu-west-1:${a}:alerts`] }, 1],
  [{ service: 'secretsmanager', actions: ['secretsmanager:GetSecretValue'], others: ['secretsmanager:PutSecretValue'], resources: (a) => [`arn:aws:secretsmanager:us-east-1:${a}:secret:db-pass-AbCdEf`] }, 1],
  [{ service: 'lambda', actions: ['lambda:InvokeFunction'], others: ['lambda:GetFunction'], resources: (a) => [`arn:aws:lambda:us-east-1:${a}:function:fn`] }, 1],
  [{ service: 'ec2', actions: ['ec2:DescribeInstances'], others: ['ec2:TerminateInstances'], resources: () => ['*'] }, 1],
  [{ service: 'sts', actions: ['sts:AssumeRole'], others: ['sts:TagSession', 'sts:AssumeRoleWithWebIdentity'], resources: (a) => [`arn:aws:iam::${a}:role/App`, `arn:aws:iam::${a}:role/team/Deploy`], trust: true }, 2],
];

/** Where the peer's ARN matching takes a resource's type literally: `user/`, `table/`, `function:`. */
export function resourceTypePrefixLength(pattern: string): number {
  const parts = pattern.split(':');
  if (parts.length < 6) return 0;
  const id = parts.slice(5).join(':');
  if (parts[2] === 's3' && parts[3] === '' && parts[4] === '') return 0;
  const slash = id.indexOf('/');
  const colon = id.indexOf(':');
  if (slash < 0 && colon < 0) return 0;
  if (slash < 0) return colon + 1;
  if (colon < 0) return slash + 1;
  return Math.min(slash, colon) + 1;
}

// ---- condition keys -------------------------------------------------------------------------

type Family = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn';

interface KeySpec {
  readonly key: string;
  readonly family: Family;
  /** Multivalued (iam-data type ArrayOf…). */
  readonly list: boolean;
  readonly type: ContextType;
  /** Request values (a few drawn for a list key). */
  readonly values: (w: World) => readonly string[];
  /** Can be used as a policy variable (single-valued string-ish). */
  readonly variable?: boolean;
}

interface World {
  readonly caller: Caller;
  readonly resource: string;
  readonly resourceOwner: string;
  /** The request context, once drawn (variables then often name a key whose value fits). */
  readonly context?: readonly ContextEntry[];
}

const ISO_DATES = ['2020-01-01T00:00:00Z', '2024-06-01T12:00:00Z', '2024-06-01T14:00:00+02:00', '2024-06-01', '2030-12-31T23:59:59Z', '2024-06-01T12:00:00.500Z'];
const EPOCHS = ['1577836800', '1717243200', '1700000000', '1924991999'];
// 2024-06-01T12:00:00Z is 1717243200; 2020-01-01T00:00:00Z is 1577836800.
const BASE64 = ['QUJD', 'QUJDRA==', 'QUJDRA', 'YWJj', 'aGVsbG8gd29ybGQ='];

const KEYS: readonly KeySpec[] = [
  { key: 'aws:username', family: 'String', list: false, type: 'string', variable: true, values: (w) => [w.caller.userName ?? 'alice', 'bob', 'Alice', 'a*b', 'line\none'] },
  { key: 'aws:PrincipalTag/team', family: 'String', list: false, type: 'string', variable: true, values: () => ['red', 'blue', 'Red', 'alice', 're?'] },
  { key: 'aws:RequestTag/env', family: 'String', list: false, type: 'string', variable: true, values: () => ['prod', 'dev', 'Prod', 'prod-1'] },
  { key: 'aws:SourceVpc', family: 'String', list: false, type: 'string', values: () => ['vpc-111', 'vpc-222'] },
  { key: 'aws:PrincipalAccount', family: 'String', list: false, type: 'string', variable: true, values: (w) => [w.caller.account ?? ACCOUNT_A, ACCOUNT_B] },
  { key: 'aws:userid', family: 'String', list: false, type: 'string', variable: true, values: () => ['AIDAEXAMPLE', 'AROAEXAMPLE:sess1'] },
  { key: 'aws:TagKeys', family: 'String', list: true, type: 'stringList', values: () => ['env', 'team', 'Owner', 'owner'] },
  { key: 'aws:CalledVia', family: 'String', list: true, type: 'stringList', values: () => ['athena.amazonaws.com', 'cloudformation.amazonaws.com'] },
  { key: 'aws:PrincipalOrgPaths', family: 'String', list: true, type: 'stringList', values: () => ['o-1/r-1/ou-1/', 'o-1/r-1/ou-2/'] },
  { key: 'aws:MultiFactorAuthAge', family: 'Numeric', list: false, type: 'numeric', values: () => ['0', '300', '3600', '86400', '10', '3.5', '-5', '007', '1e3'] },
  { key: 'aws:CurrentTime', family: 'Date', list: false, type: 'date', values: () => [...ISO_DATES, '1717243200'] },
  { key: 'aws:EpochTime', family: 'Date', list: false, type: 'date', values: () => [...EPOCHS, '2024-06-01T12:00:00Z'] },
  { key: 'aws:TokenIssueTime', family: 'Date', list: false, type: 'date', values: () => ['2024-06-01T11:00:00Z', '2020-01-01T00:00:00Z'] },
  { key: 'aws:SecureTransport', family: 'Bool', list: false, type: 'boolean', variable: true, values: () => ['true', 'false', 'TRUE', 'False'] },
  { key: 'aws:MultiFactorAuthPresent', family: 'Bool', list: false, type: 'boolean', values: () => ['true', 'false'] },
  { key: 'aws:SourceIp', family: 'Ip', list: false, type: 'ip', values: () => ['10.0.0.5', '10.1.2.3', '192.168.1.1', '203.0.113.9', '2001:db8::1', '2001:db9::5'] },
  { key: 'aws:PrincipalArn', family: 'Arn', list: false, type: 'string', variable: true, values: (w) => [w.caller.roleArn ?? (w.caller.account ? w.caller.arn : `arn:aws:iam::${ACCOUNT_A}:user/alice`), `arn:aws:iam::${ACCOUNT_B}:role/App`, `arn:aws:iam::${ACCOUNT_A}:user/dev/carol`] },
  { key: 'aws:SourceArn', family: 'Arn', list: false, type: 'string', values: (w) => [`arn:aws:sns:us-east-1:${w.resourceOwner}:topic`, 'arn:aws:s3:::data-bkt', `arn:aws:lambda:us-east-1:${ACCOUNT_B}:function:fn`] },
  { key: 'aws:PrincipalTag/blob', family: 'Binary', list: false, type: 'binary', values: () => BASE64 },
];

const VARIABLE_KEYS = KEYS.filter((k) => k.variable);

const OPERATORS: Readonly<Record<Family, readonly string[]>> = {
  String: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  Numeric: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
  Date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  Bool: ['Bool'],
  Binary: ['BinaryEquals'],
  Ip: ['IpAddress', 'NotIpAddress'],
  Arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
};

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike']);

/** Flips the case of one letter, so the key or value differs only by case. */
function flipCase(rng: Rng, s: string): string {
  const letters = [...s].map((ch, i) => [ch, i] as const).filter(([ch]) => /[a-zA-Z]/.test(ch));
  if (letters.length === 0) return s;
  const [ch, i] = rng.pick(letters);
  const flipped = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
  return s.slice(0, i) + flipped + s.slice(i + 1);
}

function variable(rng: Rng, w: World, fallbackHint?: string): string {
  const username = VARIABLE_KEYS[0] as KeySpec;
  const k = rng.weighted<KeySpec | 'multi' | 'escape'>([
    [username, 6],
    ...VARIABLE_KEYS.map((x) => [x, 3] as const),
    ['multi', 1],
    ['escape', 2],
  ]);
  if (k === 'escape') return rng.pick(['${*}', '${?}', '${$}']);
  const key = k === 'multi' ? 'aws:TagKeys' : rng.chance(0.2) ? flipCase(rng, k.key) : k.key;
  if (rng.chance(0.25)) return `\${${key}, '${fallbackHint ?? rng.pick(k === 'multi' ? ['env'] : k.values(w))}'}`;
  return `\${${key}}`;
}

function stringValues(rng: Rng, spec: KeySpec, w: World, op: string, variables: boolean): string[] {
  const pool = [...spec.values(w), 'nomatch'];
  const n = rng.weighted([[1, 5], [2, 3], [3, 1]] as const);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let v = rng.pick(pool);
    const r = rng.next();
    if (r < 0.15) v = flipCase(rng, v);
    else if (r < 0.35 && op.includes('Like')) v = rng.pick([`${v.slice(0, 2)}*`, `*${v.slice(-2)}`, `${v.slice(0, 1)}?${v.slice(2)}`, '*', `${v}*`]);
    else if (r < 0.5 && variables) v = rng.chance(0.5) ? variable(rng, w) : `${v.slice(0, 1)}${variable(rng, w)}`;
    else if (r < 0.6 && variables && /[*?]/.test(v)) v = v.replaceAll('*', '${*}').replaceAll('?', '${?}');
    out.push(v);
  }
  return out;
}

function arnValues(rng: Rng, spec: KeySpec, w: World, variables: boolean): string[] {
  const n = rng.weighted([[1, 5], [2, 2]] as const);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const base = rng.pick(spec.values(w));
    const parts = base.split(':');
    const r = rng.next();
    if (r < 0.3) out.push(base);
    else if (r < 0.5) {
      // One segment wildcarded.
      const k = rng.between(1, 5);
      parts[k] = k === 5 ? `${(parts[5] ?? '').split('/')[0] ?? ''}/*` : '*';
      out.push(parts.slice(0, 6).join(':'));
    } else if (r < 0.6) out.push(`${parts.slice(0, 5).join(':')}:${rng.pick(['*', '?ser/*', 'role/A??'])}`);
    else if (r < 0.75 && variables) out.push(`arn:aws:iam::${w.caller.account ?? ACCOUNT_A}:user/${variable(rng, w)}`);
    else if (r < 0.8) out.push(flipCase(rng, base));
    else if (r < 0.85) out.push(`ARN${base.slice(3)}`);
    else out.push(rng.pick([`arn:aws:iam::${ACCOUNT_B}:*`, 'arn:aws:*:*:*:*', `arn:aws:iam::${ACCOUNT_A}:role/App`]));
  }
  return out;
}

function conditionValues(rng: Rng, spec: KeySpec, w: World, op: string, variables: boolean): string[] {
  switch (spec.family) {
    case 'String':
      return stringValues(rng, spec, w, op, variables);
    case 'Arn':
      return op.startsWith('Arn') ? arnValues(rng, spec, w, variables) : stringValues(rng, spec, w, op, variables);
    case 'Numeric': {
      const lenient = NEGATED.has(op) ? [] : ['10abc', '1e3', '0x10', ' 7'];
      return rng.sample(['0', '300', '3600', '10', '3.5', '-5', '86400', ...lenient], rng.between(1, 2));
    }
    case 'Date':
      return rng.sample([...ISO_DATES, ...EPOCHS], rng.between(1, 2));
    case 'Bool':
      return [rng.pick(['true', 'false', 'True', 'FALSE'])];
    case 'Binary':
      return rng.sample(BASE64, rng.between(1, 2));
    case 'Ip':
      return rng.sample(['10.0.0.0/8', '10.0.0.0/24', '192.168.1.1', '203.0.113.0/24', '2001:db8::/32', '0.0.0.0/0', '10.0.0.5/32'], rng.between(1, 2));
  }
}

/** Values for an operator of a family other than the key's (String ops on any key, etc.). */
function crossFamilyOperator(rng: Rng, spec: KeySpec): string | undefined {
  // String operators compare any key's text; Numeric and Date operators on a key of another type
  // meet text they cannot parse (never with a negated operator: see the generator notes).
  if (spec.family === 'String' || spec.family === 'Arn') return rng.pick(['NumericLessThan', 'DateGreaterThan', 'Bool', 'IpAddress']);
  return rng.pick(['StringEquals', 'StringLike', 'StringNotEquals']);
}

function genCondition(rng: Rng, w: World, variables: boolean): ConditionBlock {
  const block: ConditionBlock = {};
  const n = rng.weighted([[1, 6], [2, 3], [3, 1]] as const);
  for (let i = 0; i < n; i++) {
    const spec = rng.pick(KEYS);
    let family: Family = spec.family;
    let base: string;
    if (rng.chance(0.06)) {
      base = crossFamilyOperator(rng, spec) ?? 'StringEquals';
      family = (Object.keys(OPERATORS) as Family[]).find((f) => OPERATORS[f].includes(base)) ?? 'String';
    } else if (spec.family === 'Arn' && rng.chance(0.3)) {
      base = rng.pick(OPERATORS.String);
      family = 'String';
    } else base = rng.pick(OPERATORS[spec.family]);
    let op: string;
    let values: string[];
    if (rng.chance(0.08)) {
      op = 'Null';
      values = [rng.pick(['true', 'false'])];
    } else {
      op = base;
      if (rng.chance(0.22)) op += 'IfExists';
      const set = spec.list ? rng.weighted([['ForAnyValue:', 4], ['ForAllValues:', 4], ['', 1]] as const) : rng.weighted([['', 9], ['ForAnyValue:', 1], ['ForAllValues:', 1]] as const);
      op = set + op;
      const valueSpec = family === spec.family ? spec : { ...spec, family };
      values = conditionValues(rng, valueSpec, w, base, variables);
    }
    const key = rng.chance(0.15) ? flipCase(rng, spec.key) : spec.key;
    const entries = (block[op] ??= {});
    if (Object.keys(entries).some((k) => k.toLowerCase() === key.toLowerCase())) continue;
    entries[key] = values.length === 1 && rng.chance(0.6) ? (values[0] as string) : values;
  }
  return block;
}

function requestContext(rng: Rng, w: World): ContextEntry[] {
  const out: ContextEntry[] = [];
  const n = rng.weighted([[0, 1], [2, 2], [4, 3], [7, 3], [10, 2]] as const);
  const specs = rng.sample(KEYS, n);
  // The caller's own name is the most useful variable value: include it more often than chance.
  if (w.caller.userName && rng.chance(0.6) && !specs.some((s) => s.key === 'aws:username')) specs.push(KEYS[0] as KeySpec);
  for (const spec of specs) {
    const pool = spec.values(w);
    if (spec.list) {
      out.push({ key: spec.key, type: spec.type, values: rng.sample(pool, rng.weighted([[1, 3], [2, 3], [3, 1]] as const)) });
    } else {
      let v = rng.pick(pool);
      // Keys used as variables never carry an empty or newline value (see docs/divergences.md).
      if (spec.key === 'aws:username' && v.includes('\n') && rng.chance(0.5)) v = 'alice';
      out.push({ key: spec.key, type: spec.type, values: [v] });
    }
  }
  return out;
}

// ---- statements and policies ----------------------------------------------------------------

interface Target {
  readonly spec: TargetSpec;
  readonly action: string;
  readonly resource: string;
  readonly owner: string;
}

function actionPattern(rng: Rng, t: Target): string {
  const [service, name] = t.action.split(':') as [string, string];
  return rng.weighted<() => string>([
    [() => t.action, 6],
    [() => flipCase(rng, t.action), 2],
    [() => `${service}:*`, 3],
    [() => `${service}:${name.slice(0, 3)}*`, 2],
    [() => `${service}:${name.slice(0, -1)}?`, 1],
    [() => `${service.toUpperCase()}:${name.toLowerCase()}`, 1],
    [() => '*', 1],
    [() => rng.pick(t.spec.others), 3],
    [() => rng.pick(['ec2:RunInstances', 'kms:Decrypt', 's3:Get*', 'sqs:*', 'iam:PassRole']), 2],
  ])();
}

/** A Resource pattern around the target: exact, per-segment wildcards, variables, near misses. */
function resourcePattern(rng: Rng, t: Target, w: World, variables: boolean, variableWeight = 5): string {
  if (t.resource === '*') return rng.weighted([['*', 6], ['arn:aws:ec2:*:*:instance/*', 2], [`arn:aws:ec2:us-east-1:${t.owner}:*`, 1]] as const);
  const parts = t.resource.split(':');
  const id = parts.slice(5).join(':');
  const prefix = resourceTypePrefixLength(t.resource);
  const head = id.slice(0, prefix);
  const tail = id.slice(prefix);
  const setId = (s: string): string => [...parts.slice(0, 5), s].join(':');
  return rng.weighted<() => string>([
    [() => '*', 3],
    [() => t.resource, 5],
    [() => setId(`${head}${tail.slice(0, Math.max(1, tail.length - 3))}*`), 3],
    [() => setId(`${head}*${tail.slice(-2)}`), 2],
    [() => setId(`${head}${tail.slice(0, 1)}?${tail.slice(2)}`), 1],
    [() => setId(`${head}${flipCase(rng, tail)}`), 2],
    [() => setId(`${head}${tail}x`), 1],
    [
      () => {
        const p = [...parts];
        const k = rng.pick([1, 3, 4]);
        const s = p[k] ?? '';
        p[k] = s === '' ? rng.pick(['', '*']) : rng.pick(['*', `${s.slice(0, 2)}*`, flipCase(rng, s), k === 4 ? ACCOUNT_B : '?'.repeat(s.length)]);
        // Filling the empty region/account of an S3 ARN would move the peer's split of the
        // resource type: keep S3 ARNs' empty segments empty.
        if (parts[2] === 's3' && (k === 3 || k === 4)) p[k] = '';
        return p.join(':');
      },
      4,
    ],
    [() => `arn:aws:${parts[2] ?? ''}:*`, 1],
    [() => (variables ? setId(`${head}${variableTail(rng, tail, w)}`) : t.resource), variableWeight],
    [() => setId(`${head}${tail.slice(0, 1)}*`).replace(`:${parts[2] ?? ''}:`, ':sns:'), 1],
  ])();
}

function variableTail(rng: Rng, tail: string, w: World): string {
  const slash = tail.indexOf('/');
  const segment = slash > 0 ? tail.slice(0, slash) : tail;
  const fits = (w.context ?? []).filter((e) => VARIABLE_KEYS.some((k) => k.key === e.key) && e.values.length === 1 && e.values[0] === segment);
  if (fits.length && rng.chance(0.7)) return `\${${(rng.pick(fits) as ContextEntry).key}}${slash > 0 ? tail.slice(slash) : ''}`;
  const v = variable(rng, w);
  if (slash > 0 && rng.chance(0.6)) return `${v}${tail.slice(slash)}`;
  if (slash > 0) return `${tail.slice(0, slash + 1)}${v}`;
  return rng.chance(0.5) ? `${tail.slice(0, 2)}${v}` : v;
}

function principalValue(rng: Rng, w: World): PrincipalValue {
  const c = w.caller;
  const own = c.account ?? ACCOUNT_A;
  const aws = (): string =>
    rng.weighted<() => string>([
      [() => c.arn === 'anonymous' ? '*' : c.account ? c.arn : `arn:aws:iam::${own}:user/alice`, 5],
      [() => c.roleArn ?? `arn:aws:iam::${own}:role/App`, 3],
      [() => c.userArn ?? `arn:aws:iam::${own}:user/bob`, 2],
      [() => own, 2],
      [() => `arn:aws:iam::${own}:root`, 2],
      [() => w.resourceOwner, 1],
      [() => ACCOUNT_B, 1],
      [() => `arn:aws:iam::${ACCOUNT_B}:user/alice`, 1],
      [() => '*', 1],
    ])();
  return rng.weighted<() => PrincipalValue>([
    [() => '*', 2],
    [() => ({ AWS: '*' }), 1],
    [() => ({ AWS: aws() }), 6],
    [() => ({ AWS: [...new Set([aws(), aws()])] }), 3],
    [() => ({ Service: c.kind === 'service' ? c.arn : rng.pick(SERVICES) }), 2],
    [() => ({ AWS: aws(), Service: rng.pick(SERVICES) }), 1],
  ])();
}

/** NotPrincipal lists some of the caller's identities (its account, role, ARN), so exemptions vary. */
function notPrincipalValue(rng: Rng, w: World): PrincipalValue {
  const c = w.caller;
  const own = c.account ?? ACCOUNT_A;
  const candidates = [c.account ? c.arn : `arn:aws:iam::${own}:user/alice`, `arn:aws:iam::${own}:root`, c.roleArn ?? `arn:aws:iam::${own}:role/App`, ACCOUNT_B];
  const chosen = rng.sample(candidates, rng.between(1, 3));
  if (c.kind === 'service' && rng.chance(0.5)) return { Service: c.arn };
  return { AWS: chosen.length === 1 ? (chosen[0] as string) : chosen };
}

function genStatement(rng: Rng, kind: PolicyKind, t: Target, w: World, variables: boolean, effectBias: number, variableWeight = 5): StatementDoc {
  const effect = rng.chance(effectBias) ? 'Allow' : 'Deny';
  const st: StatementDoc = { Effect: effect };
  const nActions = rng.weighted([[1, 6], [2, 3], [3, 1]] as const);
  if (kind === 'trust') {
    const acts = rng.sample(['sts:AssumeRole', 'sts:*', 'sts:Assume*', 'sts:TagSession', 'STS:assumerole'], nActions);
    st.Action = acts.length === 1 && rng.chance(0.5) ? (acts[0] as string) : acts;
  } else {
    const acts = [...new Set(Array.from({ length: nActions }, () => actionPattern(rng, t)))];
    const value = acts.length === 1 && rng.chance(0.5) ? (acts[0] as string) : acts;
    if (rng.chance(0.12)) st.NotAction = value;
    else st.Action = value;
  }
  if (kind !== 'trust' && !(kind === 'resource' && rng.chance(0.1))) {
    const n = rng.weighted([[1, 7], [2, 3]] as const);
    const negate = rng.chance(0.1);
    // Variables in NotResource are left out (see docs/divergences.md).
    const pats = [...new Set(Array.from({ length: n }, () => resourcePattern(rng, t, w, variables && !negate, variableWeight)))].filter((p) => !(negate && p.includes('${')));
    const list = pats.length ? pats : ['*'];
    const value = list.length === 1 && rng.chance(0.5) ? (list[0] as string) : list;
    if (negate) st.NotResource = value;
    else st.Resource = value;
  }
  if (kind === 'resource' || kind === 'trust') {
    if (kind === 'resource' && effect === 'Deny' && rng.chance(0.2)) st.NotPrincipal = notPrincipalValue(rng, w);
    else st.Principal = principalValue(rng, w);
  }
  if (rng.chance(0.45)) st.Condition = genCondition(rng, w, variables);
  return st;
}

function genPolicy(rng: Rng, kind: PolicyKind, t: Target, w: World, opts: { effectBias?: number; statements?: [number, number] } = {}): PolicyDoc {
  for (let attempt = 0; attempt < 8; attempt++) {
    const version =
      kind === 'identity' || kind === 'boundary' || kind === 'session'
        ? '2012-10-17'
        : rng.weighted<string | undefined>([
            ['2012-10-17', 7],
            ['2008-10-17', 2],
            [undefined, 1],
          ]);
    const variables = version === '2012-10-17' || rng.chance(0.6);
    const [lo, hi] = opts.statements ?? [1, 4];
    const n = rng.between(lo, hi);
    const statements: StatementDoc[] = [];
    for (let i = 0; i < n; i++) {
      // Variables in 2008-10-17 documents are literal text: make them frequent there.
      const st = genStatement(rng, kind, t, w, variables, opts.effectBias ?? 0.65, version === '2012-10-17' ? 5 : 14);
      if (rng.chance(0.25)) st.Sid = `S${i}x${rng.int(100)}`;
      statements.push(st);
    }
    const doc: PolicyDoc = { ...(version ? { Version: version } : {}), Statement: n === 1 && rng.chance(0.2) ? (statements[0] as StatementDoc) : statements };
    if (isValid(doc, kind)) return doc;
  }
  return allowAll(kind);
}

/** `Allow *` for identity-type kinds; for resource kinds the same with `Principal: *`. */
export function allowAll(kind: PolicyKind): PolicyDoc {
  if (kind === 'resource') return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };
  if (kind === 'trust') return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:*' }] };
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
}

function genScpLevel(rng: Rng, t: Target, w: World): PolicyDoc[] {
  const level: PolicyDoc[] = [];
  if (rng.chance(0.7)) level.push({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  const extra = level.length ? rng.between(0, 1) : 1;
  for (let i = 0; i < extra; i++) level.push(genPolicy(rng, 'scp', t, w, { effectBias: level.length ? 0.3 : 0.7, statements: [1, 3] }));
  return level;
}

// ---- cases ----------------------------------------------------------------------------------

export interface GenerateOptions {
  /** Leave out the peer-incompatible shapes (none today); reserved for callers. */
  readonly forPeer?: boolean;
}

/** One random case; deterministic in `rng`. */
export function generateCase(rng: Rng): GenCase {
  const kind = rng.weighted<CallerKind>([
    ['user', 25],
    ['assumedRole', 25],
    ['role', 8],
    ['federatedUser', 12],
    ['root', 7],
    ['service', 8],
    ['anonymous', 7],
  ]);
  const callerAccount = rng.chance(0.75) ? ACCOUNT_A : ACCOUNT_B;
  const caller = makeCaller(rng, kind, callerAccount);
  const spec = rng.weighted(TARGETS);
  const owner = rng.chance(0.8) ? ACCOUNT_A : ACCOUNT_B;
  const target: Target = { spec, action: rng.pick(spec.actions), resource: rng.pick(spec.resources(owner)), owner };
  const w0: World = { caller, resource: target.resource, resourceOwner: owner };
  const context = requestContext(rng, w0);
  const w: World = { ...w0, context };
  const aws = AWS_CALLERS.has(kind);

  const c: GenCase = {
    identity: [],
    resourceOwner: owner,
    caller: caller.arn,
    action: rng.chance(0.1) ? flipCase(rng, target.action) : target.action,
    resource: target.resource,
    context,
  };
  if (caller.kind === 'assumedRole' && caller.roleArn) c.roleArn = caller.roleArn;
  if (caller.kind === 'federatedUser' && caller.userArn) c.userArn = caller.userArn;
  if (aws && kind !== 'root') {
    const n = rng.weighted([[0, 2], [1, 6], [2, 3], [3, 1]] as const);
    for (let i = 0; i < n; i++) c.identity.push(genPolicy(rng, 'identity', target, w));
  }
  if ((kind === 'user' || kind === 'role' || kind === 'assumedRole') && rng.chance(0.25)) {
    c.boundary = Array.from({ length: rng.between(1, 2) }, () => genPolicy(rng, 'boundary', target, w, { effectBias: 0.75 }));
  }
  if ((kind === 'assumedRole' && rng.chance(0.3)) || (kind === 'federatedUser' && rng.chance(0.8))) {
    c.session = [genPolicy(rng, 'session', target, w, { effectBias: 0.75 })];
  }
  if (aws && rng.chance(0.4)) {
    c.scp = Array.from({ length: rng.between(1, 3) }, () => genScpLevel(rng, target, w));
  }
  if (spec.trust) {
    c.resourcePolicyKind = 'trust';
    c.resourcePolicy = genPolicy(rng, 'trust', target, w, { effectBias: 0.75, statements: [1, 3] });
  } else if (rng.chance(aws ? 0.55 : 0.95)) {
    c.resourcePolicy = genPolicy(rng, 'resource', target, w, { effectBias: 0.7 });
  }
  return c;
}

/** `count` cases for a run seeded with `seed`; case `i` depends only on (seed, i). */
export function* generateCases(seed: number, count: number): Generator<GenCase> {
  for (let i = 0; i < count; i++) {
    const c = generateCase(new Rng(caseSeed(seed, i)));
    c.name = `case-${seed}-${i}`;
    yield c;
  }
}

// ---- statements for an existing case (property tests) ----------------------------------------

/** The caller a case names, as the generator models it. */
export function callerOf(c: GenCase): Caller {
  if (c.caller === 'anonymous' || c.caller === '*') return { kind: 'anonymous', arn: 'anonymous', account: undefined };
  if (!c.caller.startsWith('arn:')) return { kind: 'service', arn: c.caller, account: undefined };
  const [, , service, , account = '', ...rest] = c.caller.split(':');
  const id = rest.join(':');
  if (service === 'iam' && id === 'root') return { kind: 'root', arn: c.caller, account };
  if (service === 'iam' && id.startsWith('user/')) return { kind: 'user', arn: c.caller, account, userName: id.split('/').pop() ?? '' };
  if (service === 'iam' && id.startsWith('role/')) return { kind: 'role', arn: c.caller, account, roleArn: c.caller };
  if (id.startsWith('assumed-role/')) return { kind: 'assumedRole', arn: c.caller, account, roleArn: c.roleArn ?? `arn:aws:iam::${account}:role/${id.split('/')[1] ?? ''}` };
  const name = id.split('/').pop() ?? '';
  return { kind: 'federatedUser', arn: c.caller, account, userName: name, userArn: c.userArn ?? `arn:aws:iam::${account}:user/${name}` };
}

/** A random statement of `effect` for a policy of `kind` in case `c` (no Sid), valid for that kind. */
export function randomStatement(rng: Rng, c: GenCase, kind: PolicyKind, effect: 'Allow' | 'Deny'): StatementDoc {
  const lower = c.action.toLowerCase();
  const spec = TARGETS.map(([t]) => t).find((t) => t.actions.some((a) => a.toLowerCase() === lower)) ?? (TARGETS[0] as readonly [TargetSpec, number])[0];
  const target: Target = { spec, action: spec.actions.find((a) => a.toLowerCase() === lower) ?? c.action, resource: c.resource, owner: c.resourceOwner };
  const w: World = { caller: callerOf(c), resource: c.resource, resourceOwner: c.resourceOwner };
  for (let attempt = 0; attempt < 8; attempt++) {
    const st = genStatement(rng, kind, target, w, true, effect === 'Allow' ? 1 : 0);
    if (isValid({ Version: '2012-10-17', Statement: [st] }, kind)) return st;
  }
  const fallback = statementsOf(allowAll(kind))[0] as StatementDoc;
  return { ...fallback, Effect: effect };
}

// ---- the peer's input -----------------------------------------------------------------------

/** The peer's anonymous-principal marker (`anonymousPrincipal` in its API). */
export const PEER_ANONYMOUS = { type: 'Anonymous' } as const;

/** The same case as the peer's `Simulation` input (iam-simulate's public `runSimulation`). */
export function toPeerSimulation(c: GenCase): Record<string, unknown> {
  const contextVariables: Record<string, string | string[]> = {};
  for (const e of c.context) contextVariables[e.key] = e.type.endsWith('List') ? [...e.values] : (e.values[0] ?? '');
  const sim: Record<string, unknown> = {
    request: {
      principal: c.caller === 'anonymous' ? PEER_ANONYMOUS : c.caller,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceOwner },
      contextVariables,
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `identity${i}`, policy: clone(policy) })),
    serviceControlPolicies: (c.scp ?? []).map((level, i) => ({ orgIdentifier: i === 0 ? 'r-root' : `ou-level${i}`, policies: level.map((policy, j) => ({ name: `scp${i}-${j}`, policy: clone(policy) })) })),
    resourceControlPolicies: [],
  };
  if (c.resourcePolicy) sim['resourcePolicy'] = clone(c.resourcePolicy);
  if (c.boundary?.length) sim['permissionBoundaryPolicies'] = c.boundary.map((policy, i) => ({ name: `boundary${i}`, policy: clone(policy) }));
  if (c.session?.length) sim['sessionPolicy'] = clone(c.session[0]);
  return sim;
}
