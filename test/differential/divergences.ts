import { parseDate } from '../../src/policy/conditions/date.js';
import { parseNumber } from '../../src/policy/conditions/numeric.js';
import { decodeBase64 } from '../../src/policy/conditions/binary.js';
import { PolicyCache, runCase } from '../../src/simulate/case.js';
import {
  allowAll,
  clone,
  listOf,
  statementsOf,
  type GenCase,
  type PolicyDoc,
  type PrincipalValue,
  type StatementDoc,
} from '../support/generator.js';

/**
 * Known, documented disagreements between irsa-local and @cloud-copilot/iam-simulate, each a named
 * classifier. A classifier explains a disagreement only when (1) its trigger is present in the case
 * and (2) a variant of the case with that trigger taken away ("neutralized": the peer's misreading
 * fed to both engines, or the input shaped so that the documented rule and the peer's rule agree)
 * makes the two engines agree. So a classifier cannot hide an unrelated disagreement in a case that
 * merely contains its trigger. Every id is a section of docs/divergences.md.
 *
 * There is deliberately no classifier for a disagreement where the AWS documentation supports the
 * peer: those stay unexplained and fail the differential test.
 */

export type Outcome = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface Divergence {
  /** Section anchor in docs/divergences.md. */
  readonly id: string;
  readonly title: string;
  /** `peer` when the AWS documentation contradicts the peer; `unclear` when it decides neither way. */
  readonly wrong: 'peer' | 'unclear';
  /** The case contains what this divergence is about. */
  applies(c: GenCase): boolean;
  /** The case with the trigger taken away; both engines should then agree. */
  neutralize(c: GenCase): GenCase;
  /** A minimal case on which the engines disagree for this reason (also in docs/divergences.md). */
  readonly example: GenCase;
}

const A = '111122223333';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const OBJECT = 'arn:aws:s3:::data-bkt/alice/report.csv';

/** A user's s3:GetObject allowed by one identity policy statement with `condition`. */
function conditionExample(condition: Record<string, Record<string, string>>, context: GenCase['context']): GenCase {
  return {
    identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: condition }] }],
    resourceOwner: A,
    caller: ALICE,
    action: 's3:GetObject',
    resource: OBJECT,
    context,
  };
}

// ---- walking a case -------------------------------------------------------------------------

interface PolicyRef {
  readonly doc: PolicyDoc;
  readonly kind: 'identity' | 'boundary' | 'session' | 'scp' | 'resource' | 'trust';
}

function policies(c: GenCase): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const doc of c.identity) out.push({ doc, kind: 'identity' });
  for (const doc of c.boundary ?? []) out.push({ doc, kind: 'boundary' });
  for (const doc of c.session ?? []) out.push({ doc, kind: 'session' });
  for (const level of c.scp ?? []) for (const doc of level) out.push({ doc, kind: 'scp' });
  if (c.resourcePolicy) out.push({ doc: c.resourcePolicy, kind: c.resourcePolicyKind ?? 'resource' });
  return out;
}

interface ConditionRef {
  readonly policy: PolicyRef;
  readonly statement: StatementDoc;
  /** The operator as written, e.g. `ForAnyValue:StringNotEqualsIfExists`. */
  readonly operator: string;
  /** The operator without set prefix and IfExists, e.g. `StringNotEquals`. */
  readonly base: string;
  readonly key: string;
  readonly values: string[];
  /** Replaces this entry's values. */
  set(values: string[]): void;
}

function baseOperator(op: string): string {
  return op.replace(/^For(All|Any)Values?:/, '').replace(/IfExists$/, '');
}

function conditions(c: GenCase): ConditionRef[] {
  const out: ConditionRef[] = [];
  for (const policy of policies(c)) {
    for (const statement of statementsOf(policy.doc)) {
      const block = statement.Condition;
      if (!block) continue;
      for (const [operator, entries] of Object.entries(block)) {
        for (const [key, raw] of Object.entries(entries)) {
          out.push({
            policy,
            statement,
            operator,
            base: baseOperator(operator),
            key,
            values: listOf(raw).map(String),
            set: (values) => {
              entries[key] = values;
            },
          });
        }
      }
    }
  }
  return out;
}

const is2012 = (doc: PolicyDoc): boolean => doc.Version === '2012-10-17';
const FAMILY_OF = (base: string): string => (base.startsWith('Numeric') ? 'Numeric' : base.startsWith('Date') ? 'Date' : base);

