import { AwsError } from '../aws/error.js';
import type { Authorizer, Caller, RequestFacts } from '../iam/authorizer.js';
import type { IamEnv } from '../iam/env.js';
import { defaultDocument } from '../iam/policies.js';
import type { PolicyCache } from '../iam/principal-policies.js';
import type { JwksClient } from '../oidc/jwks-client.js';
import { decodeWebIdentityToken } from '../oidc/token.js';
import { verifyWebIdentityToken } from '../oidc/verify.js';
import { PolicyError, validatePolicy } from '../policy/index.js';
import { cachedProviderByIssuer, cachedRole, trustPolicySet } from './lookups.js';
import type { SessionClaims, SessionSealer } from './session.js';
import { authorizeWebIdentity, sessionTagContext, webIdentityRequest } from './web-identity-context.js';

/**
 * STS: GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity with AWS's validation
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html and
 * ../shared/docs/aws-wire-facts.md §1). Inputs and outputs use STS's member names, camelCased.
 */
export interface StsDeps {
  readonly env: IamEnv;
  readonly account: string;
  readonly sealer: SessionSealer;
  readonly authorizer: Authorizer;
  readonly cache: PolicyCache;
  readonly jwks: JwksClient;
}

const stsError = {
  accessDenied: (message: string) => new AwsError('AccessDenied', message, 403),
  validation: (message: string) => new AwsError('ValidationError', message, 400),
  malformed: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  packedTooLarge: (percent: number) => new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${percent}% of allotted space, please use smaller policy for session.`, 400),
  invalidToken: (message: string) => new AwsError('InvalidIdentityToken', message, 400),
};

/** The plaintext limit for inline plus managed session policies (STS API reference). */
const SESSION_POLICY_LIMIT = 2048;
/** Role chaining limits a session to one hour ("Role chaining", id_roles_terms-and-concepts.html). */
const CHAINED_MAX = 3600;
const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

export function getCallerIdentity(caller: Caller): { userId: string; account: string; arn: string } {
  return caller.kind === 'user'
    ? { userId: caller.userId, account: caller.account, arn: caller.arn }
    : { userId: `${caller.roleId}:${caller.sessionName}`, account: caller.account, arn: caller.arn };
}

function parseRoleArn(arn: string): { account: string; name: string } {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/.exec(arn);
  if (!m) throw stsError.validation(`${arn} is invalid`);
  return { account: m[1] as string, name: m[2] as string };
}

async function sessionPolicies(deps: StsDeps, account: string, policy: string | undefined, policyArns: { arn?: string }[] | undefined): Promise<string[] | undefined> {
  const texts: string[] = [];
  if (policy !== undefined) {
    try {
      validatePolicy(policy, 'session', { sizeQuota: null, requireCurrentVersion: false });
    } catch (e) {
      if (e instanceof PolicyError) throw stsError.malformed(e.message);
      throw e;
    }
    texts.push(policy);
  }
  for (const { arn } of policyArns ?? []) {
    const found = arn ? await deps.env.store.read((t) => defaultDocument(t, arn)) : undefined;
    if (!found || !arn?.includes(`::${account}:`)) throw stsError.malformed(`The policy ${arn ?? ''} does not exist or is not attachable.`);
    texts.push(found.version.document);
  }
  if (!texts.length) return undefined;
  const plain = texts.reduce((n, t) => n + t.replace(/\s/g, '').length, 0);
  if (plain > SESSION_POLICY_LIMIT) throw stsError.packedTooLarge(Math.ceil((plain / SESSION_POLICY_LIMIT) * 100));
  return texts;
}

/** PackedPolicySize: the percentage of the packed limit used by session policies and tags. */
function packedSize(policies: readonly string[] | undefined, tags: readonly (readonly [string, string])[]): number | undefined {
  if (!policies && !tags.length) return undefined;
  const plain = (policies ?? []).reduce((n, t) => n + t.replace(/\s/g, '').length, 0) + tags.reduce((n, [k, v]) => n + k.length + v.length, 0);
  return Math.max(1, Math.ceil((plain / SESSION_POLICY_LIMIT) * 100 * 0.5));
}

function sessionResponse(account: string, roleName: string, roleId: string, sessionName: string, issued: ReturnType<SessionSealer['issue']>, packed: number | undefined) {
  return {
    credentials: issued.credentials,
    assumedRoleUser: { assumedRoleId: `${roleId}:${sessionName}`, arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}` },
    packedPolicySize: packed,
  };
}

