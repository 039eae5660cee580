import { actionSpecMatches, type CompiledPolicy, type CompiledStatement, type PreparedRequest } from './compile.js';
import { conditionHolds } from './conditions/condition.js';
import { matchPrincipal, notPrincipalExempts, type PrincipalMatch } from './principal.js';

/**
 * The policies of one type (identity, boundary, session, resource, one SCP level), indexed by
 * action so that a decision only looks at statements whose Action can match: exact names in a
 * map, wildcard patterns under their service, and only patterns with a wildcard service or a
 * NotAction checked for every action. Candidate lists are cached per action.
 */
export class PolicySet {
  readonly policies: readonly CompiledPolicy[];
  private readonly exact = new Map<string, CompiledStatement[]>();
  private readonly byService = new Map<string, CompiledStatement[]>();
  private readonly everyAction: CompiledStatement[] = [];
  private readonly cache = new Map<string, readonly CompiledStatement[]>();
  /** Statement position across the set, to report matches in document order. */
  private readonly order = new Map<CompiledStatement, number>();

  constructor(policies: readonly CompiledPolicy[]) {
    this.policies = policies;
    let n = 0;
    for (const p of policies) {
      for (const st of p.statements) {
        this.order.set(st, n++);
        if (st.actionsNegated) {
          this.everyAction.push(st);
          continue;
        }
        for (const a of new Set(st.actions.exact)) push(this.exact, a, st);
        for (const w of st.actions.wildcards) {
          if (w.service === undefined) this.everyAction.push(st);
          else push(this.byService, w.service, st);
        }
      }
    }
  }

  /** Statements whose Action/NotAction matches, in document order. */
  candidates(actionLower: string): readonly CompiledStatement[] {
    const hit = this.cache.get(actionLower);
    if (hit) return hit;
    const found = new Set<CompiledStatement>(this.exact.get(actionLower));
    const colon = actionLower.indexOf(':');
    const service = colon > 0 ? actionLower.slice(0, colon) : actionLower;
    for (const st of this.byService.get(service) ?? []) if (actionSpecMatches(st.actions, actionLower)) found.add(st);
    for (const st of this.everyAction) {
      if (actionSpecMatches(st.actions, actionLower) !== st.actionsNegated) found.add(st);
    }
    const list = [...found].sort((a, b) => (this.order.get(a) as number) - (this.order.get(b) as number));
    // Bounded: a client sending endless distinct action names must not grow memory.
    if (this.cache.size >= 2048) this.cache.clear();
    this.cache.set(actionLower, list);
    return list;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) {
    if (!list.includes(v)) list.push(v);
  } else m.set(k, [v]);
}

export interface StatementMatch {
  readonly statement: CompiledStatement;
  /** For statements with Principal/NotPrincipal: how the caller was named. */
  readonly principalMatch: PrincipalMatch;
}

export interface SetEvaluation {
  readonly allows: readonly StatementMatch[];
  readonly denies: readonly StatementMatch[];
}

const EMPTY: SetEvaluation = { allows: [], denies: [] };

export interface EvaluateOptions {
  /** The caller has a permissions boundary: a Deny with NotPrincipal then always applies. */
  readonly principalHasBoundary?: boolean;
}

/** Every statement of `set` that applies to `req`, split by effect. */
export function evaluateSet(set: PolicySet | undefined, req: PreparedRequest, options: EvaluateOptions = {}): SetEvaluation {
  if (!set) return EMPTY;
  const candidates = set.candidates(req.actionLower);
  if (candidates.length === 0) return EMPTY;
  let allows: StatementMatch[] | undefined;
  let denies: StatementMatch[] | undefined;
  for (const st of candidates) {
    const principalMatch = principalOf(st, req, options);
    if (principalMatch === 'none') continue;
    if (!st.resourceMatches(req)) continue;
    if (!conditionsHold(st, req)) continue;
    const m: StatementMatch = { statement: st, principalMatch };
    if (st.effect === 'Deny') (denies ??= []).push(m);
    else (allows ??= []).push(m);
  }
  return { allows: allows ?? [], denies: denies ?? [] };
}

function principalOf(st: CompiledStatement, req: PreparedRequest, options: EvaluateOptions): PrincipalMatch {
  if (st.principal) return matchPrincipal(st.principal, req.principal);
  if (st.notPrincipal) {
    if (st.effect === 'Deny' && options.principalHasBoundary) return 'everyone';
    return notPrincipalExempts(st.notPrincipal, req.principal) ? 'none' : 'everyone';
  }
  // Identity-type policies apply to the principal they are attached to.
  return 'exact';
}

export function conditionsHold(st: CompiledStatement, req: PreparedRequest): boolean {
  for (const c of st.conditions) if (!conditionHolds(c, req.context)) return false;
  return true;
}
