import type { PolicyType } from './authorize.js';
import { actionSpecMatches, type CompiledStatement, type PreparedRequest } from './compile.js';
import { conditionHolds } from './conditions/condition.js';
import type { Effect } from './document.js';
import type { PolicySet } from './policy-set.js';
import { matchPrincipal, notPrincipalExempts, type PrincipalMatch } from './principal.js';

/**
 * A full account of why each statement did or did not apply to a request: every element is
 * evaluated (no short-circuit), so a user can see all that stood in the way. For `--explain` and
 * the explainer; decisions themselves come from `authorize`, which stops early.
 */
export interface ConditionTrace {
  readonly operator: string;
  readonly key: string;
  readonly policyValues: readonly string[];
  /** The request's values for the key, or undefined when absent. */
  readonly requestValues: readonly string[] | undefined;
  readonly holds: boolean;
}

export interface StatementTrace {
  readonly policyType: PolicyType;
  readonly policyId: string;
  readonly statementIndex: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly applies: boolean;
  readonly action: { readonly element: 'Action' | 'NotAction'; readonly patterns: readonly string[]; readonly matched: boolean };
  readonly principal?: { readonly element: 'Principal' | 'NotPrincipal'; readonly matched: boolean; readonly how: PrincipalMatch };
  readonly resource: { readonly element: 'Resource' | 'NotResource'; readonly patterns: readonly string[]; readonly matched: boolean };
  readonly conditions: readonly ConditionTrace[];
  /** A note on why the statement cannot apply, when the engine can tell (e.g. a resource type mismatch). */
  readonly hint?: string;
}

export function traceStatement(type: PolicyType, st: CompiledStatement, req: PreparedRequest, principalHasBoundary = false): StatementTrace {
  const s = st.statement;
  const actionMatched = actionSpecMatches(st.actions, req.actionLower) !== st.actionsNegated;
  let principal: StatementTrace['principal'];
  if (st.principal) {
    const how = matchPrincipal(st.principal, req.principal);
    principal = { element: 'Principal', matched: how !== 'none', how };
  } else if (st.notPrincipal) {
    const applies = (st.effect === 'Deny' && principalHasBoundary) || !notPrincipalExempts(st.notPrincipal, req.principal);
    principal = { element: 'NotPrincipal', matched: applies, how: applies ? 'everyone' : 'none' };
  }
  const resourceMatched = st.resourceMatches(req);
  const conditions = st.conditions.map((c): ConditionTrace => {
    const v = req.context.get(c.keyLower);
    return {
      operator: c.entry.operator,
      key: c.entry.key,
      policyValues: c.entry.values,
      requestValues: v?.values,
      holds: conditionHolds(c, req.context),
    };
  });
  return {
    policyType: type,
    policyId: st.policy.id,
    statementIndex: s.index,
    sid: s.sid,
    effect: st.effect,
    applies: actionMatched && (principal?.matched ?? true) && resourceMatched && conditions.every((c) => c.holds),
    action: { element: s.action ? 'Action' : 'NotAction', patterns: s.action ?? s.notAction ?? [], matched: actionMatched },
    ...(principal ? { principal } : {}),
    resource: { element: s.notResource ? 'NotResource' : 'Resource', patterns: s.resource ?? s.notResource ?? ['*'], matched: resourceMatched },
    conditions,
  };
}

export function traceSet(type: PolicyType, set: PolicySet | undefined, req: PreparedRequest, principalHasBoundary = false): StatementTrace[] {
  if (!set) return [];
  return set.policies.flatMap((p) => p.statements.map((st) => traceStatement(type, st, req, principalHasBoundary)));
}
