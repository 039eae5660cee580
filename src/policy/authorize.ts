import { parseArn } from '../arn/arn.js';
import { prepareRequest, type PreparedRequest } from './compile.js';
import type { RequestContext } from './context.js';
import type { Effect } from './document.js';
import { evaluateSet, type PolicySet, type SetEvaluation, type StatementMatch } from './policy-set.js';
import type { PrincipalKind, RequestPrincipal } from './principal.js';

/**
 * Authorization across policy types, as AWS's enforcement code decides
 * ("Policy evaluation logic", reference_policies_evaluation-logic.html, and its single-account and
 * cross-account pages):
 * 1. an applicable Deny in any policy wins (explicit deny);
 * 2. every SCP level must allow (AWS principals only);
 * 3. a resource-based policy can grant on its own in the same account — naming a user, a session,
 *    a federated user or everyone grants directly; naming a role grants within the boundary and
 *    session policy; naming the account delegates to identity policies. Across accounts both the
 *    resource policy and the caller's side must allow;
 * 4. otherwise identity policies must allow, within the permissions boundary and session policies.
 * Role trust policies (and KMS key policies) must allow explicitly even in the same account.
 */
export type PolicyType = 'scp' | 'resource' | 'identity' | 'boundary' | 'session';
export type DecisionKind = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface AuthorizationRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  /** The resource ARN, or `*` for actions that take none. */
  readonly resource: string;
  readonly context: RequestContext;
}

export interface PolicySets {
  readonly identity?: PolicySet | undefined;
  /** Present when the caller has a permissions boundary. */
  readonly boundary?: PolicySet | undefined;
  /** Present when the session was created with session policies. */
  readonly session?: PolicySet | undefined;
  readonly resource?: PolicySet | undefined;
  /** Account that owns the resource; defaults to the ARN's account, then the caller's. */
  readonly resourceAccount?: string | undefined;
  /** SCPs, one set per level from the root to the account; each level must allow. */
  readonly scp?: readonly PolicySet[] | undefined;
  /** Trust policies and KMS key policies must allow the caller explicitly. */
  readonly resourcePolicyRequired?: boolean | undefined;
}

export interface StatementRef {
  readonly policyType: PolicyType;
  readonly policyId: string;
  readonly statementIndex: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
}

export interface TypeReason {
  readonly policyType: PolicyType;
  readonly result: 'allowed' | 'explicitDeny' | 'implicitDeny' | 'notRequired';
  readonly statements: readonly StatementRef[];
  readonly detail: string;
}

export interface Decision {
  readonly decision: DecisionKind;
  /** The statements that decided: the Deny statements for an explicit deny, else the Allows used. */
  readonly matchedStatements: readonly StatementRef[];
  /** Per policy type, whether it allowed and why. */
  readonly reasons: readonly TypeReason[];
  /** The policy type whose deny (explicit or implicit) decided, for the AccessDenied message. */
  readonly deniedBy: PolicyType | undefined;
}

const AWS_PRINCIPALS: ReadonlySet<PrincipalKind> = new Set(['root', 'user', 'role', 'assumedRole', 'federatedUser']);
const SESSION_KINDS: ReadonlySet<PrincipalKind> = new Set(['assumedRole', 'federatedUser']);

export function authorize(request: AuthorizationRequest, sets: PolicySets): Decision {
  const req = prepareRequest(request.principal, request.action, request.resource, request.context);
  return authorizePrepared(req, sets);
}

/** `sts:GetCallerIdentity` needs no permission and cannot be denied (STS API reference). */
const ALWAYS_ALLOWED = new Set(['sts:getcalleridentity']);

