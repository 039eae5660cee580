import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../aws/error.js';
import type { Authorizer, AuthzOutcome, Caller, RequestFacts } from '../iam/authorizer.js';
import type { IamEnv } from '../iam/env.js';
import type { ContextType, PolicySet } from '../policy/index.js';
import type { Store } from '../store/store.js';
import { AuthFailure, type SignedRequest } from '../wire/sigv4.js';
import { authenticate, type CredentialResolver } from './auth.js';
import type { DecisionEntry, DecisionLog } from './decision-log.js';
import type { Logger } from './log.js';

/**
 * What every AWS service endpoint on the one listener gets: the account and region, the store and
 * IAM environment (clock, randomness, sealer for secrets at rest), authentication, and
 * authorization that records each decision in the decision log.
 */
export interface ServiceContext {
  readonly account: string;
  readonly region: string;
  readonly env: IamEnv;
  readonly store: Store;
  readonly authorizer: Authorizer;
  readonly credentials: CredentialResolver;
  readonly decisions: DecisionLog;
  readonly dataDir: string;
  readonly now: () => Date;
  readonly log: Logger;
}

/** One request on the AWS endpoint, before its body is read (S3 streams it). */
export interface AwsRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Path as received, percent-encoding intact, without the query. */
  readonly rawPath: string;
  /** Query string as received, without `?`. */
  readonly rawQuery: string;
  readonly facts: RequestFacts;
}

export type AwsServiceHandler = (r: AwsRequest) => Promise<void>;

export interface AuthorizeCall {
  readonly requestId: string;
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  readonly facts: RequestFacts;
  readonly resourcePolicy?: PolicySet | undefined;
  readonly resourceAccount?: string | undefined;
  readonly context?: Iterable<{ key: string; values: string[]; type?: ContextType }>;
  /** How the resource appears in the denial message, when the service shows it differently (S3 quotes it; Secrets Manager shows the id as given). */
  readonly shownResource?: string;
}

/** Authorizes one action and records the decision; the caller turns a denial into its protocol's error. */
export async function authorizeCall(ctx: ServiceContext, call: AuthorizeCall): Promise<AuthzOutcome> {
  const out = await ctx.authorizer.authorize(call.caller, call.action, call.resource, call.facts, {
    resourcePolicy: call.resourcePolicy,
    resourceAccount: call.resourceAccount,
    context: call.context,
  });
  let message = out.message;
  if (message !== undefined && call.shownResource !== undefined && call.resource !== '*') {
    message = message.replace(` on resource: ${call.resource}`, ` on resource: ${call.shownResource}`);
  }
  ctx.decisions.record(decisionEntry(ctx, call, out, message));
  return { decision: out.decision, message };
}

function decisionEntry(ctx: ServiceContext, call: AuthorizeCall, out: AuthzOutcome, message: string | undefined): DecisionEntry {
  const d = out.decision;
  return {
    requestId: call.requestId,
    time: ctx.now().toISOString(),
    principal: call.caller.arn,
    action: call.action,
    resource: call.resource,
    decision: d.decision,
    deniedBy: d.deniedBy,
    statements: d.matchedStatements.map((s) => ({ policy: s.policyId, policyType: s.policyType, sid: s.sid, index: s.statementIndex })),
    // Why each policy type allowed or not matters for denials; an allow is explained by its statements.
    reasons: d.decision === 'allowed' ? [] : d.reasons.map((r) => ({ policyType: r.policyType, result: r.result, detail: r.detail })),
    message,
  };
}

/**
 * Authenticates with SigV4; AuthFailure is mapped to the protocol's error by `mapAuthError`.
 * `maxSkewMs`: the service's clock-skew allowance (15 minutes unless it allows less).
 */
export async function authenticateOr(
  ctx: ServiceContext,
  signed: SignedRequest,
  mapAuthError: (e: AuthFailure) => AwsError,
  options: { readonly maxSkewMs?: number } = {},
): Promise<{ caller: Caller; region: string }> {
  try {
    return await authenticate(ctx.credentials, signed, ctx.now(), options);
  } catch (e) {
    if (e instanceof AuthFailure) throw mapAuthError(e);
    throw e;
  }
}

/** Facts every request carries (for aws:SourceIp, aws:SecureTransport, aws:UserAgent). */
export function requestFacts(req: IncomingMessage): RequestFacts {
  return {
    sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    secureTransport: false,
    userAgent: String(req.headers['user-agent'] ?? ''),
  };
}
