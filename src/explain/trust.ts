/**
 * Why a web identity token may or may not assume a role: the trust-policy link of the IRSA chain.
 *
 * The request is the one STS builds for AssumeRoleWithWebIdentity (`webIdentityRequest`, shared
 * with src/sts/operations.ts) and the decision is the engine's (`authorizeWebIdentity`: the trust
 * policy as a resource policy that must allow explicitly). The explanation comes from `traceSet`,
 * which evaluates every element of every statement without short-circuit, and names the broken
 * element: the Federated principal, the Action, or a condition with its expected and actual
 * values — with the classic IRSA mistakes (wrong namespace or ServiceAccount in `:sub`, a
 * condition key copied from another cluster, the audience) called out by name.
 *
 * Finding codes (stable; documented in docs/explain.md, section "Trust"). When the role can be
 * assumed every finding is a warning; otherwise every finding is a reason it cannot.
 */
import { parseArn } from '../arn/arn.js';
import { parseOperator, type DecisionKind, type Effect, type PolicySet, type PrincipalElement } from '../policy/index.js';
import type { CompiledStatement } from '../policy/compile.js';
import { traceSet, type ConditionTrace, type StatementTrace } from '../policy/explain.js';
import { compileGlob } from '../policy/wildcard.js';
import { authorizeWebIdentity, WEB_IDENTITY_ACTION, webIdentityRequest } from '../sts/web-identity-context.js';
import type { Finding } from './report.js';

/** The audience the EKS pod identity webhook requests for projected tokens by default. */
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

export const TRUST_CODES = {
  /** A Deny statement of the trust policy matched the token. */
  explicitDeny: 'trust.explicitDeny',
  /** No Allow statement is about sts:AssumeRoleWithWebIdentity or a Federated principal at all. */
  noStatement: 'trust.noStatement',
  /** Principal.Federated names another provider (another issuer, another account, a typo) or none. */
  principalMismatch: 'trust.principalMismatch',
  /** The statement's Action does not include the action STS checks (e.g. sts:AssumeRole only, or sts:TagSession missing). */
  actionMismatch: 'trust.actionMismatch',
  /** The `:sub` condition does not admit the token's subject: details.kind is namespace, serviceAccount, both, format (not system:serviceaccount:NS:SA), literalWildcard (a `*` under StringEquals) or other. */
  subjectMismatch: 'trust.subjectMismatch',
  /** The `:aud` condition does not admit the token's audience. */
  audienceMismatch: 'trust.audienceMismatch',
  /** A condition key names another provider URL than the token's issuer: the key is absent from the request. */
  conditionKeyOtherProvider: 'trust.conditionKeyOtherProvider',
  /** Any other condition that does not hold (amr, azp, session name, tags, …). */
  conditionFailed: 'trust.conditionFailed',
  /** Warning: the allowing statement has no `:aud` condition (AWS recommends both `:sub` and `:aud`). */
  noAudienceCondition: 'trust.noAudienceCondition',
  /** Warning: the allowing statement has no `:sub` condition: every identity of the issuer may assume the role. */
  noSubjectCondition: 'trust.noSubjectCondition',
  /** Warning: a StringLike `:sub` pattern admits every ServiceAccount of a namespace, or several/all namespaces. */
  broadSubject: 'trust.broadSubject',
} as const;

export interface TrustClaims {
  readonly sub: string;
  /** The audience STS would pick: the first of the token's `aud` that is a client id of the provider. */
  readonly aud: string;
  readonly amr?: string | readonly string[];
  readonly azp?: string;
  readonly [claim: string]: unknown;
}

export interface TrustInput {
  readonly roleArn: string;
  /** The role's trust policy, compiled as kind `trust`. */
  readonly trustPolicy: PolicySet;
  /** The IAM OIDC provider the token's issuer maps to. */
  readonly providerArn: string;
  /** Its URL as IAM keys it: the issuer without `https://`. */
  readonly providerUrl: string;
  readonly claims: TrustClaims;
  /** The session name the SDK will send; when unknown `sts:RoleSessionName` is left out of the request. */
  readonly roleSessionName?: string;
  /** Session tags from the token's `https://aws.amazon.com/tags` claim. */
  readonly tags?: readonly (readonly [string, string])[];
  readonly sourceIdentity?: string;
  /** The account that owns the role (and in which STS looks up the provider). */
  readonly account: string;
}