export async function assumeRole(deps: StsDeps, caller: Caller, facts: RequestFacts, input: Record<string, any>): Promise<Record<string, unknown>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { account, name } = parseRoleArn(input.roleArn);
  // STS names the caller, the action and the role, without the reasons IAM adds to its messages.
  const denied = (action = 'sts:AssumeRole') => stsError.accessDenied(`User: ${caller.arn} is not authorized to perform: ${action} on resource: ${input.roleArn}`);
  const role = account === deps.account ? await cachedRole(deps.env, account, name) : undefined;
  if (!role || role.arn !== input.roleArn) throw denied();
  const tags: [string, string][] = (input.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value]);
  const transitive = caller.kind === 'session' ? caller.tags.filter(([k]) => !tags.some(([x]) => x.toLowerCase() === k.toLowerCase())) : [];
  const allTags = [...transitive, ...tags];
  const trust = trustPolicySet(deps.cache, role);
  const context = [
    ...sessionTagContext(tags),
    { key: 'sts:RoleSessionName', values: [input.roleSessionName as string] },
    ...(input.externalId !== undefined ? [{ key: 'sts:ExternalId', values: [input.externalId as string] }] : []),
    ...(input.sourceIdentity !== undefined ? [{ key: 'sts:SourceIdentity', values: [input.sourceIdentity as string] }] : []),
  ];
  const actions = ['sts:AssumeRole', ...(tags.length ? ['sts:TagSession'] : []), ...(input.sourceIdentity !== undefined ? ['sts:SetSourceIdentity'] : [])];
  for (const action of actions) {
    const out = await deps.authorizer.authorize(caller, action, role.arn, facts, { resourcePolicy: trust, resourceAccount: account, resourcePolicyRequired: true, context });
    if (out.decision.decision !== 'allowed') throw denied(action);
  }
  const chained = caller.kind === 'session';
  const duration = (input.durationSeconds as number | undefined) ?? 3600;
  if (chained && duration > CHAINED_MAX) throw stsError.validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  if (duration > role.maxSessionDuration) throw stsError.validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const policies = await sessionPolicies(deps, account, input.policy, input.policyArns);
  const issued = deps.sealer.issue(deps.env.random, deps.env.now(), duration, {
    account,
    roleArn: role.arn,
    roleId: role.roleId,
    roleName: role.roleName,
    sessionName: input.roleSessionName,
    ...(policies ? { policies } : {}),
    ...(allTags.length ? { tags: allTags } : {}),
    ...(input.sourceIdentity !== undefined ? { sourceIdentity: input.sourceIdentity } : {}),
    ...(chained ? { chained: true } : {}),
  });
  return { ...sessionResponse(account, role.roleName, role.roleId, input.roleSessionName, issued, packedSize(policies, tags)), sourceIdentity: input.sourceIdentity };
}

