import { splitArn } from '../arn/arn.js';
import { arnFormatMatcher, resourceWarning, statementResourceHint, type ActionCatalog } from '../policy/catalog.js';
import { actionSpecMatches, compileActions, compilePolicy, type CompiledStatement, type PreparedRequest } from '../policy/compile.js';
import type { CompiledCondition } from '../policy/conditions/condition.js';
import { traceStatement, type ConditionTrace, type StatementTrace } from '../policy/explain.js';
import {
  authorizePrepared,
  policyTypeName,
  prepareRequest,
  type Decision,
  type DecisionKind,
  type PolicySet,
  type PolicySets,
  type PolicyType,
  type PrincipalElement,
  type RequestContext,
  type RequestPrincipal,
  type StatementRef,
  type TypeReason,
} from '../policy/index.js';
import { parseTemplate, renderTemplate } from '../policy/variables.js';
import { compileGlob } from '../policy/wildcard.js';
import type { Finding } from './report.js';

/**
 * The permissions explainer: why a request is allowed or denied, the way a senior AWS engineer
 * would say it. The decision always comes from the policy engine (`authorizePrepared`); the
 * explanation then reads the engine's full per-statement trace (`traceStatement`) to name the
 * deciding statements, or for an implicit deny the policy type that lacks an Allow, its closest
 * statements and why each missed, element by element. Pure: no I/O.
 *
 * SCPs are explained only when the caller passes them (as `irsa simulate` cases do); irsa-local
 * has no Organizations, so the explainer never assumes any.
 */

/** Stable finding codes (documented in docs/explain.md, section "Permissions"). */
export const PERMISSION_CODES = {
  /** A Deny statement applies to the request (one finding per statement). */
  explicitDeny: 'permissions.explicitDeny',
  /** The caller's identity-based policies exist but none allows the request. */
  noAllow: 'permissions.noAllow',
  /** The caller has no identity-based policy at all. */
  noPolicy: 'permissions.noPolicy',
  /** The identity-based policies allow, but the permissions boundary does not. */
  boundary: 'permissions.boundary',
  /** The identity-based policies allow, but the session policies do not. */
  sessionPolicy: 'permissions.sessionPolicy',
  /** A resource-based (or trust) policy had to allow the caller and does not. */
  resourcePolicy: 'permissions.resourcePolicy',
  /** A service control policy level passed in does not allow the action. */
  scp: 'permissions.scp',
  /** A closest statement names other actions (or its NotAction lists this one). */
  actionMismatch: 'permissions.actionMismatch',
  /** A closest statement names other resources (or its NotResource lists this one). */
  resourceMismatch: 'permissions.resourceMismatch',
  /** A condition of a closest statement does not hold for the request. */
  conditionFailed: 'permissions.conditionFailed',
  /** A resource-policy statement's Principal does not name the caller. */
  principalMismatch: 'permissions.principalMismatch',
  /** The request's resource is none of the resource types the action takes (needs a catalog). */
  resourceType: 'permissions.resourceType',
  /** Allowed by a resource-based policy alone, without an identity-based Allow. */
  resourcePolicyGrant: 'permissions.resourcePolicyGrant',
} as const;

export interface PermissionInput {
  readonly principal: RequestPrincipal;
  readonly action: string;
  /** The resource ARN, or `*` for actions that take none. */
  readonly resource: string;
  readonly context: RequestContext;
  readonly identity?: PolicySet | undefined;
  readonly boundary?: PolicySet | undefined;
  readonly session?: PolicySet | undefined;
  readonly resourcePolicy?: PolicySet | undefined;
  readonly resourceAccount?: string | undefined;
  /** Trust policies (and KMS key policies) must allow the caller explicitly. */
  readonly resourcePolicyRequired?: boolean | undefined;
  /** Only when the caller has them (irsa-local never invents SCPs): one set per level. */
  readonly scp?: readonly PolicySet[] | undefined;
  /** The AWS action catalog, to name the ARN form an action needs (bucket vs object). */
  readonly catalog?: ActionCatalog | undefined;
}

/** A statement, as the engine refers to it, with a readable label. */
export interface StatementInfo extends StatementRef {
  /** `Statement[0] (Sid "S3") of identity-based policy weasel-policy` */
  readonly label: string;
}

export type ElementName = 'action' | 'resource' | 'principal' | 'condition';

/** One element of a statement checked against the request. */
export interface ElementCheck {
  readonly element: ElementName;
  readonly matched: boolean;
  /** One line: why it matched, or why it missed. */
  readonly message: string;
}

export interface ClosestStatement {
  readonly statement: StatementInfo;
  /** How many elements (action, resource, principal when present, conditions as one) match. */
  readonly matched: number;
  readonly of: number;
  /** Every element, matched or not, in order: action, resource, principal, each condition. */
  readonly checks: readonly ElementCheck[];
  /** One finding per failing element (`permissions.actionMismatch`, `…resourceMismatch`, …). */
  readonly misses: readonly Finding[];
}