export interface TrustStatementRef {
  readonly policyId: string;
  /** Zero-based position in the trust policy's Statement list. */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
}

export interface TrustCondition {
  readonly key: string;
  readonly operator: string;
  readonly expected: readonly string[];
  /** The request's values, or undefined when the key is absent from the request. */
  readonly actual: readonly string[] | undefined;
  readonly holds: boolean;
}

export interface TrustExplanation {
  readonly allowed: boolean;
  readonly decision: DecisionKind;
  /** The action that was not allowed: sts:AssumeRoleWithWebIdentity, or sts:TagSession / sts:SetSourceIdentity after it. */
  readonly deniedAction?: string;
  /**
   * The deciding statement: the first Allow that allowed; the first matching Deny for an explicit
   * deny; for an implicit deny the closest Allow statement (fewest broken elements), if any.
   */
  readonly statement?: TrustStatementRef;
  /** The conditions of `statement`, each with its expected and actual values. */
  readonly conditions: readonly TrustCondition[];
  /** Warnings when allowed; the reasons for the denial otherwise (closest statement first). */
  readonly findings: readonly Finding[];
  /** The one-line fix for the first problem, when one is clear. */
  readonly fix?: string;
  /** The request as STS builds it, for display: the token's provider, subject, audience and every condition key. */
  readonly request: {
    readonly providerArn: string;
    readonly subject: string;
    readonly audience: string;
    readonly context: readonly (readonly [string, readonly string[]])[];
  };
}

const SA_PREFIX = 'system:serviceaccount:';
/** Suffixes IAM defines for OIDC provider condition keys (`<url>:aud`, …). */
const PROVIDER_KEY_SUFFIXES = new Set(['aud', 'sub', 'amr', 'azp', 'oaud', 'email', 'id']);
/** Values shown in a message before "and N more". */
const SHOWN_VALUES = 5;