/** Context values of keys that some condition compares with an operator of `family`. */
function keysUsedWith(c: GenCase, family: string): Set<string> {
  return new Set(conditions(c).filter((x) => FAMILY_OF(x.base) === family).map((x) => x.key.toLowerCase()));
}

/** Rewrites every value a `family` operator reads, in the policies and in the request context. */
function rewriteFamily(c: GenCase, family: string, map: (v: string) => string): GenCase {
  const out = clone(c);
  const keys = keysUsedWith(out, family);
  for (const x of conditions(out)) if (FAMILY_OF(x.base) === family) x.set(x.values.map(map));
  for (const e of out.context) if (keys.has(e.key.toLowerCase())) e.values = e.values.map(map);
  return out;
}

function familyValues(c: GenCase, family: string): string[] {
  const keys = keysUsedWith(c, family);
  return [
    ...conditions(c).filter((x) => FAMILY_OF(x.base) === family).flatMap((x) => x.values),
    ...c.context.filter((e) => keys.has(e.key.toLowerCase())).flatMap((e) => e.values),
  ];
}

// ---- how the peer reads values (described here to recognise its readings, not copied) ---------

/** The peer reads numbers with parseInt/parseFloat: "10abc" is 10, "1e3" is 1, "0x10" is 0. */
function peerNumber(v: string): number | undefined {
  const n = v.includes('.') ? parseFloat(v) : parseInt(v, 10);
  return Number.isNaN(n) ? undefined : n;
}

/** The peer reads an integer string as a number of epoch *seconds* but compares it with ISO dates in milliseconds. */
function peerDate(v: string): number | undefined {
  const n = parseInt(v, 10);
  if (!Number.isNaN(n) && String(n) === v) return n;
  const d = Date.parse(v);
  return Number.isNaN(d) ? undefined : d;
}

const same = (a: number | undefined, b: number): boolean => (a === undefined ? Number.isNaN(b) : a === b);

function hasVariable(s: string): boolean {
  return /\$\{[^}]*\}/.test(s);
}

/** A `${key}` (not an escape) that has no value in the request: absent, or multivalued, and no default. */
function unresolvable(value: string, c: GenCase): boolean {
  for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
    const inner = (m[1] ?? '').trim();
    if (inner === '*' || inner === '?' || inner === '$') continue;
    if (/,\s*'.*'$/.test(inner)) continue;
    const e = c.context.find((x) => x.key.toLowerCase() === inner.toLowerCase());
    if (!e || e.type.endsWith('List') || e.values.length !== 1) return true;
  }
  return false;
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);

// ---- principals ------------------------------------------------------------------------------

function awsEntries(p: PrincipalValue): string[] {
  return p === '*' ? ['*'] : listOf(p['AWS']);
}

/** Whether the peer treats the caller as named by a NotPrincipal (any listed identity of it). */
function peerExempts(np: PrincipalValue, c: GenCase): boolean {
  if (c.caller === 'anonymous') return awsEntries(np).includes('*');
  if (!c.caller.startsWith('arn:')) return awsEntries(np).includes('*') || (np !== '*' && listOf(np['Service']).includes(c.caller));
  const account = c.caller.split(':')[4];
  const session = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\//.exec(c.caller);
  const federated = /^arn:aws:sts::(\d{12}):federated-user\/(.+)$/.exec(c.caller);
  for (const e of awsEntries(np)) {
    if (e === '*' || e === c.caller) return true;
    if (e === account || e === `arn:aws:iam::${account}:root`) return true;
    if (session && e.startsWith(`arn:aws:iam::${account}:role/`) && e.split('/').pop()?.toLowerCase() === session[1]?.toLowerCase()) return true;
    if (federated && e === `arn:aws:iam::${federated[1] ?? ''}:user/${federated[2] ?? ''}`) return true;
  }
  return false;
}

function resourceStatements(c: GenCase): StatementDoc[] {
  return c.resourcePolicy ? statementsOf(c.resourcePolicy) : [];
}

function sameAccount(c: GenCase): boolean {
  return c.caller.startsWith('arn:') && c.caller.split(':')[4] === c.resourceOwner;
}

const SESSION_CALLER = /^arn:aws:sts::\d{12}:(assumed-role|federated-user)\//;