export interface PermissionExplanation {
  readonly action: string;
  readonly resource: string;
  /** The engine's decision. */
  readonly decision: DecisionKind;
  /** The policy type whose (explicit or implicit) deny decided. */
  readonly deniedBy?: PolicyType;
  /** One line, e.g. "implicit deny: no identity-based policy allows s3:ListBucket on …". */
  readonly summary: string;
  /** Allowed: the Allow statements used (boundary and session ones included). Explicit deny: the Deny statements that matched. */
  readonly deciding: readonly StatementInfo[];
  /** Implicit deny: Allow statements of other policy types that did apply but were not enough. */
  readonly allowedBy: readonly StatementInfo[];
  /** Implicit deny: the closest Allow statements of the denying type, best first (at most 3). */
  readonly closest: readonly ClosestStatement[];
  readonly findings: readonly Finding[];
  /** One line naming the most likely fix, when there is one. */
  readonly fix?: string;
  /** The engine's per-type reasons, unchanged. */
  readonly reasons: readonly TypeReason[];
}

const MAX_CLOSEST = 3;
const MAX_LIST = 8;
const MAX_TEXT = 300;

export function explainPermissions(input: PermissionInput): PermissionExplanation {
  const req = prepareRequest(input.principal, input.action, input.resource, input.context);
  const sets: PolicySets = {
    identity: input.identity,
    boundary: input.boundary,
    session: input.session,
    resource: input.resourcePolicy,
    resourceAccount: input.resourceAccount,
    resourcePolicyRequired: input.resourcePolicyRequired,
    scp: input.scp,
  };
  const decision = authorizePrepared(req, sets);
  const x = new Explainer(input, req, decision);
  if (decision.decision === 'allowed') return x.allowed();
  if (decision.decision === 'explicitDeny') return x.explicitDeny();
  return x.implicitDeny();
}

class Explainer {
  private readonly action: string;
  private readonly resource: string;
  private readonly hasBoundary: boolean;
  private readonly byRef = new Map<string, CompiledStatement>();

  constructor(
    private readonly input: PermissionInput,
    private readonly req: PreparedRequest,
    private readonly decision: Decision,
  ) {
    this.action = clip(input.action);
    this.resource = clip(input.resource);
    this.hasBoundary = input.boundary !== undefined;
  }

  private base(summary: string): Omit<PermissionExplanation, 'findings' | 'deciding'> {
    const d = this.decision;
    return {
      action: this.input.action,
      resource: this.input.resource,
      decision: d.decision,
      ...(d.deniedBy !== undefined ? { deniedBy: d.deniedBy } : {}),
      summary,
      allowedBy: [],
      closest: [],
      reasons: d.reasons,
    };
  }

  // ---- allowed -----------------------------------------------------------------------------

  allowed(): PermissionExplanation {
    const d = this.decision;
    const deciding = d.matchedStatements.map((r) => this.info(r));
    const findings: Finding[] = [];
    const notRequired = d.reasons.find((r) => r.result === 'notRequired');
    let summary: string;
    if (notRequired) summary = `allowed: ${notRequired.detail}`;
    else if (deciding.length === 0) summary = `allowed: the ${this.principalNoun()} has every permission of its account`;
    else {
      const grants = deciding.filter((s) => s.policyType === 'identity' || s.policyType === 'resource');
      const limits = deciding.filter((s) => s.policyType === 'boundary' || s.policyType === 'session');
      summary = `allowed: ${this.action} on ${this.resource} by ${grants.map((s) => s.label).join('; ') || 'the caller’s policies'}`;
      if (limits.length) summary += `, within ${limits.map((s) => s.label).join('; ')}`;
    }
    const identity = d.reasons.find((r) => r.policyType === 'identity');
    const resourceGrants = deciding.filter((s) => s.policyType === 'resource');
    if (resourceGrants.length && identity && identity.result !== 'allowed' && identity.result !== 'notRequired') {
      findings.push({
        code: PERMISSION_CODES.resourcePolicyGrant,
        message: `no identity-based policy allows ${this.action}; ${resourceGrants.map((s) => s.label).join('; ')} names the caller and grants it on its own (same account)`,
        details: { statements: resourceGrants.map((s) => s.label) },
      });
    }
    return { ...this.base(summary), deciding, findings };
  }

  // ---- explicit deny -----------------------------------------------------------------------

  explicitDeny(): PermissionExplanation {
    const d = this.decision;
    const deciding = d.matchedStatements.map((r) => this.info(r));
    const findings: Finding[] = deciding.map((s) => {
      const st = this.compiled(s);
      const why = st ? this.denyBecause(s.policyType, st) : '';
      const fix = `remove or narrow ${s.label}`;
      return {
        code: PERMISSION_CODES.explicitDeny,
        message: `${s.label} denies ${this.action} on ${this.resource}${why}`,
        fix,
        details: { policyType: s.policyType, policyId: s.policyId, statementIndex: String(s.statementIndex), ...(s.sid !== undefined ? { sid: s.sid } : {}) },
      };
    });
    const first = deciding[0];
    const more = deciding.length > 1 ? ` (and ${deciding.length - 1} more Deny statement${deciding.length > 2 ? 's' : ''})` : '';
    const summary = `explicit deny: ${first ? first.label : 'a Deny statement'} denies ${this.action} on ${this.resource}${more}; an explicit deny overrides every Allow`;
    return { ...this.base(summary), deciding, findings, ...(first ? { fix: `remove or narrow ${first.label}` } : {}) };
  }