export function explainTrust(input: TrustInput): TrustExplanation {
  const url = input.providerUrl;
  const claims = input.claims;
  const subject = String(claims.sub);
  const audience = String(claims.aud);
  const request = webIdentityRequest({
    providerArn: input.providerArn,
    providerUrl: url,
    audience,
    subject,
    claims,
    roleSessionName: input.roleSessionName,
    ...(input.tags ? { tags: input.tags } : {}),
    ...(input.sourceIdentity !== undefined ? { sourceIdentity: input.sourceIdentity } : {}),
  });
  const outcome = authorizeWebIdentity(request, input.roleArn, input.account, input.trustPolicy);
  const shown = {
    providerArn: input.providerArn,
    subject,
    audience,
    context: [...request.context.entries()].map((e) => [e.key, e.values] as const),
  };
  const last = outcome.decisions[outcome.decisions.length - 1];
  if (!last) throw new Error('no action was authorized');
  const ctx: Ctx = { url, urlLower: url.toLowerCase(), providerArn: input.providerArn, subject, audience, sessionNameKnown: input.roleSessionName !== undefined };
  const traces = traceSet('resource', input.trustPolicy, last.request);
  const compiled = statementsOf(input.trustPolicy);

  if (outcome.allowed) {
    const first = outcome.decisions[0] as (typeof outcome.decisions)[number];
    const allowTraces = traceSet('resource', input.trustPolicy, first.request);
    const used = first.decision.matchedStatements.filter((s) => s.policyType === 'resource' && s.effect === 'Allow');
    const findings: Finding[] = [];
    let deciding: StatementTrace | undefined;
    for (const ref of used) {
      const t = allowTraces.find((x) => x.policyId === ref.policyId && x.statementIndex === ref.statementIndex);
      if (!t) continue;
      deciding ??= t;
      findings.push(...warningsFor(t, ctx));
    }
    const fix = findings.find((f) => f.fix)?.fix;
    return {
      allowed: true,
      decision: 'allowed',
      ...(deciding ? { statement: refOf(deciding) } : {}),
      conditions: deciding ? deciding.conditions.map(conditionOf) : [],
      findings,
      ...(fix ? { fix } : {}),
      request: shown,
    };
  }

  const action = last.action;
  if (last.decision.decision === 'explicitDeny') {
    const denies = traces.filter((t) => t.effect === 'Deny' && t.applies);
    const findings = denies.map((t) => denyFinding(t, action));
    const deciding = denies[0];
    return {
      allowed: false,
      decision: 'explicitDeny',
      deniedAction: action,
      ...(deciding ? { statement: refOf(deciding) } : {}),
      conditions: deciding ? deciding.conditions.map(conditionOf) : [],
      findings,
      ...(findings[0]?.fix ? { fix: findings[0].fix } : {}),
      request: shown,
    };
  }

  // Implicit deny: every Allow statement meant for this request, and what broke in each.
  const allowedFirst = new Set<string>();
  if (action !== WEB_IDENTITY_ACTION) {
    const first = outcome.decisions[0];
    for (const s of first?.decision.matchedStatements ?? []) allowedFirst.add(`${s.policyId}\n${s.statementIndex}`);
  }
  const relevant = traces.filter((t) => {
    if (t.effect !== 'Allow') return false;
    if (t.action.matched || allowedFirst.has(`${t.policyId}\n${t.statementIndex}`)) return true;
    const el = compiled.get(`${t.policyId}\n${t.statementIndex}`)?.principal;
    return el !== undefined && el !== '*' && (el.Federated?.length ?? 0) > 0;
  });
  const analyses = relevant.map((t) => ({ trace: t, ...analyse(t, compiled.get(`${t.policyId}\n${t.statementIndex}`), action, ctx) }));
  if (analyses.length === 0) {
    const finding: Finding = {
      code: TRUST_CODES.noStatement,
      message: `no Allow statement of the trust policy is for ${action} from a federated principal`,
      fix: `add a statement allowing ${action} for Principal.Federated \`${ctx.providerArn}\` with StringEquals on \`${url}:sub\` and \`${url}:aud\``,
      details: { action, actual: ctx.providerArn },
    };
    return { allowed: false, decision: 'implicitDeny', deniedAction: action, conditions: [], findings: [finding], ...(finding.fix ? { fix: finding.fix } : {}), request: shown };
  }
  // The closest statement: the fewest broken elements (a wrong principal or action weighs more).
  let best = analyses[0] as (typeof analyses)[number];
  for (const a of analyses) if (a.score < best.score) best = a;
  const findings = [...best.findings, ...analyses.filter((a) => a !== best).flatMap((a) => a.findings)];
  const fix = best.findings.find((f) => f.fix)?.fix;
  return {
    allowed: false,
    decision: 'implicitDeny',
    deniedAction: action,
    statement: refOf(best.trace),
    conditions: best.trace.conditions.map(conditionOf),
    findings,
    ...(fix ? { fix } : {}),
    request: shown,
  };
}

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * The ServiceAccounts whose tokens the trust policy admits (for `irsa doctor`: "which of these
 * ServiceAccounts can assume this role?"), decided exactly as STS decides, with the token's
 * audience `audience`. The token carries no `amr`, `azp`, tags or source identity, and the session
 * name is unknown (the SDK picks it), so a policy that conditions on those admits no one here.
 */
export function admittedServiceAccounts<T extends ServiceAccountRef>(
  trust: PolicySet,
  provider: { readonly arn: string; readonly url: string },
  serviceAccounts: readonly T[],
  audience: string = DEFAULT_AUDIENCE,
  roleArn = '*',
): T[] {
  const account = parseArn(provider.arn)?.account ?? '';
  return serviceAccounts.filter((sa) => {
    const request = webIdentityRequest({
      providerArn: provider.arn,
      providerUrl: provider.url,
      audience,
      subject: `${SA_PREFIX}${sa.namespace}:${sa.name}`,
      claims: {},
      roleSessionName: undefined,
    });
    return authorizeWebIdentity(request, roleArn, account, trust).allowed;
  });
}

/**
 * How much a `:sub` pattern (StringLike) admits: every ServiceAccount of one namespace, of several
 * namespaces (a wildcard in the namespace), or of every namespace; undefined when narrower.
 */
export function broadSubjectScope(pattern: string): { readonly scope: 'namespace' | 'namespaces' | 'allNamespaces'; readonly namespace?: string } | undefined {
  if (!/[*?]/.test(pattern)) return undefined;
  if (!pattern.startsWith(SA_PREFIX)) {
    // A wildcard before the namespace (`*`, `system:*`, `system:serviceaccount*`) spans everything after it.
    return compileGlob(pattern)(`${SA_PREFIX}any-namespace:any-name`) ? { scope: 'allNamespaces' } : undefined;
  }
  const rest = pattern.slice(SA_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return /\*/.test(rest) ? { scope: rest === '*' ? 'allNamespaces' : 'namespaces' } : undefined;
  const ns = rest.slice(0, colon);
  const name = rest.slice(colon + 1);
  if (ns === '*') return { scope: 'allNamespaces' };
  if (/[*?]/.test(ns)) return { scope: 'namespaces' };
  if (name === '*') return { scope: 'namespace', namespace: ns };
  return undefined;
}

/** Readable text lines (no color codes) for the trust link. */
export function formatTrustExplanation(e: TrustExplanation): string[] {
  const lines: string[] = [];
  const st = e.statement ? ` by ${label(e.statement.index, e.statement.sid)}` : '';
  if (e.allowed) lines.push(`trust policy allows ${WEB_IDENTITY_ACTION}${st}`);
  else if (e.decision === 'explicitDeny') lines.push(`trust policy denies ${e.deniedAction ?? WEB_IDENTITY_ACTION} explicitly${st}`);
  else lines.push(`trust policy does not allow ${e.deniedAction ?? WEB_IDENTITY_ACTION}${e.statement ? ` (closest: ${label(e.statement.index, e.statement.sid)})` : ''}`);
  lines.push(`  provider: ${e.request.providerArn}`);
  lines.push(`  subject:  ${e.request.subject}`);
  lines.push(`  audience: ${e.request.audience}`);
  for (const c of e.conditions) {
    const actual = c.actual === undefined ? 'absent from the request' : c.actual.join(', ');
    lines.push(`  ${c.holds ? 'holds' : 'fails'}: ${c.operator} ${c.key} ${showValues(c.expected)}; actual: ${actual}`);
  }
  for (const f of e.findings) {
    lines.push(`  ${e.allowed ? 'warning' : 'problem'} [${f.code}] ${f.message}`);
    if (f.fix) lines.push(`    fix: ${f.fix}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  readonly url: string;
  readonly urlLower: string;
  readonly providerArn: string;
  readonly subject: string;
  readonly audience: string;
  readonly sessionNameKnown: boolean;
}

function statementsOf(set: PolicySet): Map<string, CompiledStatement> {
  const m = new Map<string, CompiledStatement>();
  for (const p of set.policies) for (const s of p.statements) m.set(`${p.id}\n${s.statement.index}`, s);
  return m;
}

function refOf(t: StatementTrace): TrustStatementRef {
  return { policyId: t.policyId, index: t.statementIndex, sid: t.sid, effect: t.effect };
}

function conditionOf(c: ConditionTrace): TrustCondition {
  return { key: c.key, operator: c.operator, expected: c.policyValues, actual: c.requestValues, holds: c.holds };
}

function label(index: number, sid: string | undefined): string {
  return sid ? `Statement[${index}] (Sid "${sid}")` : `Statement[${index}]`;
}

function showValues(values: readonly string[]): string {
  const head = values.slice(0, SHOWN_VALUES).map((v) => `\`${v}\``);
  const more = values.length > SHOWN_VALUES ? ` and ${values.length - SHOWN_VALUES} more` : '';
  return head.length === 1 ? (head[0] as string) : `${head.join(' or ')}${more}`;
}

/** For `<url>:sub`-style keys: the provider URL part and the suffix; undefined for global keys. */
function providerKey(key: string): { readonly prefix: string; readonly suffix: string } | undefined {
  const at = key.lastIndexOf(':');
  if (at <= 0) return undefined;
  const prefix = key.slice(0, at);
  const suffix = key.slice(at + 1).toLowerCase();
  if (!PROVIDER_KEY_SUFFIXES.has(suffix)) return undefined;
  // Global keys (`aws:…`, `sts:…`) have a bare service prefix; provider URLs have a dot or a slash.
  if (!/[./]/.test(prefix)) return undefined;
  return { prefix, suffix };
}

function isKey(key: string, ctx: Ctx, suffix: string): boolean {
  return key.toLowerCase() === `${ctx.urlLower}:${suffix}`;
}

function warningsFor(t: StatementTrace, ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  const where = label(t.statementIndex, t.sid);
  const statement = `Statement[${t.statementIndex}]`;
  if (!t.conditions.some((c) => isKey(c.key, ctx, 'sub'))) {
    out.push({
      code: TRUST_CODES.noSubjectCondition,
      message: `${where} has no \`${ctx.url}:sub\` condition: every identity the issuer signs a token for (any ServiceAccount of the cluster) can assume the role`,
      fix: `add StringEquals \`${ctx.url}:sub\`: \`${ctx.subject}\` to ${where}`,
      details: { statement, key: `${ctx.url}:sub`, actual: ctx.subject },
    });
  }
  if (!t.conditions.some((c) => isKey(c.key, ctx, 'aud'))) {
    out.push({
      code: TRUST_CODES.noAudienceCondition,
      message: `${where} has no \`${ctx.url}:aud\` condition; AWS recommends conditions on both \`:sub\` and \`:aud\``,
      fix: `add StringEquals \`${ctx.url}:aud\`: \`${ctx.audience}\` to ${where}`,
      details: { statement, key: `${ctx.url}:aud`, actual: ctx.audience },
    });
  }
  for (const c of t.conditions) {
    if (!isKey(c.key, ctx, 'sub')) continue;
    const op = parseOperator(c.operator);
    if (!op || op.family !== 'String' || op.comparison !== 'like' || op.negated) continue;
    for (const pattern of c.policyValues) {
      const broad = broadSubjectScope(pattern);
      if (!broad) continue;
      const what =
        broad.scope === 'namespace'
          ? `every ServiceAccount in namespace \`${broad.namespace ?? ''}\``
          : broad.scope === 'namespaces'
            ? 'ServiceAccounts in every namespace the pattern matches'
            : 'every ServiceAccount in every namespace';
      out.push({
        code: TRUST_CODES.broadSubject,
        message: `${where}: ${c.operator} \`${pattern}\` on \`${c.key}\` admits ${what}`,
        fix: `use StringEquals \`${c.key}\`: \`${ctx.subject}\` (or list the ServiceAccounts that need the role)`,
        details: { statement, key: c.key, operator: c.operator, expected: [pattern], actual: ctx.subject, scope: broad.scope },
      });
    }
  }
  return out;
}

function denyFinding(t: StatementTrace, action: string): Finding {
  const where = label(t.statementIndex, t.sid);
  const held = t.conditions.map((c) => `${c.operator} ${c.key} ${showValues(c.policyValues)}`);
  return {
    code: TRUST_CODES.explicitDeny,
    message: `${where} of the trust policy denies ${action} for this token${held.length ? ` (its conditions hold: ${held.join('; ')})` : ''}`,
    fix: `narrow or remove the Deny ${where} of the trust policy`,
    details: { statement: `Statement[${t.statementIndex}]`, ...(t.sid ? { sid: t.sid } : {}), action },
  };
}

function analyse(t: StatementTrace, st: CompiledStatement | undefined, action: string, ctx: Ctx): { score: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let score = 0;
  const where = label(t.statementIndex, t.sid);
  const statement = `Statement[${t.statementIndex}]`;
  if (t.principal && !t.principal.matched) {
    score += 2;
    findings.push(principalFinding(st?.principal, where, statement, ctx));
  }
  if (!t.action.matched) {
    score += 2;
    findings.push({
      code: TRUST_CODES.actionMismatch,
      message:
        action === WEB_IDENTITY_ACTION
          ? `${where} allows ${t.action.patterns.join(', ')}, not ${action}`
          : `the token asks for ${action === 'sts:TagSession' ? 'session tags' : 'a source identity'}, so STS also checks ${action}, which ${where} does not allow`,
      fix: `add \`${action}\` to the Action of ${where}`,
      details: { statement, action, expected: t.action.patterns },
    });
  }
  if (!t.resource.matched) {
    score += 1;
    findings.push({ code: TRUST_CODES.conditionFailed, message: `${where}: ${t.resource.element} does not match the role`, details: { statement, expected: t.resource.patterns } });
  }
  for (const c of t.conditions) {
    if (c.holds) continue;
    score += 1;
    findings.push(conditionFinding(c, where, statement, ctx));
  }
  return { score, findings };
}

function principalFinding(el: PrincipalElement | undefined, where: string, statement: string, ctx: Ctx): Finding {
  const federated = el && el !== '*' ? (el.Federated ?? []) : [];
  if (federated.length === 0) {
    const named = el && el !== '*' ? Object.entries(el).flatMap(([k, v]) => (v ?? []).map((x) => `${k} ${x}`)) : [];
    return {
      code: TRUST_CODES.principalMismatch,
      message: `${where} names no federated provider${named.length ? ` (it names ${named.slice(0, SHOWN_VALUES).join(', ')})` : ''}; a web identity token is the provider \`${ctx.providerArn}\``,
      fix: `set Principal.Federated of ${where} to \`${ctx.providerArn}\``,
      details: { statement, actual: ctx.providerArn, kind: 'notFederated' },
    };
  }
  const actual = parseArn(ctx.providerArn);
  const ranked = federated.map((v) => ({ value: v, kind: providerDifference(v, actual) }));
  const order = ['typo', 'account', 'issuer', 'other'];
  ranked.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const best = ranked[0] as (typeof ranked)[number];
  const why: Record<string, string> = {
    account: `names the same issuer in another account (${parseArn(best.value)?.account ?? '?'}, the token's provider is in ${actual?.account ?? '?'})`,
    issuer: 'names the provider of another issuer (another cluster)',
    typo: 'names a provider that differs from the token\u2019s by a few characters (a typo?)',
    other: 'names another provider',
  };
  return {
    code: TRUST_CODES.principalMismatch,
    message: `${where} ${why[best.kind] as string}: it trusts \`${best.value}\`, the token's issuer maps to \`${ctx.providerArn}\``,
    fix: `trust policy trusts \`${best.value}\`, the token's issuer maps to \`${ctx.providerArn}\`: set Principal.Federated to the latter`,
    details: { statement, expected: federated, actual: ctx.providerArn, kind: best.kind },
  };
}

function providerDifference(value: string, actual: ReturnType<typeof parseArn>): 'typo' | 'account' | 'issuer' | 'other' {
  const v = parseArn(value);
  if (!v || !actual || v.service !== 'iam' || !v.resource.startsWith('oidc-provider/') || !actual.resource.startsWith('oidc-provider/')) return 'other';
  const sameUrl = v.resource === actual.resource;
  if (sameUrl && v.account !== actual.account) return 'account';
  if (v.account !== actual.account) return 'other';
  return editDistanceAtMost(v.resource, actual.resource, 2) ? 'typo' : 'issuer';
}

/** True when `a` and `b` differ by at most `max` single-character edits (bounded work). */
function editDistanceAtMost(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max || a.length > 2048 || b.length > 2048) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return false;
    prev = cur;
  }
  return (prev[b.length] as number) <= max;
}

function conditionFinding(c: ConditionTrace, where: string, statement: string, ctx: Ctx): Finding {
  const base = { statement, key: c.key, operator: c.operator, expected: c.policyValues, ...(c.requestValues ? { actual: c.requestValues } : {}) };
  const pk = providerKey(c.key);
  if (pk && pk.prefix.toLowerCase() !== ctx.urlLower && c.requestValues === undefined) {
    return {
      code: TRUST_CODES.conditionKeyOtherProvider,
      message: `${where}: condition key \`${c.key}\` names the provider \`${pk.prefix}\`, but the token's issuer is \`${ctx.url}\`, so the key is absent from the request (a policy copied from another cluster?)`,
      fix: `change the condition key \`${c.key}\` to \`${ctx.url}:${pk.suffix}\``,
      details: { ...base, provider: pk.prefix },
    };
  }
  const op = parseOperator(c.operator);
  const positiveString = op !== undefined && op.family === 'String' && !op.negated;
  if (isKey(c.key, ctx, 'sub') && positiveString && c.requestValues !== undefined) {
    // StringEquals compares `*` literally: a wildcard there is a classic slip for StringLike.
    const literal = op.comparison !== 'like' && c.policyValues.some((v) => /[*?]/.test(v) && compileGlob(v)(ctx.subject));
    if (literal) {
      return {
        code: TRUST_CODES.subjectMismatch,
        message: `${where}: ${c.operator} compares ${showValues(c.policyValues)} literally (no wildcards), so it does not match the token's subject \`${ctx.subject}\``,
        fix: `use StringLike instead of ${c.operator} for \`${c.key}\` in ${where}`,
        details: { ...base, kind: 'literalWildcard' },
      };
    }
    const kind = subjectMismatchKind(c.policyValues, ctx.subject, op.comparison);
    const what: Record<typeof kind, string> = {
      namespace: 'wrong namespace',
      serviceAccount: 'wrong ServiceAccount name',
      both: 'wrong namespace and ServiceAccount name',
      format: `the expected subject is not of the form \`${SA_PREFIX}NAMESPACE:NAME\``,
      other: 'the subject does not match',
    };
    return {
      code: TRUST_CODES.subjectMismatch,
      message: `${where}: ${what[kind]}: ${c.operator} \`${c.key}\` expects ${showValues(c.policyValues)}, the token's subject is \`${ctx.subject}\``,
      fix: `trust policy expects ${showValues(c.policyValues)}, the pod runs as \`${ctx.subject}\``,
      details: { ...base, kind },
    };
  }
  if (isKey(c.key, ctx, 'aud') && positiveString && c.requestValues !== undefined) {
    return {
      code: TRUST_CODES.audienceMismatch,
      message: `${where}: ${c.operator} \`${c.key}\` expects ${showValues(c.policyValues)}, the token's audience is \`${ctx.audience}\``,
      fix: `trust policy expects audience ${showValues(c.policyValues)}, the token's audience is \`${ctx.audience}\`${c.policyValues.includes(DEFAULT_AUDIENCE) ? ` (the pod identity webhook requests \`${DEFAULT_AUDIENCE}\` unless the ServiceAccount's eks.amazonaws.com/audience annotation says otherwise)` : ''}`,
      details: base,
    };
  }
  const actual = c.requestValues === undefined ? 'absent from the request' : `\`${c.requestValues.join('`, `')}\``;
  const sessionNote = c.key.toLowerCase() === 'sts:rolesessionname' && !ctx.sessionNameKnown ? ' (the session name is chosen by the SDK and was not given)' : '';
  return {
    code: TRUST_CODES.conditionFailed,
    message: `${where}: ${c.operator} \`${c.key}\` expects ${showValues(c.policyValues)}; actual: ${actual}${sessionNote}`,
    ...(c.requestValues === undefined && !op?.negated && op?.family !== 'Null'
      ? { fix: `the request has no \`${c.key}\`: remove the condition or make the token carry it` }
      : {}),
    details: base,
  };
}

/** Which part of `system:serviceaccount:NS:SA` differs, against the closest expected value. */
function subjectMismatchKind(expected: readonly string[], actual: string, comparison: string): 'namespace' | 'serviceAccount' | 'both' | 'format' | 'other' {
  const a = splitSubject(actual);
  if (!a) return 'other';
  let best: 'namespace' | 'serviceAccount' | 'both' | 'format' | 'other' = 'format';
  const rank = { namespace: 0, serviceAccount: 0, both: 1, format: 2, other: 3 };
  for (const v of expected) {
    const e = splitSubject(v);
    if (!e) continue;
    const eq = (pattern: string, value: string): boolean =>
      comparison === 'like' ? compileGlob(pattern)(value) : comparison === 'ieq' ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
    const nsOk = eq(e.namespace, a.namespace);
    const nameOk = eq(e.name, a.name);
    const kind = nsOk && nameOk ? 'other' : nsOk ? 'serviceAccount' : nameOk ? 'namespace' : 'both';
    if (rank[kind] < rank[best]) best = kind;
  }
  return best;
}

function splitSubject(s: string): { namespace: string; name: string } | undefined {
  if (!s.startsWith(SA_PREFIX)) return undefined;
  const rest = s.slice(SA_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1 || rest.indexOf(':', colon + 1) >= 0) return undefined;
  return { namespace: rest.slice(0, colon), name: rest.slice(colon + 1) };
}
