import {
  PolicySet,
  RequestContext,
  accessDeniedMessage,
  authorizePrepared,
  prepareRequest,
  type ContextType,
  type Decision,
  type PolicySets,
  type RequestPrincipal,
} from '../policy/index.js';
import type { IamEnv } from './env.js';
import type { PolicyCache } from './principal-policies.js';

/**
 * Who an authenticated request comes from, and how every service authorizes it: the caller's
 * identity policies, permissions boundary and session policies, plus an optional resource-based
 * policy, evaluated by the policy engine with the context keys AWS provides
 * ("AWS global condition context keys").
 */
export type Caller =
  | {
      readonly kind: 'user';
      readonly account: string;
      readonly arn: string;
      readonly userId: string;
      readonly userName: string;
      readonly accessKeyId: string;
    }
  | {
      readonly kind: 'session';
      readonly account: string;
      /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` */
      readonly arn: string;
      readonly roleArn: string;
      readonly roleName: string;
      readonly roleId: string;
      readonly sessionName: string;
      readonly accessKeyId: string;
      readonly sessionPolicies: readonly string[] | undefined;
      readonly tags: readonly (readonly [string, string])[];
      readonly issuedAt: Date;
      readonly federatedProvider: string | undefined;
      readonly sourceIdentity: string | undefined;
      readonly chained: boolean;
    };

export interface RequestFacts {
  readonly sourceIp?: string | undefined;
  readonly secureTransport?: boolean | undefined;
  readonly region?: string | undefined;
  readonly userAgent?: string | undefined;
}

export interface AuthzOutcome {
  readonly decision: Decision;
  /** AWS's AccessDenied message when denied. */
  readonly message: string | undefined;
}

export class Authorizer {
  constructor(
    private readonly env: IamEnv,
    private readonly cache: PolicyCache,
  ) {}

  principalOf(c: Caller): RequestPrincipal {
    if (c.kind === 'user') return { kind: 'user', id: c.arn, account: c.account, roleArn: undefined, sessionName: undefined };
    return { kind: 'assumedRole', id: c.arn, account: c.account, roleArn: c.roleArn, sessionName: c.sessionName };
  }

  /** The request context every call carries, plus the caller's keys. */
  context(c: Caller, facts: RequestFacts, extra?: Iterable<{ key: string; values: string[]; type?: ContextType }>): RequestContext {
    const ctx = new RequestContext([], this.callerContext(c));
    const [iso, epoch] = this.clockKeys();
    ctx.set('aws:CurrentTime', [iso], 'date');
    ctx.set('aws:EpochTime', [epoch], 'date');
    ctx.set('aws:SecureTransport', [facts.secureTransport ? 'true' : 'false'], 'boolean');
    if (facts.sourceIp) ctx.set('aws:SourceIp', [facts.sourceIp], 'ip');
    if (facts.region) ctx.set('aws:RequestedRegion', [facts.region]);
    if (facts.userAgent) ctx.set('aws:UserAgent', [facts.userAgent]);
    for (const e of extra ?? []) ctx.set(e.key, e.values, e.type);
    return ctx;
  }

  private readonly callerContexts = new WeakMap<Caller, RequestContext>();
  private clock: { second: number; keys: [string, string] } = { second: Number.NaN, keys: ['', ''] };

  /** aws:CurrentTime and aws:EpochTime; both have one-second resolution, so they change once a second. */
  private clockKeys(): [string, string] {
    const ms = this.env.now().getTime();
    const second = Math.floor(ms / 1000);
    if (second !== this.clock.second) {
      this.clock = { second, keys: [new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), String(second)] };
    }
    return this.clock.keys;
  }

  /** The keys that depend only on the caller, built once per caller object (callers are cached per key and per session token). */
  private callerContext(c: Caller): RequestContext {
    const hit = this.callerContexts.get(c);
    if (hit) return hit;
    const ctx = new RequestContext();
    ctx.set('aws:PrincipalAccount', [c.account]);
    if (c.kind === 'user') {
      ctx.set('aws:PrincipalArn', [c.arn]);
      ctx.set('aws:PrincipalType', ['User']);
      ctx.set('aws:username', [c.userName]);
      ctx.set('aws:userid', [c.userId]);
      ctx.set('aws:MultiFactorAuthPresent', ['false'], 'boolean');
    } else {
      ctx.set('aws:PrincipalArn', [c.roleArn]);
      ctx.set('aws:PrincipalType', ['AssumedRole']);
      ctx.set('aws:userid', [`${c.roleId}:${c.sessionName}`]);
      ctx.set('aws:TokenIssueTime', [c.issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')], 'date');
      if (c.federatedProvider) ctx.set('aws:FederatedProvider', [c.federatedProvider]);
      if (c.sourceIdentity) ctx.set('aws:SourceIdentity', [c.sourceIdentity]);
      if (c.tags.length) ctx.set('aws:PrincipalTagKeys', c.tags.map(([k]) => k), 'stringList');
      for (const [k, v] of c.tags) ctx.set(`aws:PrincipalTag/${k}`, [v]);
    }
    this.callerContexts.set(c, ctx);
    return ctx;
  }

  /** The caller's identity-side policy sets (identity, boundary, session). */
  async callerSets(c: Caller): Promise<Pick<PolicySets, 'identity' | 'boundary' | 'session'>> {
    const loaded = c.kind === 'user' ? await this.cache.forEntity('user', c.account, c.userName) : await this.cache.forEntity('role', c.account, c.roleName);
    const session =
      c.kind === 'session' && c.sessionPolicies ? new PolicySet(c.sessionPolicies.map((text, i) => this.cache.compile(`session-policy-${i + 1}`, text, 'session'))) : undefined;
    // A principal whose entity is gone has no permissions left.
    return { identity: loaded?.identity ?? new PolicySet([]), boundary: loaded?.boundary, session };
  }

  async authorize(
    c: Caller,
    action: string,
    resource: string,
    facts: RequestFacts,
    options: { resourcePolicy?: PolicySet; resourceAccount?: string; resourcePolicyRequired?: boolean; context?: Iterable<{ key: string; values: string[]; type?: ContextType }> } = {},
  ): Promise<AuthzOutcome> {
    const sets = await this.callerSets(c);
    const req = prepareRequest(this.principalOf(c), action, resource, this.context(c, facts, options.context));
    const decision = authorizePrepared(req, {
      ...sets,
      resource: options.resourcePolicy,
      resourceAccount: options.resourceAccount,
      resourcePolicyRequired: options.resourcePolicyRequired,
    });
    return { decision, message: decision.decision === 'allowed' ? undefined : accessDeniedMessage(c.arn, action, resource, decision) };
  }
}