// ---- the divergences -------------------------------------------------------------------------

export const DIVERGENCES: readonly Divergence[] = [
  {
    id: 'peer-variables-under-2008',
    title: 'The peer substitutes policy variables in documents whose Version is 2008-10-17 or absent',
    wrong: 'peer',
    example: {
      identity: [],
      resourceOwner: A,
      caller: ALICE,
      action: 's3:GetObject',
      resource: OBJECT,
      context: [{ key: 'aws:username', type: 'string', values: ['alice'] }],
      resourcePolicy: { Version: '2008-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-bkt/${aws:username}/*' }] },
    },
    applies: (c) => policies(c).some((p) => !is2012(p.doc) && hasVariable(JSON.stringify(p.doc))),
    neutralize: (c) => {
      const out = clone(c);
      for (const p of policies(out)) if (!is2012(p.doc) && hasVariable(JSON.stringify(p.doc))) p.doc.Version = '2012-10-17';
      return out;
    },
  },
  {
    id: 'peer-date-epoch-seconds',
    title: 'The peer compares epoch dates in seconds with ISO 8601 dates in milliseconds',
    wrong: 'peer',
    example: conditionExample({ DateLessThan: { 'aws:CurrentTime': '1700000000' } }, [{ key: 'aws:CurrentTime', type: 'date', values: ['2020-01-01T00:00:00Z'] }]),
    applies: (c) => familyValues(c, 'Date').some((v) => !same(peerDate(v), parseDate(v))),
    // Feed both engines the instant the peer read (ISO form), so only the reading differs.
    neutralize: (c) =>
      rewriteFamily(c, 'Date', (v) => {
        const t = peerDate(v);
        return t === undefined || !Number.isFinite(t) || Math.abs(t) > 8.64e15 ? v : new Date(t).toISOString();
      }),
  },
  {
    id: 'peer-numeric-lenient-parsing',
    title: 'The peer reads numbers with parseInt/parseFloat ("10abc" is 10, "1e3" is 1, "0x10" is 0)',
    wrong: 'peer',
    example: conditionExample({ NumericLessThan: { 'aws:MultiFactorAuthAge': '10abc' } }, [{ key: 'aws:MultiFactorAuthAge', type: 'numeric', values: ['5'] }]),
    applies: (c) => familyValues(c, 'Numeric').some((v) => !same(peerNumber(v), parseNumber(v))),
    neutralize: (c) =>
      rewriteFamily(c, 'Numeric', (v) => {
        const n = peerNumber(v);
        return n === undefined ? v : String(n);
      }),
  },
  {
    id: 'peer-binary-string-compare',
    title: 'The peer compares BinaryEquals values as strings, not as the bytes they encode',
    wrong: 'peer',
    example: conditionExample({ BinaryEquals: { 'aws:PrincipalTag/blob': 'QUJDRA' } }, [{ key: 'aws:PrincipalTag/blob', type: 'binary', values: ['QUJDRA=='] }]),
    applies: (c) => familyValues(c, 'BinaryEquals').some((v) => canonicalBase64(v) !== v),
    neutralize: (c) => rewriteFamily(c, 'BinaryEquals', canonicalBase64),
  },
  {
    id: 'peer-unresolved-variable-negated',
    title: 'The peer makes a negated String/ARN operator fail when a policy variable has no value',
    wrong: 'peer',
    example: conditionExample({ StringNotEquals: { 'aws:PrincipalTag/team': '${aws:username}' } }, [{ key: 'aws:PrincipalTag/team', type: 'string', values: ['red'] }]),
    applies: (c) => conditions(c).some((x) => NEGATED.has(x.base) && x.values.some((v) => unresolvable(v, c))),
    // A value that matches nothing is what the documentation says an unresolved variable is.
    neutralize: (c) => {
      const out = clone(c);
      for (const x of conditions(out)) {
        if (!NEGATED.has(x.base)) continue;
        const sentinel = x.base.startsWith('Arn') ? 'arn:aws:none:::zz-no-such-value' : 'zz-no-such-value';
        x.set(x.values.map((v) => (unresolvable(v, out) ? sentinel : v)));
      }
      return out;
    },
  },
  {
    id: 'peer-wildcard-newline',
    title: 'The peer\'s `*` and `?` do not match a line break',
    wrong: 'unclear',
    example: conditionExample({ StringLike: { 'aws:username': 'line*' } }, [{ key: 'aws:username', type: 'string', values: ['line\none'] }]),
    applies: (c) => JSON.stringify(c).includes('\\n'),
    neutralize: (c) => JSON.parse(JSON.stringify(c).replaceAll('\\n', ' ')) as GenCase,
  },
  {
    id: 'peer-escape-literal-in-equals',
    title: 'The peer reads ${*}, ${?}, ${$} literally in StringEquals-type and Bool values',
    wrong: 'peer',
    example: conditionExample({ StringEquals: { 'aws:PrincipalTag/team': 'a${*}' } }, [{ key: 'aws:PrincipalTag/team', type: 'string', values: ['a*'] }]),
    applies: (c) => conditions(c).some((x) => is2012(x.policy.doc) && !x.base.includes('Like') && !x.base.startsWith('Arn') && x.values.some((v) => /\$\{[*?$]\}/.test(v))),
    neutralize: (c) => {
      const out = clone(c);
      for (const x of conditions(out)) {
        if (!is2012(x.policy.doc) || x.base.includes('Like') || x.base.startsWith('Arn')) continue;
        x.set(x.values.map((v) => v.replaceAll('${*}', '*').replaceAll('${?}', '?').replaceAll('${$}', '$')));
      }
      return out;
    },
  },
  {
    id: 'peer-arn-prefix-not-compared',
    title: 'The peer\'s ARN operators skip the first ARN component (the literal `arn`)',
    wrong: 'peer',
    example: {
      ...conditionExample({ ArnLike: { 'aws:PrincipalArn': `ARN:aws:iam::${A}:user/alice` } }, [{ key: 'aws:PrincipalArn', type: 'string', values: [ALICE] }]),
    },
    applies: (c) => conditions(c).some((x) => x.base.startsWith('Arn') && x.values.some((v) => v.split(':').length >= 6 && !/^(arn|\*)$/.test(v.split(':')[0] ?? ''))),
    // Feed both engines what the peer compares: the same value with the first component as `arn`.
    neutralize: (c) => {
      const out = clone(c);
      for (const x of conditions(out)) {
        if (x.base.startsWith('Arn')) x.set(x.values.map((v) => (v.split(':').length >= 6 ? `arn${v.slice(v.indexOf(':'))}` : v)));
      }
      return out;
    },
  },
  {
    id: 'peer-ipv4-zero-prefix',
    title: 'The peer reads an IPv4 CIDR with prefix length /0 as a single address',
    wrong: 'peer',
    example: conditionExample({ NotIpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, [{ key: 'aws:SourceIp', type: 'ip', values: ['10.0.0.5'] }]),
    applies: (c) => conditions(c).some((x) => x.base.endsWith('IpAddress') && x.values.some((v) => /^[0-9.]+\/0$/.test(v))),
    // 0.0.0.0/1 and 128.0.0.0/1 together are every IPv4 address, as /0 is.
    neutralize: (c) => {
      const out = clone(c);
      for (const x of conditions(out)) {
        if (x.base.endsWith('IpAddress')) x.set(x.values.flatMap((v) => (/^[0-9.]+\/0$/.test(v) ? ['0.0.0.0/1', '128.0.0.0/1'] : [v])));
      }
      return out;
    },
  },
  {
    id: 'peer-bare-ip-address',
    title: 'The peer compares a bare IP address (no prefix length) as a string, so an address of the other family never satisfies NotIpAddress',
    wrong: 'peer',
    example: conditionExample({ NotIpAddress: { 'aws:SourceIp': '192.168.1.1' } }, [{ key: 'aws:SourceIp', type: 'ip', values: ['2001:db8::1'] }]),
    applies: (c) => conditions(c).some((x) => x.base.endsWith('IpAddress') && x.values.some((v) => !v.includes('/'))),
    // A bare address is its /32 (or /128) range.
    neutralize: (c) => {
      const out = clone(c);
      for (const x of conditions(out)) {
        if (x.base.endsWith('IpAddress')) x.set(x.values.map((v) => (v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`)));
      }
      return out;
    },
  },
  {
    id: 'peer-notprincipal-partial-listing',
    title: 'The peer exempts a caller from a Deny with NotPrincipal when any one of its identities is listed',
    wrong: 'peer',
    example: {
      identity: [],
      resourceOwner: A,
      caller: ALICE,
      action: 's3:GetObject',
      resource: OBJECT,
      context: [],
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-bkt/*' },
          { Effect: 'Deny', NotPrincipal: { AWS: ALICE }, Action: 's3:*', Resource: 'arn:aws:s3:::data-bkt/*' },
        ],
      },
    },
    applies: (c) => resourceStatements(c).some((s) => s.NotPrincipal !== undefined),
    // List every identity AWS checks for the caller wherever the peer exempts it.
    neutralize: (c) => {
      const out = clone(c);
      for (const s of resourceStatements(out)) {
        const np = s.NotPrincipal;
        if (np === undefined || !peerExempts(np, out)) continue;
        if (!out.caller.startsWith('arn:')) continue;
        const account = out.caller.split(':')[4] ?? '';
        const ids = [out.caller, `arn:aws:iam::${account}:root`, ...(out.roleArn ? [out.roleArn] : [])];
        const federated = /^arn:aws:sts::(\d{12}):federated-user\/(.+)$/.exec(out.caller);
        if (federated) ids.push(`arn:aws:iam::${federated[1] ?? ''}:user/${federated[2] ?? ''}`);
        const aws = np === '*' ? ['*'] : listOf(np['AWS']);
        s.NotPrincipal = np === '*' ? '*' : { ...np, AWS: [...new Set([...aws, ...ids])] };
      }
      return out;
    },
  },
  {
    id: 'peer-session-policy-limits-session-grant',
    title: 'The peer lets an implicit deny in a session policy limit a resource policy that names the session',
    wrong: 'peer',
    example: {
      identity: [],
      session: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] }],
      resourceOwner: A,
      caller: `arn:aws:sts::${A}:assumed-role/App/sess1`,
      action: 's3:GetObject',
      resource: OBJECT,
      context: [],
      resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:sts::${A}:assumed-role/App/sess1` }, Action: 's3:GetObject', Resource: OBJECT }] },
    },
    applies: (c) => SESSION_CALLER.test(c.caller) && (c.session?.length ?? 0) > 0 && sameAccount(c) && c.resourcePolicy !== undefined,
    neutralize: (c) => {
      const out = clone(c);
      const doc = out.session?.[0];
      if (doc) doc.Statement = [...statementsOf(doc), { Effect: 'Allow', Action: '*', Resource: '*' }];
      return out;
    },
  },
  {
    id: 'peer-federated-user-without-session-policy',
    title: 'The peer gives a federated user session without session policies the permissions of its identity policies',
    wrong: 'peer',
    example: {
      identity: [allowAll('identity')],
      resourceOwner: A,
      caller: `arn:aws:sts::${A}:federated-user/alice`,
      action: 's3:GetObject',
      resource: OBJECT,
      context: [],
    },
    applies: (c) => /^arn:aws:sts::\d{12}:federated-user\//.test(c.caller) && !(c.session?.length ?? 0),
    neutralize: (c) => ({ ...clone(c), session: [allowAll('session')] }),
  },
  {
    id: 'peer-root-user-needs-identity-policy',
    title: 'The peer requires an identity-based policy for the account root user',
    wrong: 'peer',
    example: { identity: [], resourceOwner: A, caller: `arn:aws:iam::${A}:root`, action: 's3:GetObject', resource: OBJECT, context: [] },
    applies: (c) => /^arn:aws:iam::\d{12}:root$/.test(c.caller),
    neutralize: (c) => ({ ...clone(c), identity: [allowAll('identity')] }),
  },
];