export function authorizePrepared(req: PreparedRequest, sets: PolicySets): Decision {
  if (ALWAYS_ALLOWED.has(req.actionLower)) {
    return {
      decision: 'allowed',
      matchedStatements: [],
      reasons: [{ policyType: 'identity', result: 'notRequired', statements: [], detail: `${req.action} needs no permission and cannot be denied` }],
      deniedBy: undefined,
    };
  }
  const p = req.principal;
  const awsPrincipal = AWS_PRINCIPALS.has(p.kind);
  const hasBoundary = sets.boundary !== undefined;
  const scp = awsPrincipal ? (sets.scp ?? []).map((s) => evaluateSet(s, req)) : [];
  const resource = evaluateSet(sets.resource, req, { principalHasBoundary: hasBoundary });
  const identity = awsPrincipal ? evaluateSet(sets.identity, req) : undefined;
  const boundary = awsPrincipal && sets.boundary ? evaluateSet(sets.boundary, req) : undefined;
  const sessionApplies = SESSION_KINDS.has(p.kind);
  const session = sessionApplies && sets.session ? evaluateSet(sets.session, req) : undefined;

  const reasons: TypeReason[] = [];
  const result = (type: PolicyType, ev: SetEvaluation, allowed: boolean, detail: string): void => {
    reasons.push({
      policyType: type,
      result: ev.denies.length ? 'explicitDeny' : allowed ? 'allowed' : 'implicitDeny',
      statements: refs(type, ev.denies.length ? ev.denies : ev.allows),
      detail,
    });
  };

  // 1. Explicit deny anywhere (in AWS's order of policy types, for the message).
  let denyRefs: StatementRef[] | undefined;
  let firstDeny: PolicyType | undefined;
  const collectDenies = (type: PolicyType, ev: SetEvaluation | undefined): void => {
    if (!ev || ev.denies.length === 0) return;
    firstDeny ??= type;
    for (const m of ev.denies) (denyRefs ??= []).push(ref(type, m));
  };
  for (const e of scp) collectDenies('scp', e);
  collectDenies('resource', resource);
  collectDenies('identity', identity);
  collectDenies('boundary', boundary);
  collectDenies('session', session);

  // 2-4. Allow paths.
  let scpOk = true;
  for (const e of scp) if (e.allows.length === 0) scpOk = false;
  const resourceAccount = sets.resourceAccount ?? accountOfResource(req.resource) ?? p.account;
  const sameAccount = p.account !== undefined && p.account === resourceAccount;
  const grant = strongestGrant(resource.allows);
  // The root user has every permission of its account; across accounts the resource side decides.
  const identityOk = p.kind === 'root' || (identity?.allows.length ?? 0) > 0;
  const boundaryOk = !boundary || boundary.allows.length > 0;
  // A federated user session without session policies has no permissions (GetFederationToken).
  const sessionOk = !sessionApplies || (session ? session.allows.length > 0 : p.kind === 'assumedRole');
  const callerSideOk = identityOk && boundaryOk && sessionOk;

  let allowed: boolean;
  let deniedBy: PolicyType | undefined;
  let used: StatementRef[] = [];
  const scpRefs = (): StatementRef[] => {
    const out: StatementRef[] = [];
    for (const e of scp) for (const m of e.allows) out.push(ref('scp', m));
    return out;
  };
  const limits = (): StatementRef[] => [...refs('boundary', boundary?.allows ?? []), ...refs('session', session?.allows ?? [])];
  if (!awsPrincipal) {
    allowed = grant !== 'none';
    deniedBy = allowed ? undefined : 'resource';
    used = refs('resource', resource.allows);
  } else if (!scpOk) {
    allowed = false;
    deniedBy = 'scp';
  } else if (sets.resourcePolicyRequired && grant === 'none') {
    allowed = false;
    deniedBy = 'resource';
  } else if (sameAccount && grant === 'direct') {
    allowed = true;
    used = [...scpRefs(), ...refs('resource', resource.allows.filter((m) => m.principalMatch === 'exact' || m.principalMatch === 'everyone'))];
  } else if (sameAccount && grant === 'role' && boundaryOk && sessionOk) {
    allowed = true;
    used = [...scpRefs(), ...refs('resource', resource.allows.filter((m) => m.principalMatch === 'role')), ...limits()];
  } else if (!sameAccount && grant === 'none') {
    allowed = false;
    deniedBy = 'resource';
  } else {
    allowed = callerSideOk;
    deniedBy = allowed ? undefined : !identityOk ? 'identity' : !boundaryOk ? 'boundary' : 'session';
    if (allowed) used = [...scpRefs(), ...refs('resource', resource.allows), ...refs('identity', identity?.allows ?? []), ...limits()];
  }

  // Reasons, one per policy type that took part.
  scp.forEach((e, level) => result('scp', e, e.allows.length > 0, e.allows.length ? `SCP level ${level + 1} allows` : `no statement in SCP level ${level + 1} allows the action`));
  if (sets.resource) result('resource', resource, grant !== 'none', resourceDetail(grant, sameAccount));
  if (identity) {
    const detail = p.kind === 'root' ? 'the account root user needs no identity-based policy' : identity.allows.length ? 'an identity-based policy allows' : 'no identity-based policy allows the action';
    result('identity', identity, identityOk, detail);
  }
  if (boundary) result('boundary', boundary, boundaryOk, boundaryOk ? 'the permissions boundary allows' : 'the permissions boundary does not allow the action');
  if (sessionApplies && (session || p.kind === 'federatedUser')) {
    result('session', session ?? { allows: [], denies: [] }, sessionOk, session ? (sessionOk ? 'a session policy allows' : 'no session policy allows the action') : 'a federated user session without session policies has no permissions');
  }

  if (denyRefs) return { decision: 'explicitDeny', matchedStatements: denyRefs, reasons, deniedBy: firstDeny };
  if (!allowed) return { decision: 'implicitDeny', matchedStatements: [], reasons, deniedBy };
  return { decision: 'allowed', matchedStatements: used, reasons, deniedBy: undefined };
}

type Grant = 'none' | 'account' | 'role' | 'direct';

function strongestGrant(allows: readonly StatementMatch[]): Grant {
  let g: Grant = 'none';
  for (const m of allows) {
    if (m.principalMatch === 'exact' || m.principalMatch === 'everyone') return 'direct';
    if (m.principalMatch === 'role') g = 'role';
    else if (m.principalMatch === 'account' && g === 'none') g = 'account';
  }
  return g;
}

function resourceDetail(grant: Grant, sameAccount: boolean): string {
  switch (grant) {
    case 'none':
      return 'no resource-based policy statement allows this principal';
    case 'account':
      return 'the resource-based policy names the account, which delegates to identity-based policies';
    case 'role':
      return sameAccount ? 'the resource-based policy names the role: allowed within its permissions boundary and session policies' : 'the resource-based policy allows this role';
    case 'direct':
      return sameAccount ? 'the resource-based policy names this principal, which grants access in the same account' : 'the resource-based policy allows this principal';
  }
}

function accountOfResource(resource: string): string | undefined {
  const a = parseArn(resource);
  return a && a.account !== '' ? a.account : undefined;
}

function ref(policyType: PolicyType, m: StatementMatch): StatementRef {
  const st = m.statement;
  return { policyType, policyId: st.policy.id, statementIndex: st.statement.index, sid: st.statement.sid, effect: st.effect };
}

function refs(policyType: PolicyType, ms: readonly StatementMatch[]): StatementRef[] {
  return ms.map((m) => ref(policyType, m));
}