  /** Which parts of a Deny statement matched: the conditions are what users overlook. */
  private denyBecause(type: PolicyType, st: CompiledStatement): string {
    const t = traceStatement(type, st, this.req, type === 'resource' && this.hasBoundary);
    const parts: string[] = [];
    if (t.action.element === 'NotAction') parts.push(`its NotAction does not list ${this.action}`);
    if (t.resource.element === 'NotResource') parts.push(`its NotResource does not list ${this.resource}`);
    if (t.principal?.element === 'NotPrincipal') parts.push('its NotPrincipal does not exempt the caller');
    for (const c of t.conditions) parts.push(`${c.operator} ${c.key} ${list(c.policyValues)} holds (${actualText(c, this.req.context)})`);
    return parts.length ? `: ${parts.join('; ')}` : '';
  }

  // ---- implicit deny -----------------------------------------------------------------------

  implicitDeny(): PermissionExplanation {
    const d = this.decision;
    const type = d.deniedBy ?? 'identity';
    const allowedBy = d.reasons.filter((r) => r.policyType !== type && r.result === 'allowed').flatMap((r) => r.statements.map((s) => this.info(s)));
    const closest = this.closest(type);
    const best = closest[0];
    const closeFix = best ? statementFix(best, this.action, this.onResource()) : undefined;
    const findings: Finding[] = [];
    const tf = this.typeFinding(type, closeFix, allowedBy);
    const typeFinding: Finding = { ...tf, details: { ...tf.details, policyType: type } };
    findings.push(typeFinding);
    if (best) findings.push(...best.misses);
    // Other policy types that lack an Allow too: fixing only the first would move the denial there.
    const also: Finding[] = [];
    for (const r of d.reasons) {
      if (r.policyType === type || r.policyType === 'resource' || r.result !== 'implicitDeny') continue;
      if (also.some((f) => f.details?.['policyType'] === r.policyType)) continue;
      const f = this.typeFinding(r.policyType, this.closestFix(r.policyType), allowedBy);
      also.push({ ...f, details: { ...f.details, policyType: r.policyType } });
    }
    findings.push(...also);
    const rt = this.input.catalog ? resourceWarning(this.input.action, this.input.resource, this.input.catalog) : undefined;
    if (rt) {
      findings.push({
        code: PERMISSION_CODES.resourceType,
        message: `the request names the wrong kind of resource: ${rt.message.replace(/`/g, '')}`,
        details: { action: this.action, resource: this.resource },
      });
    }
    const summary = `implicit deny: ${typeFinding.message}`;
    const fixes = [typeFinding.fix, ...also.map((f) => f.fix)].filter((f): f is string => f !== undefined);
    return {
      ...this.base(summary),
      deciding: [],
      allowedBy,
      closest,
      findings,
      ...(fixes.length ? { fix: fixes.join('; also: ') } : {}),
    };
  }

  private closestFix(type: PolicyType): string | undefined {
    const c = this.closest(type)[0];
    return c ? statementFix(c, this.action, this.onResource()) : undefined;
  }

  private typeFinding(type: PolicyType, closeFix: string | undefined, allowedBy: readonly StatementInfo[]): Finding {
    const a = this.action;
    const on = this.onResource();
    const overruled = allowedBy.filter((s) => s.policyType === 'identity');
    const identityAllows = overruled.length ? ` (${overruled[0]?.label} allows it)` : '';
    switch (type) {
      case 'identity': {
        const count = this.input.identity?.policies.length ?? 0;
        if (count === 0) {
          return {
            code: PERMISSION_CODES.noPolicy,
            message: `no policy attached to ${this.principalNoun()} grants ${a}`,
            fix: `attach a policy to ${this.principalNoun()} that allows ${a}${on}`,
            details: { principal: this.principalId(), action: a },
          };
        }
        return {
          code: PERMISSION_CODES.noAllow,
          message: `no identity-based policy allows ${a}${on}`,
          fix: closeFix ?? `no policy attached to ${this.principalNoun()} grants ${a}: add a statement that allows ${a}${on}`,
          details: { principal: this.principalId(), action: a, resource: this.resource, policies: this.input.identity?.policies.map((p) => p.id) ?? [] },
        };
      }
      case 'boundary': {
        const ids = this.input.boundary?.policies.map((p) => p.id) ?? [];
        const name = ids.length ? ids.map((i) => clip(i)).join(', ') : '(empty)';
        return {
          code: PERMISSION_CODES.boundary,
          message: `the permissions boundary ${name} does not allow ${a}${on}${identityAllows}; a boundary caps what identity-based policies grant`,
          fix: `the permissions boundary ${name} does not allow ${a} — ${closeFix ?? 'add it there'}`,
          details: { boundary: ids, action: a, resource: this.resource },
        };
      }
      case 'session': {
        const ids = this.input.session?.policies.map((p) => p.id) ?? [];
        if (!this.input.session) {
          return {
            code: PERMISSION_CODES.sessionPolicy,
            message: `a federated user session without session policies has no permissions, so ${a} is denied`,
            fix: `pass a session policy that allows ${a}${on} to GetFederationToken`,
            details: { action: a },
          };
        }
        return {
          code: PERMISSION_CODES.sessionPolicy,
          message: `the session policy removes ${a}: no session policy allows it${on}${identityAllows}; the session gets only what both its identity policies and its session policies allow`,
          fix: `the session policy removes ${a} — ${closeFix ?? `allow ${a}${on} in it, or create the session without a session policy`}`,
          details: { sessionPolicies: ids, action: a, resource: this.resource },
        };
      }
      case 'resource':
        return this.resourceFinding(closeFix);
      case 'scp': {
        const failing = this.failingScpLevels().map((l) => `level ${l + 1}`);
        return {
          code: PERMISSION_CODES.scp,
          message: `no service control policy at ${failing.join(', ') || 'some level'} allows ${a}${on}; every SCP level from the root to the account must allow`,
          fix: `the SCP at ${failing[0] ?? 'that level'} does not allow ${a} — ${closeFix ?? 'allow it there'}`,
          details: { levels: failing, action: a },
        };
      }
    }
  }

  private resourceFinding(closeFix: string | undefined): Finding {
    const a = this.action;
    const p = this.input.principal;
    const trust = this.input.resourcePolicy?.policies.some((x) => x.kind === 'trust') ?? false;
    const what = trust ? 'trust policy' : 'resource-based policy';
    const who = this.principalForPolicy();
    const details = { principal: this.principalId(), action: a, resource: this.resource };
    if (!this.input.resourcePolicy || this.input.resourcePolicy.policies.length === 0) {
      const why = this.input.resourcePolicyRequired
        ? `a ${what} must allow the caller explicitly and there is none`
        : AWS_KINDS.has(p.kind)
          ? `the resource is in account ${this.resourceAccount() ?? '?'} and the caller in ${p.account ?? '?'}: across accounts the resource’s own policy must allow too, and it has none`
          : `only a resource-based policy can grant to ${clip(p.id)}, and there is none`;
      return { code: PERMISSION_CODES.resourcePolicy, message: `${why}`, fix: `add a ${what} that allows ${who} to ${a}`, details };
    }
    const why = this.input.resourcePolicyRequired
      ? `no statement of the ${what} allows the caller: it must, even in the same account`
      : AWS_KINDS.has(p.kind)
        ? `no statement of the ${what} allows the caller (resource account ${this.resourceAccount() ?? '?'}, caller account ${p.account ?? '?'}): across accounts both sides must allow`
        : `no statement of the ${what} allows ${clip(p.id)}, and only a resource-based policy can grant to it`;
    return { code: PERMISSION_CODES.resourcePolicy, message: why, fix: closeFix ?? `add a statement to the ${what} that allows ${who} to ${a}`, details };
  }

  private failingScpLevels(): number[] {
    const out: number[] = [];
    let level = 0;
    for (const r of this.decision.reasons) {
      if (r.policyType !== 'scp') continue;
      if (r.result !== 'allowed') out.push(level);
      level++;
    }
    return out;
  }

  /** The closest Allow statements of `type`: action match first, then most elements matching. */
  private closest(type: PolicyType): ClosestStatement[] {
    const sets: PolicySet[] = [];
    if (type === 'scp') {
      const levels = this.input.scp ?? [];
      for (const l of this.failingScpLevels()) {
        const s = levels[l];
        if (s) sets.push(s);
      }
    } else {
      const s = type === 'identity' ? this.input.identity : type === 'boundary' ? this.input.boundary : type === 'session' ? this.input.session : this.input.resourcePolicy;
      if (s) sets.push(s);
    }
    const service = serviceOf(this.req.actionLower);
    const ranked: { c: ClosestStatement; key: number[] }[] = [];
    let order = 0;
    for (const set of sets) {
      for (const p of set.policies) {
        for (const st of p.statements) {
          order++;
          if (st.effect !== 'Allow') continue;
          const t = traceStatement(type, st, this.req, type === 'resource' && this.hasBoundary);
          if (t.applies) continue;
          const c = this.closeStatement(type, st, t);
          const sameService = t.action.matched || t.action.patterns.some((x) => serviceOf(x.toLowerCase()) === service);
          const failedConditions = t.conditions.filter((x) => !x.holds).length;
          ranked.push({ c, key: [t.action.matched ? 1 : 0, sameService ? 1 : 0, c.matched, -failedConditions, -order] });
        }
      }
    }
    ranked.sort((a, b) => compareKeys(b.key, a.key));
    return ranked.slice(0, MAX_CLOSEST).map((r) => r.c);
  }

  private closeStatement(type: PolicyType, st: CompiledStatement, t: StatementTrace): ClosestStatement {
    const info = this.info({ policyType: type, policyId: st.policy.id, statementIndex: st.statement.index, sid: st.statement.sid, effect: st.effect });
    const checks: ElementCheck[] = [];
    const misses: Finding[] = [];
    const base = { policyType: type, policyId: st.policy.id, statementIndex: String(st.statement.index), statement: info.label };
    const miss = (element: ElementName, f: Omit<Finding, 'details'> & { details: Record<string, string | readonly string[]> }): void => {
      checks.push({ element, matched: false, message: f.message });
      misses.push({ ...f, details: { ...base, ...f.details } });
    };

    // Action
    if (t.action.matched) {
      checks.push({
        element: 'action',
        matched: true,
        message: t.action.element === 'Action' ? `Action ${code(matchingAction(t.action.patterns, this.req.actionLower) ?? '?')} covers ${this.action}` : `NotAction does not list ${this.action}`,
      });
    } else if (t.action.element === 'Action') {
      miss('action', {
        code: PERMISSION_CODES.actionMismatch,
        message: `wrong action: the statement names ${list(t.action.patterns)}; the request is ${this.action}`,
        fix: `add ${this.action} to the Action of ${info.label}`,
        details: { expected: clipAll(t.action.patterns), actual: this.action },
      });
    } else {
      const by = matchingAction(t.action.patterns, this.req.actionLower) ?? '?';
      miss('action', {
        code: PERMISSION_CODES.actionMismatch,
        message: `the statement's NotAction lists ${this.action} (via ${code(by)}), so it never allows it`,
        fix: `remove ${code(by)} from the NotAction of ${info.label}`,
        details: { notAction: clipAll(t.action.patterns), actual: this.action },
      });
    }

    // Resource
    if (t.resource.matched) {
      checks.push({
        element: 'resource',
        matched: true,
        message: t.resource.element === 'Resource' ? `Resource ${code(this.matchingResource(st, t.resource.patterns) ?? '*')} covers ${this.resource}` : `NotResource does not list ${this.resource}`,
      });
    } else if (t.resource.element === 'Resource') {
      miss('resource', this.resourceMiss(st, t.resource.patterns, info.label));
    } else {
      const by = this.matchingResource(st, t.resource.patterns) ?? '?';
      miss('resource', {
        code: PERMISSION_CODES.resourceMismatch,
        message: `the statement's NotResource lists ${this.resource} (via ${code(by)}), so it never allows it`,
        fix: `remove ${code(by)} from the NotResource of ${info.label}`,
        details: { notResource: clipAll(t.resource.patterns), actual: this.resource },
      });
    }

    // Principal (resource-based and trust policies)
    if (t.principal) {
      if (t.principal.matched) {
        checks.push({ element: 'principal', matched: true, message: t.principal.element === 'Principal' ? `Principal names the caller (${t.principal.how})` : 'NotPrincipal does not exempt the caller' });
      } else if (t.principal.element === 'Principal') {
        const named = principalValues(st.principal);
        // Never suggest opening a policy to everyone: an anonymous caller should sign instead.
        const anonymous = this.input.principal.kind === 'anonymous';
        miss('principal', {
          code: PERMISSION_CODES.principalMismatch,
          message: `the statement's Principal names ${list(named)}; the caller is ${anonymous ? 'anonymous (an unsigned request)' : this.callerText()}`,
          fix: anonymous ? 'sign the request with credentials of a principal that the policy names' : `add ${code(this.principalForPolicy())} to the Principal of ${info.label}`,
          details: { expected: clipAll(named), actual: this.principalId() },
        });
      } else {
        miss('principal', {
          code: PERMISSION_CODES.principalMismatch,
          message: `the statement's NotPrincipal lists the caller (${this.callerText()}), so it does not apply to it`,
          fix: `remove the caller from the NotPrincipal of ${info.label}`,
          details: { notPrincipal: clipAll(principalValues(st.notPrincipal)), actual: this.principalId() },
        });
      }
    }

    // Conditions, one check each
    t.conditions.forEach((c, i) => {
      const compiled = st.conditions[i];
      if (c.holds) {
        checks.push({ element: 'condition', matched: true, message: `${c.operator} ${c.key} ${list(c.policyValues)} holds (${actualText(c, this.req.context)})` });
        return;
      }
      const actual = this.req.context.get(c.key.toLowerCase());
      miss('condition', {
        code: PERMISSION_CODES.conditionFailed,
        message: conditionMessage(c, compiled, this.req.context),
        fix:
          actual === undefined || actual.values.length === 0
            ? `the request carries no ${c.key}, which ${c.operator} in ${info.label} requires`
            : `the request's ${c.key} (${list(actual.values)}) does not meet ${c.operator} ${list(c.policyValues)} in ${info.label}: change the request or that condition`,
        details: { operator: c.operator, key: c.key, expected: clipAll(c.policyValues), actual: clipAll(c.requestValues ?? []) },
      });
    });

    const elements = 2 + (t.principal ? 1 : 0) + (t.conditions.length ? 1 : 0);
    const matched =
      (t.action.matched ? 1 : 0) + (t.resource.matched ? 1 : 0) + (t.principal?.matched ? 1 : 0) + (t.conditions.length && t.conditions.every((c) => c.holds) ? 1 : 0);
    return { statement: info, matched, of: elements, checks, misses };
  }

  private resourceMiss(st: CompiledStatement, patterns: readonly string[], label: string): Omit<Finding, 'details'> & { details: Record<string, string | readonly string[]> } {
    const a = this.action;
    const r = this.resource;
    const details = { expected: clipAll(patterns), actual: r };
    if (this.input.resource === '*') {
      return {
        code: PERMISSION_CODES.resourceMismatch,
        message: `${a} takes no resource ARN, and only "Resource": "*" covers such an action; the statement only names ${list(patterns)}`,
        fix: `allow ${a} in a statement with "Resource": "*"`,
        details,
      };
    }
    const variables = st.policy.document.version === '2012-10-17';
    const head = `${a} needs ${r}, the policy only names ${list(patterns)}`;
    const notes: string[] = [];
    // The action catalog tells which ARN form the action takes (bucket vs object).
    const catalog = this.input.catalog;
    const hint = catalog ? statementResourceHint(this.input.action, patterns, catalog) : undefined;
    if (catalog && hint) {
      const need = this.resourceTypesOf(catalog);
      notes.push(need ? `${a} takes ${need}, which no pattern of this statement is` : hint);
    }
    const best = bestPattern(patterns, this.input.resource, this.req.context, variables);
    if (best?.note) notes.push(best.note);
    return {
      code: PERMISSION_CODES.resourceMismatch,
      message: notes.length ? `${head} (${notes.join('; ')})` : head,
      fix: `add ${r} to the Resource of ${label}`,
      details,
    };
  }

  /** The resource types of the action that the request's resource is, e.g. `bucket (arn:${Partition}:s3:::${BucketName})`. */
  private resourceTypesOf(catalog: ActionCatalog): string | undefined {
    const colon = this.input.action.indexOf(':');
    if (colon < 0) return undefined;
    const service = this.input.action.slice(0, colon).toLowerCase();
    const info = catalog.action(service, this.input.action.slice(colon + 1));
    if (!info || info.resourceTypes.length === 0) return undefined;
    const formats = catalog.resourceFormats(service);
    const fit = info.resourceTypes.filter((rt) => arnFormatMatcher(rt.arn, formats)(this.input.resource));
    const types = fit.length ? fit : info.resourceTypes;
    return types.map((rt) => `a ${rt.name} ARN (${rt.arn})`).join(' or ');
  }

  /** The first Resource/NotResource pattern that matches the request, by the engine's own matcher. */
  private matchingResource(st: CompiledStatement, patterns: readonly string[]): string | undefined {
    if (patterns.length === 1) return patterns[0];
    for (const p of patterns) {
      const one = compileOne(st, p);
      if (one(this.req)) return p;
    }
    return undefined;
  }

  // ---- naming ------------------------------------------------------------------------------

  private info(r: StatementRef): StatementInfo {
    return { ...r, label: statementLabel(r, this.trustKind(r.policyType)) };
  }

  private trustKind(type: PolicyType): boolean {
    return type === 'resource' && (this.input.resourcePolicy?.policies.some((p) => p.kind === 'trust') ?? false);
  }

  private compiled(r: StatementRef): CompiledStatement | undefined {
    const key = `${r.policyType}\u0000${r.policyId}\u0000${r.statementIndex}`;
    if (this.byRef.size === 0) {
      const add = (type: PolicyType, s: PolicySet | undefined): void => {
        for (const p of s?.policies ?? []) for (const st of p.statements) this.byRef.set(`${type}\u0000${p.id}\u0000${st.statement.index}`, st);
      };
      add('identity', this.input.identity);
      add('boundary', this.input.boundary);
      add('session', this.input.session);
      add('resource', this.input.resourcePolicy);
      for (const l of this.input.scp ?? []) add('scp', l);
    }
    return this.byRef.get(key);
  }

  private onResource(): string {
    return this.input.resource === '*' ? '' : ` on ${this.resource}`;
  }

  private principalId(): string {
    return clip(this.input.principal.id);
  }

  /** "role arn:aws:iam::…:role/R" for a role session, "user arn:…" for a user. */
  private principalNoun(): string {
    const p = this.input.principal;
    switch (p.kind) {
      case 'assumedRole':
        return `role ${clip(p.roleArn ?? p.id)}`;
      case 'role':
        return `role ${clip(p.id)}`;
      case 'user':
        return `user ${clip(p.id)}`;
      case 'root':
        return `the root user of ${p.account ?? '?'}`;
      case 'federatedUser':
        return `federated user ${clip(p.id)}`;
      default:
        return clip(p.id);
    }
  }

  /** How a resource policy would name the caller: a session by its role, others by their ARN or name. */
  private principalForPolicy(): string {
    const p = this.input.principal;
    return clip(p.kind === 'assumedRole' ? (p.roleArn ?? p.id) : p.id);
  }

  private callerText(): string {
    const p = this.input.principal;
    if (p.kind === 'assumedRole') return `${clip(p.id)} (a session of role ${clip(p.roleArn ?? '?')}, account ${p.account ?? '?'})`;
    return p.account ? `${clip(p.id)} (account ${p.account})` : clip(p.id);
  }

  private resourceAccount(): string | undefined {
    if (this.input.resourceAccount) return this.input.resourceAccount;
    const segs = splitArn(this.input.resource);
    return segs && segs[4] !== '' ? segs[4] : this.input.principal.account;
  }
}

