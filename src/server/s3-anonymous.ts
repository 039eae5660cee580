import type { RequestFacts } from '../iam/authorizer.js';
import { RequestContext, authorizePrepared, prepareRequest, type PolicySet, type RequestPrincipal } from '../policy/index.js';
import type { ContextEntry } from '../services/s3/model.js';
import type { ServiceContext } from './service-context.js';

/**
 * Requests without any signature are made by the anonymous principal. No identity-based policy
 * applies to it, so only a resource-based policy (a bucket policy granting `"Principal": "*"`)
 * can allow it ("Policy evaluation logic"; the engine's non-AWS-principal path). The decision is
 * recorded like every other, with `anonymous` as the principal.
 */
const ANONYMOUS: RequestPrincipal = { kind: 'anonymous', id: '*', account: undefined, roleArn: undefined, sessionName: undefined };

export interface AnonymousCall {
  readonly requestId: string;
  readonly facts: RequestFacts;
  readonly action: string;
  readonly resource: string;
  readonly resourcePolicy: PolicySet | undefined;
  readonly context: readonly ContextEntry[];
}

export function authorizeAnonymous(ctx: ServiceContext, call: AnonymousCall): 'allowed' | 'denied' {
  const now = ctx.now();
  const context = new RequestContext();
  context.set('aws:CurrentTime', [now.toISOString().replace(/\.\d{3}Z$/, 'Z')], 'date');
  context.set('aws:EpochTime', [String(Math.floor(now.getTime() / 1000))], 'date');
  context.set('aws:SecureTransport', [String(call.facts.secureTransport ?? false)], 'boolean');
  if (call.facts.sourceIp) context.set('aws:SourceIp', [call.facts.sourceIp], 'ip');
  if (call.facts.region) context.set('aws:RequestedRegion', [call.facts.region]);
  if (call.facts.userAgent) context.set('aws:UserAgent', [call.facts.userAgent]);
  for (const e of call.context) context.set(e.key, e.values, e.type);
  const decision = authorizePrepared(prepareRequest(ANONYMOUS, call.action, call.resource, context), { resource: call.resourcePolicy, resourceAccount: ctx.account });
  const allowed = decision.decision === 'allowed';
  ctx.decisions.record({
    requestId: call.requestId,
    time: now.toISOString(),
    principal: 'anonymous',
    action: call.action,
    resource: call.resource,
    decision: decision.decision,
    deniedBy: decision.deniedBy,
    statements: decision.matchedStatements.map((s) => ({ policy: s.policyId, policyType: s.policyType, sid: s.sid, index: s.statementIndex })),
    reasons: decision.reasons.map((r) => ({ policyType: r.policyType, result: r.result, detail: r.detail })),
    message: allowed ? undefined : 'Access Denied',
  });
  return allowed ? 'allowed' : 'denied';
}