export const DIVERGENCE_IDS: readonly string[] = DIVERGENCES.map((d) => d.id);

function canonicalBase64(v: string): string {
  const bytes = decodeBase64(v);
  return bytes === undefined ? v : Buffer.from(bytes, 'latin1').toString('base64');
}

// ---- running and explaining -------------------------------------------------------------------

export function runOurs(c: GenCase): Outcome {
  return runCase(clone(c), new PolicyCache(), { defaults: false }).decision;
}

export type PeerRunner = (c: GenCase) => Promise<Outcome | { error: string }>;

/**
 * The classifier ids that explain why the engines disagree on `c`: one alone if one suffices,
 * else every applicable one applied together. Undefined when no combination makes them agree.
 */
export async function explainDisagreement(c: GenCase, peer: PeerRunner): Promise<string[] | undefined> {
  const applicable = DIVERGENCES.filter((d) => d.applies(c));
  const agree = async (v: GenCase): Promise<boolean> => {
    const theirs = await peer(v);
    return typeof theirs === 'string' && theirs === runOurs(v);
  };
  for (const d of applicable) if (await agree(d.neutralize(c))) return [d.id];
  if (applicable.length > 1) {
    let v = c;
    for (const d of applicable) v = d.neutralize(v);
    if (await agree(v)) return applicable.map((d) => d.id);
  }
  return undefined;
}