const AWS_KINDS: ReadonlySet<RequestPrincipal['kind']> = new Set(['root', 'user', 'role', 'assumedRole', 'federatedUser']);

/** `Statement[0] (Sid "S3") of identity-based policy weasel-policy` */
export function statementLabel(r: Pick<StatementRef, 'policyType' | 'policyId' | 'statementIndex' | 'sid'>, trust = false): string {
  const sid = r.sid !== undefined && r.sid !== '' ? ` (Sid "${clip(r.sid, 80)}")` : '';
  const type = trust ? 'trust policy' : policyTypeName(r.policyType);
  return `Statement[${r.statementIndex}]${sid} of ${type} ${clip(policyName(r.policyId), 200)}`;
}

/**
 * Policy ids as the server and the account model make them, said the way a person would:
 * `arn:…:role/R:inline/P` → `P (inline in role R)`, `arn:…:policy/P:v2` → `P (arn:…:policy/P, v2)`.
 */
function policyName(id: string): string {
  const inline = /^arn:[^:]*:iam::\d{12}:(role|user)\/(?:.*\/)?([^/:]+):inline\/(.+)$/.exec(id);
  if (inline) return `${inline[3]} (inline in ${inline[1]} ${inline[2]})`;
  const managed = /^(arn:[^:]*:iam::(?:\d{12}|aws):policy\/(?:.*\/)?([^/:]+)):(v\d+)$/.exec(id);
  if (managed) return `${managed[2]} (${managed[1]}, ${managed[3]})`;
  return id;
}

