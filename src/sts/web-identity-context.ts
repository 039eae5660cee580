import {
  RequestContext,
  authorizePrepared,
  prepareRequest,
  type ContextType,
  type Decision,
  type PolicySet,
  type PreparedRequest,
  type RequestPrincipal,
} from '../policy/index.js';

/**
 * The request AssumeRoleWithWebIdentity authorizes against the role's trust policy, built in one
 * place so that STS (src/sts/operations.ts) and the explainer (src/explain/trust.ts) decide the
 * same question. Pure: the token has already been verified (or, for the explainer, its claims are
 * given), and the provider has already been found by the token's issuer.
 *
 * Condition keys ("Available keys for IAM and AWS STS", reference_policies_iam-condition-keys.html):
 * `<provider url>:aud`, `:sub`, `:azp`, `:amr` (multivalued when the claim is a list),
 * `aws:FederatedProvider`, `sts:RoleSessionName`, session tags (`aws:TagKeys`,
 * `aws:RequestTag/K`) and `sts:SourceIdentity`.
 */
export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

export interface WebIdentityRequestInput {
  /** The IAM OIDC provider the token's issuer maps to: its ARN… */
  readonly providerArn: string;
  /** …and its URL as IAM keys it (the issuer without `https://`). */
  readonly providerUrl: string;
  /** The token audience STS picked: the first `aud` that is one of the provider's client ids. */
  readonly audience: string;
  readonly subject: string;
  /** The token's claims; `azp` (a string) and `amr` (a string or a list) become condition keys. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** STS requires one; the explainer may not know it (the SDK picks it), and then leaves the key out. */
  readonly roleSessionName: string | undefined;
  /** Session tags from the token's `https://aws.amazon.com/tags` claim. */
  readonly tags?: readonly (readonly [string, string])[];
  readonly sourceIdentity?: string | undefined;
}

export interface WebIdentityRequest {
  readonly principal: RequestPrincipal;
  readonly context: RequestContext;
  /** Every action the trust policy must allow, in the order STS checks them. */
  readonly actions: readonly string[];
}

/** `aws:TagKeys` and `aws:RequestTag/K` for session tags (id_session-tags.html). */
export function sessionTagContext(tags: readonly (readonly [string, string])[]): { key: string; values: string[]; type?: ContextType }[] {
  if (!tags.length) return [];
  return [{ key: 'aws:TagKeys', values: tags.map(([k]) => k), type: 'stringList' }, ...tags.map(([k, v]) => ({ key: `aws:RequestTag/${k}`, values: [v] }))];
}

export function webIdentityRequest(input: WebIdentityRequestInput): WebIdentityRequest {
  const prefix = input.providerUrl;
  const ctx = new RequestContext()
    .set(`${prefix}:aud`, [input.audience])
    .set(`${prefix}:sub`, [input.subject])
    .set('aws:FederatedProvider', [input.providerArn]);
  if (input.roleSessionName !== undefined) ctx.set('sts:RoleSessionName', [input.roleSessionName]);
  const azp = input.claims['azp'];
  if (typeof azp === 'string') ctx.set(`${prefix}:azp`, [azp]);
  const amr = input.claims['amr'];
  if (Array.isArray(amr)) ctx.set(`${prefix}:amr`, amr.map(String), 'stringList');
  else if (typeof amr === 'string') ctx.set(`${prefix}:amr`, [amr]);
  const tags = input.tags ?? [];
  for (const e of sessionTagContext(tags)) ctx.set(e.key, e.values, e.type);
  if (input.sourceIdentity !== undefined) ctx.set('sts:SourceIdentity', [input.sourceIdentity]);
  const principal: RequestPrincipal = { kind: 'webIdentity', id: input.providerArn, account: undefined, roleArn: undefined, sessionName: undefined };
  const actions = [WEB_IDENTITY_ACTION, ...(tags.length ? ['sts:TagSession'] : []), ...(input.sourceIdentity !== undefined ? ['sts:SetSourceIdentity'] : [])];
  return { principal, context: ctx, actions };
}

export interface WebIdentityActionDecision {
  readonly action: string;
  readonly request: PreparedRequest;
  readonly decision: Decision;
}

/**
 * The trust policy's decision, action by action as STS checks them, stopping at the first that is
 * not allowed (STS then answers AccessDenied). `allowed` only when every action is.
 */
export function authorizeWebIdentity(
  request: WebIdentityRequest,
  roleArn: string,
  roleAccount: string,
  trust: PolicySet,
): { readonly allowed: boolean; readonly decisions: readonly WebIdentityActionDecision[] } {
  const decisions: WebIdentityActionDecision[] = [];
  for (const action of request.actions) {
    const prepared = prepareRequest(request.principal, action, roleArn, request.context);
    const decision = authorizePrepared(prepared, { resource: trust, resourceAccount: roleAccount, resourcePolicyRequired: true });
    decisions.push({ action, request: prepared, decision });
    if (decision.decision !== 'allowed') return { allowed: false, decisions };
  }
  return { allowed: true, decisions };
}
