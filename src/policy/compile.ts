import { splitArn } from '../arn/arn.js';
import { compileCondition, type CompiledCondition } from './conditions/condition.js';
import type { Effect, PolicyDocument, PolicyKind, PrincipalElement, Statement } from './document.js';
import type { RequestPrincipal } from './principal.js';
import type { RequestContext } from './context.js';
import { parseTemplate, renderTemplateTokens, type TemplatePart } from './variables.js';
import { compileGlob, hasWildcard, matchTokens, type Matcher } from './wildcard.js';

/**
 * Compiling turns a validated document into matchers once, so that evaluating a request never
 * re-reads JSON or rebuilds a pattern. Only patterns that hold policy variables are completed per
 * request, and only their variable parts.
 */

/** A request ready for matching: names lowercased and the resource split once. */
export interface PreparedRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly actionLower: string;
  readonly resource: string;
  /** ARN segments, the first five lowercased; undefined when the resource is not an ARN. */
  readonly resourceSegments: readonly string[] | undefined;
  readonly context: RequestContext;
}

export function prepareRequest(principal: RequestPrincipal, action: string, resource: string, context: RequestContext): PreparedRequest {
  const segs = splitArn(resource);
  return {
    principal,
    action,
    actionLower: action.toLowerCase(),
    resource,
    resourceSegments: segs && [segs[0].toLowerCase(), segs[1].toLowerCase(), segs[2].toLowerCase(), segs[3].toLowerCase(), segs[4].toLowerCase(), segs[5]],
    context,
  };
}

/** Action patterns of one statement, split for the action index. */
export interface ActionSpec {
  /** Lowercased names without wildcards. */
  readonly exact: readonly string[];
  /** Wildcard patterns, keyed by their (lowercased) service when it has no wildcard. */
  readonly wildcards: readonly { readonly service: string | undefined; readonly match: Matcher }[];
}

export interface CompiledStatement {
  readonly policy: CompiledPolicy;
  readonly statement: Statement;
  readonly effect: Effect;
  /** Action or NotAction patterns; `negated` for NotAction. */
  readonly actions: ActionSpec;
  readonly actionsNegated: boolean;
  readonly principal: PrincipalElement | undefined;
  readonly notPrincipal: PrincipalElement | undefined;
  readonly resourceMatches: (req: PreparedRequest) => boolean;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  /** How reasons and messages name this policy (a name or ARN). */
  readonly id: string;
  readonly kind: PolicyKind;
  readonly document: PolicyDocument;
  readonly statements: readonly CompiledStatement[];
}

export function compilePolicy(document: PolicyDocument, kind: PolicyKind, id: string): CompiledPolicy {
  const statements: CompiledStatement[] = [];
  const policy: CompiledPolicy = { id, kind, document, statements };
  // Variables are substituted only under 2012-10-17 ("IAM JSON policy elements: Version").
  const variables = document.version === '2012-10-17';
  for (const st of document.statements) statements.push(compileStatement(policy, st, variables));
  return policy;
}

function compileStatement(policy: CompiledPolicy, st: Statement, variables: boolean): CompiledStatement {
  const actionsNegated = st.action === undefined;
  const resources = st.resource ?? st.notResource;
  const anyResource = compileResources(resources ?? ['*'], variables);
  const resourceMatches =
    st.notResource !== undefined ? (req: PreparedRequest) => !anyResource(req) : anyResource;
  return {
    policy,
    statement: st,
    effect: st.effect,
    actions: compileActions(st.action ?? st.notAction ?? []),
    actionsNegated,
    principal: st.principal,
    notPrincipal: st.notPrincipal,
    resourceMatches,
    conditions: st.conditions.map((c) => compileCondition(c, variables)),
  };
}

export function compileActions(patterns: readonly string[]): ActionSpec {
  const exact: string[] = [];
  const wildcards: { service: string | undefined; match: Matcher }[] = [];
  for (const p of patterns) {
    const lower = p.toLowerCase();
    if (!hasWildcard(lower)) {
      exact.push(lower);
      continue;
    }
    const colon = lower.indexOf(':');
    const service = colon > 0 && !hasWildcard(lower.slice(0, colon)) ? lower.slice(0, colon) : undefined;
    wildcards.push({ service, match: compileGlob(lower) });
  }
  return { exact, wildcards };
}

export function actionSpecMatches(spec: ActionSpec, actionLower: string): boolean {
  if (spec.exact.includes(actionLower)) return true;
  for (const w of spec.wildcards) if (w.match(actionLower)) return true;
  return false;
}

type ResourceMatcher = (req: PreparedRequest) => boolean;

/** True when any pattern matches the request's resource. */
function compileResources(patterns: readonly string[], variables: boolean): ResourceMatcher {
  const matchers = patterns.map((p) => compileResource(p, variables));
  if (matchers.length === 1) return matchers[0] as ResourceMatcher;
  return (req) => {
    for (const m of matchers) if (m(req)) return true;
    return false;
  };
}

/**
 * One Resource pattern. ARNs match segment by segment ("IAM JSON policy elements: Resource");
 * partition, service, region and account compare case-insensitively, the resource part exactly.
 * Segments a short pattern leaves out are read as `*`, as IAM reads them. Policy variables are
 * allowed only in the resource part; a variable without a value makes the pattern match nothing.
 */
function compileResource(pattern: string, variables: boolean): ResourceMatcher {
  if (pattern === '*') return () => true;
  const whole = compileGlob(pattern);
  const segs = splitArn(pattern) ?? padSegments(pattern);
  if (!segs) return (req) => whole(req.resource);
  const head = segs.slice(0, 5).map((s) => compileGlob(s.toLowerCase()));
  const idText = segs[5] as string;
  const template: TemplatePart[] | undefined = variables ? parseTemplate(idText) : undefined;
  const id: Matcher | undefined = template ? undefined : compileGlob(idText);
  return (req) => {
    const r = req.resourceSegments;
    if (!r) return whole(req.resource);
    for (let k = 0; k < 5; k++) if (!(head[k] as Matcher)(r[k] as string)) return false;
    if (id) return id(r[5] as string);
    const tokens = renderTemplateTokens(template as TemplatePart[], req.context);
    return tokens !== undefined && matchTokens(tokens, r[5] as string);
  };
}

/** `arn:aws:s3` → `arn:aws:s3:*:*:*`; undefined when the pattern is not ARN-like at all. */
function padSegments(pattern: string): string[] | undefined {
  if (!pattern.toLowerCase().startsWith('arn:')) return undefined;
  const parts = pattern.split(':');
  while (parts.length < 6) parts.push('*');
  return parts;
}