/**
 * The fix for a closest statement: its element fixes joined when its action matches and it misses
 * in at most two elements; a statement for other actions that also misses elsewhere is not close,
 * so a new statement is the fix.
 */
function statementFix(c: ClosestStatement, action: string, on: string): string | undefined {
  const fixes = c.misses.map((m) => m.fix).filter((f): f is string => f !== undefined);
  if (fixes.length === 0) return undefined;
  const s = c.statement;
  const policy = `${s.label.slice(s.label.indexOf(' of ') + 4)}`;
  if (fixes.length > 1 && c.misses.some((m) => m.code === PERMISSION_CODES.actionMismatch)) return `add a statement that allows ${action}${on} to ${policy}`;
  if (fixes.length > 2) return `${s.label} is the closest but misses on ${fixes.length} elements: ${fixes[0]}, and more`;
  return fixes.join('; and ');
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function serviceOf(actionLower: string): string {
  const c = actionLower.indexOf(':');
  return c > 0 ? actionLower.slice(0, c) : actionLower;
}

function matchingAction(patterns: readonly string[], actionLower: string): string | undefined {
  for (const p of patterns) if (actionSpecMatches(compileActions([p]), actionLower)) return p;
  return undefined;
}

/** One Resource pattern compiled by the engine, as if it were the statement's only one. */
function compileOne(st: CompiledStatement, pattern: string): (req: PreparedRequest) => boolean {
  // Reuse the engine's compiler: a one-pattern copy of the statement.
  const doc = { ...st.policy.document, statements: [{ ...st.statement, resource: [pattern], notResource: undefined }] };
  return compileStatementResource(doc);
}

function compileStatementResource(doc: Parameters<typeof compilePolicy>[0]): (req: PreparedRequest) => boolean {
  const st = compilePolicy(doc, 'identity', 'pattern').statements[0];
  return st ? st.resourceMatches : () => false;
}

const SEGMENT_NAMES = ['partition', 'service', 'region', 'account'] as const;

/**
 * The pattern closest to the request's resource, and a note on how it differs: a wrong partition,
 * service, region or account, or the classic parent-vs-child mismatch (`bucket` vs `bucket/*`).
 */
function bestPattern(patterns: readonly string[], resource: string, ctx: RequestContext, variables: boolean): { pattern: string; note: string | undefined } | undefined {
  const rs = splitArn(resource);
  let best: { pattern: string; note: string | undefined; score: number } | undefined;
  for (const raw of patterns.slice(0, 64)) {
    let pattern = raw;
    let varNote: string | undefined;
    const tpl = variables ? parseTemplate(raw) : undefined;
    if (tpl) {
      const rendered = renderTemplate(tpl, ctx);
      if (rendered === undefined) {
        const score = -1;
        if (!best || score > best.score) best = { pattern: raw, note: `${code(raw)} uses a policy variable the request has no value for, so it matches nothing`, score };
        continue;
      }
      pattern = rendered;
      varNote = `${code(raw)} is ${code(pattern)} for this request`;
    }
    const ps = splitArn(pattern) ?? (pattern.toLowerCase().startsWith('arn:') ? padded(pattern) : undefined);
    let score = 0;
    const notes: string[] = [];
    if (varNote) notes.push(varNote);
    if (rs && ps) {
      for (let k = 1; k <= 4; k++) {
        const p = (ps[k] as string).toLowerCase();
        const r = (rs[k] as string).toLowerCase();
        if (compileGlob(p)(r)) score++;
        else {
          const name = SEGMENT_NAMES[k - 1] as string;
          notes.push(`${code(raw)} names ${name} ${code(p === '' ? '(none)' : ps[k] as string)}, the resource's ${name} is ${code(r === '' ? '(none)' : (rs[k] as string))}`);
        }
      }
      const pid = ps[5] as string;
      const rid = rs[5] as string;
      if (compileGlob(pid)(rid)) score++;
      else if (score === 4) notes.push(...idNote(raw, pattern, pid, rid));
      score = score * 1000 + commonPrefix(pattern, resource);
    } else score = commonPrefix(pattern, resource);
    if (!best || score > best.score) best = { pattern: raw, note: notes.length ? notes.join('; ') : undefined, score };
  }
  return best && { pattern: best.pattern, note: best.note };
}

function idNote(raw: string, pattern: string, pid: string, rid: string): string[] {
  const stem = pid.replace(/\/?\*+$/, '');
  if (pid !== stem && stem === rid && pid.startsWith(`${rid}/`)) return [`${code(raw)} names what lies under ${code(pattern.slice(0, pattern.length - (pid.length - stem.length)))}, not the resource itself`];
  if (rid.startsWith(`${pid}/`)) return [`${code(raw)} names the parent only; add ${code(`${pattern}/*`)} for what lies under it`];
  if (pid.toLowerCase() === rid.toLowerCase() || compileGlob(pid.toLowerCase())(rid.toLowerCase())) return [`the resource part of an ARN is case-sensitive: ${code(raw)} differs from the request only in case`];
  return [];
}

function padded(pattern: string): string[] {
  const parts = pattern.split(':');
  while (parts.length < 6) parts.push('*');
  return parts;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function principalValues(el: PrincipalElement | undefined): string[] {
  if (el === undefined) return [];
  if (el === '*') return ['*'];
  const out: string[] = [];
  for (const [type, values] of Object.entries(el)) for (const v of (values as readonly string[] | undefined) ?? []) out.push(`${type}: ${v}`);
  return out;
}

/** The request's values for a condition key, for a message. */
function actualText(c: ConditionTrace, ctx: RequestContext): string {
  const v = ctx.get(c.key.toLowerCase());
  if (!v || v.values.length === 0) return `the request has no ${c.key}`;
  return `the request has ${c.key} = ${list(v.values)}`;
}

/**
 * Why one condition fails, as the engine evaluates it (src/policy/conditions/condition.ts): an
 * absent key fails unless IfExists, negated or ForAllValues; ForAnyValue fails on an absent or
 * empty key; a multivalued key needs a set operator; Null tests presence.
 */
export function conditionMessage(c: ConditionTrace, compiled: CompiledCondition | undefined, ctx: RequestContext): string {
  const op = compiled?.op;
  const head = `condition ${c.operator} on ${c.key} fails`;
  const expects = `the policy expects ${list(c.policyValues)}`;
  if (!op) return `${head}: ${c.operator} is not an operator IAM knows, so it never holds`;
  const v = ctx.get(c.key.toLowerCase());
  const present = v !== undefined && v.values.length > 0;
  if (op.family === 'Null') {
    const wantsAbsent = compiled?.nullWants?.includes(true) ?? false;
    return wantsAbsent ? `${head}: Null true wants ${c.key} absent, and the request has ${c.key} = ${list(v?.values ?? [])}`
      : `${head}: Null false wants ${c.key} present, and the request has no ${c.key}`;
  }
  if (!present) {
    if (op.set === 'forAnyValue') return `${head}: the request has no ${c.key}, and ForAnyValue is false when the key is absent or empty (${expects})`;
    return `${head}: the request has no ${c.key}; ${expects} (only an …IfExists operator, a negated operator or ForAllValues holds when the key is absent)`;
  }
  const values = v.values;
  const ifExists = op.ifExists ? ' (IfExists only skips the check when the key is absent)' : '';
  if (op.set === 'none') {
    if (v.list) return `${head}: ${c.key} is multivalued in the request (${list(values)}), and an operator without ForAnyValue:/ForAllValues: never matches a multivalued key`;
    if (op.negated) return `${head}: ${c.operator} excludes ${list(c.policyValues)}, and the request has ${c.key} = ${list(values)}${ifExists}`;
    return `${head}: ${expects}, the request has ${c.key} = ${list(values)}${ifExists}`;
  }
  const test = compiled?.test;
  const hits = test ? values.map((_, i) => test(v, i, ctx)) : values.map(() => false);
  if (op.set === 'forAllValues') {
    const offending = values.filter((_, i) => hits[i] === op.negated);
    return op.negated
      ? `${head}: ForAllValues with a negated operator needs no request value to match ${list(c.policyValues)}, and ${list(offending)} does${ifExists}`
      : `${head}: ForAllValues needs every request value in ${list(c.policyValues)}, and ${list(offending)} is not${ifExists}`;
  }
  return op.negated
    ? `${head}: ForAnyValue with a negated operator needs a request value outside ${list(c.policyValues)}, and every value of ${list(values)} is in it${ifExists}`
    : `${head}: ForAnyValue needs a request value in ${list(c.policyValues)}, and none of ${list(values)} is${ifExists}`;
}

function code(s: string): string {
  return clip(s);
}

function clip(s: string, max = MAX_TEXT): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function clipAll(values: readonly string[]): string[] {
  return values.slice(0, 32).map((v) => clip(v));
}

/** `a`, `b`, `c` (+N more): bounded, for messages. */
function list(values: readonly string[]): string {
  if (values.length === 0) return '(none)';
  const shown = values.slice(0, MAX_LIST).map((v) => clip(v, 200));
  const more = values.length > MAX_LIST ? ` (+${values.length - MAX_LIST} more)` : '';
  return `${shown.join(', ')}${more}`;
}

/** Readable lines for the CLI (no color codes; the CLI colors them). */
export function formatPermissionExplanation(e: PermissionExplanation): string[] {
  const lines: string[] = [e.summary];
  if (e.deciding.length) {
    lines.push(e.decision === 'allowed' ? 'Allowed by:' : 'Denied by:');
    for (const s of e.deciding) lines.push(`  - ${s.label} (${s.effect})`);
  }
  if (e.allowedBy.length) {
    lines.push('Allowed, but not enough, by:');
    for (const s of e.allowedBy) lines.push(`  - ${s.label}`);
  }
  const elementCodes = new Set<string>([PERMISSION_CODES.actionMismatch, PERMISSION_CODES.resourceMismatch, PERMISSION_CODES.conditionFailed, PERMISSION_CODES.principalMismatch]);
  const other = e.findings.filter((f) => !elementCodes.has(f.code) && !(e.decision === 'implicitDeny' && e.summary.endsWith(f.message)));
  for (const f of other) lines.push(`${f.code}: ${f.message}`);
  if (e.closest.length) {
    lines.push(e.closest.length === 1 ? 'Closest statement:' : 'Closest statements:');
    for (const c of e.closest) {
      lines.push(`  - ${c.statement.label}: ${c.matched} of ${c.of} elements match`);
      for (const k of c.checks) lines.push(`      ${k.matched ? 'ok  ' : 'MISS'} ${k.element}: ${k.message}`);
    }
  } else if (e.decision === 'implicitDeny') {
    lines.push('No Allow statement of that policy type comes close.');
  }
  if (e.fix) lines.push(`Fix: ${e.fix}`);
  return lines;
}