/**
 * Shrinks a disagreeing case greedily (whole policies, SCP levels, statements, conditions,
 * context entries, list members) while the engines still disagree and no classifier explains it.
 */
export async function shrink(c: GenCase, peer: PeerRunner, budget = 400): Promise<GenCase> {
  const stillBad = async (v: GenCase): Promise<boolean> => {
    if (budget-- <= 0) return false;
    let ours: Outcome;
    try {
      ours = runOurs(v);
    } catch {
      return false;
    }
    const theirs = await peer(v);
    if (typeof theirs !== 'string' || theirs === ours) return false;
    return (await explainDisagreement(v, peer)) === undefined;
  };
  let cur = clone(c);
  let progress = true;
  while (progress && budget > 0) {
    progress = false;
    for (const candidate of reductions(cur)) {
      if (await stillBad(candidate)) {
        cur = candidate;
        progress = true;
        break;
      }
    }
  }
  return cur;
}

function* reductions(c: GenCase): Generator<GenCase> {
  const edit = (f: (x: GenCase) => void): GenCase => {
    const x = clone(c);
    f(x);
    return x;
  };
  if (c.scp) yield edit((x) => delete x.scp);
  if (c.boundary) yield edit((x) => delete x.boundary);
  if (c.session) yield edit((x) => delete x.session);
  // A role's trust policy always exists; other resource policies may go.
  if (c.resourcePolicy && c.resourcePolicyKind !== 'trust') yield edit((x) => delete x.resourcePolicy);
  for (let i = 0; i < c.identity.length; i++) yield edit((x) => x.identity.splice(i, 1));
  for (let i = 0; i < (c.scp?.length ?? 0); i++) yield edit((x) => x.scp?.splice(i, 1));
  for (let i = 0; i < c.context.length; i++) yield edit((x) => x.context.splice(i, 1));
  // Statements, then conditions, then list members, policy by policy.
  const docs = (x: GenCase): PolicyDoc[] => policies(x).map((p) => p.doc);
  const count = docs(c).length;
  for (let p = 0; p < count; p++) {
    const sts = statementsOf(docs(c)[p] as PolicyDoc);
    for (let s = 0; s < sts.length && sts.length > 1; s++) {
      yield edit((x) => {
        const d = docs(x)[p] as PolicyDoc;
        d.Statement = statementsOf(d).filter((_, i) => i !== s);
      });
    }
    for (let s = 0; s < sts.length; s++) {
      const st = sts[s] as StatementDoc;
      if (st.Condition) {
        yield edit((x) => delete (statementsOf(docs(x)[p] as PolicyDoc)[s] as StatementDoc).Condition);
        for (const [op, entries] of Object.entries(st.Condition)) {
          for (const key of Object.keys(entries)) {
            yield edit((x) => {
              const block = (statementsOf(docs(x)[p] as PolicyDoc)[s] as StatementDoc).Condition as Record<string, Record<string, unknown>>;
              delete (block[op] as Record<string, unknown>)[key];
              if (Object.keys(block[op] as object).length === 0) delete block[op];
            });
          }
        }
      }
      for (const field of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
        const v = st[field];
        if (!Array.isArray(v) || v.length < 2) continue;
        for (let i = 0; i < v.length; i++) {
          yield edit((x) => {
            const t = statementsOf(docs(x)[p] as PolicyDoc)[s] as StatementDoc;
            (t[field] as string[]).splice(i, 1);
          });
        }
      }
    }
  }
  for (let i = 0; i < c.context.length; i++) {
    const e = c.context[i];
    if (e && e.values.length > 1) for (let j = 0; j < e.values.length; j++) yield edit((x) => x.context[i]?.values.splice(j, 1));
  }
}