/** AssumeRoleWithWebIdentity: unsigned; the token is the credential. */
export async function assumeRoleWithWebIdentity(deps: StsDeps, input: Record<string, any>): Promise<Record<string, unknown>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { account, name } = parseRoleArn(input.roleArn);
  const token = input.webIdentityToken as string;
  const decoded = decodeWebIdentityToken(token);
  const provider = await cachedProviderByIssuer(deps.env, deps.account, decoded.iss);
  if (!provider) throw stsError.invalidToken(`No OpenIDConnect provider found in your account for ${decoded.iss}`);
  if (decoded.aud.length === 0) throw stsError.invalidToken('Missing a required claim: aud');
  const audience = decoded.aud.find((a) => provider.clientIDList.includes(a));
  if (audience === undefined) throw stsError.invalidToken('Incorrect token audience');
  const verified = await verifyWebIdentityToken(token, decoded, { issuer: decoded.iss, thumbprints: provider.thumbprintList }, deps.jwks, deps.env.now(), { audience });

  const denied = () => stsError.accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const role = account === deps.account ? await cachedRole(deps.env, account, name) : undefined;
  if (!role || role.arn !== input.roleArn) throw denied();

  const claims = verified.claims;
  const tags = sessionTagsFromClaims(claims[TAGS_CLAIM]);
  const sourceIdentity = typeof claims[SOURCE_IDENTITY_CLAIM] === 'string' ? (claims[SOURCE_IDENTITY_CLAIM] as string) : undefined;
  // The same request the explainer builds (src/explain/trust.ts): one builder, one decision.
  const request = webIdentityRequest({
    providerArn: provider.arn,
    providerUrl: provider.url,
    audience,
    subject: verified.sub,
    claims,
    roleSessionName: input.roleSessionName as string,
    tags: tags.tags,
    sourceIdentity,
  });
  if (!authorizeWebIdentity(request, role.arn, account, trustPolicySet(deps.cache, role)).allowed) throw denied();

  const duration = (input.durationSeconds as number | undefined) ?? 3600;
  if (duration > role.maxSessionDuration) throw stsError.validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const policies = await sessionPolicies(deps, account, input.policy, input.policyArns);
  const issued = deps.sealer.issue(deps.env.random, deps.env.now(), duration, {
    account,
    roleArn: role.arn,
    roleId: role.roleId,
    roleName: role.roleName,
    sessionName: input.roleSessionName,
    federatedProvider: provider.arn,
    ...(policies ? { policies } : {}),
    ...(tags.tags.length ? { tags: tags.tags, transitiveTagKeys: tags.transitive } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  });
  return {
    ...sessionResponse(account, role.roleName, role.roleId, input.roleSessionName, issued, packedSize(policies, tags.tags)),
    subjectFromWebIdentityToken: verified.sub,
    audience,
    provider: provider.arn,
    sourceIdentity,
  };
}

/** `{"principal_tags": {"K": ["v"]}, "transitive_tag_keys": ["K"]}` (id_session-tags.html). */
function sessionTagsFromClaims(raw: unknown): { tags: [string, string][]; transitive: string[] } {
  if (typeof raw !== 'object' || raw === null) return { tags: [], transitive: [] };
  const pt = (raw as Record<string, unknown>)['principal_tags'];
  const tags: [string, string][] = [];
  if (typeof pt === 'object' && pt !== null) {
    for (const [k, v] of Object.entries(pt as Record<string, unknown>)) {
      const value = Array.isArray(v) ? v[0] : v;
      if (typeof value === 'string') tags.push([k, value]);
    }
  }
  if (tags.length > 50 || tags.some(([k, v]) => k.length > 128 || v.length > 256)) throw stsError.invalidToken('Session tags in the token exceed the allowed number or size');
  const tt = (raw as Record<string, unknown>)['transitive_tag_keys'];
  return { tags, transitive: Array.isArray(tt) ? tt.map(String) : [] };
}

/** The caller a session token stands for. */
export function callerFromSession(c: SessionClaims): Caller {
  return {
    kind: 'session',
    account: c.account,
    arn: `arn:aws:sts::${c.account}:assumed-role/${c.roleName}/${c.sessionName}`,
    roleArn: c.roleArn,
    roleName: c.roleName,
    roleId: c.roleId,
    sessionName: c.sessionName,
    accessKeyId: c.ak,
    sessionPolicies: c.policies,
    tags: c.tags ?? [],
    issuedAt: new Date(c.iat * 1000),
    federatedProvider: c.federatedProvider,
    sourceIdentity: c.sourceIdentity,
    chained: c.chained ?? false,
  };
}
