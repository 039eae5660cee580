import { CONTEXT_TYPES, RequestContext, type ContextType, type PolicySet, type RequestPrincipal } from '../policy/index.js';
import { walkChain, link, type ChainRequest, type ChainState } from './chain.js';
import { explainPermissions, type PermissionExplanation } from './permissions.js';
import type { ExplainReport, Finding, Link } from './report.js';
import { explainTrust, type TrustExplanation } from './trust.js';
import type { ExplainWorld } from './world.js';

export { doctor } from './doctor.js';

/** `irsa explain`: the chain (chain.ts), then the trust policy (trust.ts), then the permissions (permissions.ts). */
export interface ExplainRequest extends ChainRequest {
  readonly action?: string;
  readonly resource?: string;
  /** Request condition keys (`--context`); they override the defaults a session would carry. */
  readonly context?: readonly { readonly key: string; readonly values: readonly string[]; readonly type?: ContextType }[];
  /** A session policy the caller passed to AssumeRoleWithWebIdentity. */
  readonly sessionPolicy?: PolicySet;
  /** The session name the SDK sends (it picks one when unset); appears in aws:userid and the ARN. */
  readonly sessionName?: string;
}

export async function explain(world: ExplainWorld, req: ExplainRequest): Promise<ExplainReport> {
  const s = await walkChain(world, req);
  const trust = trustLink(world, s);
  if (trust) s.links.push(trust.link);
  let permissions: PermissionExplanation | undefined;
  if (!s.broken && req.action !== undefined && req.resource !== undefined && s.role) {
    permissions = await permissionsFor(world, s, req.action, req.resource, req);
    // With a broken trust policy the pod never gets a session; the permissions still show what
    // it would be allowed once the trust is fixed, so both problems surface in one run.
    const blocked = trust !== undefined && !trust.explanation.allowed;
    s.links.push(permissionLink(permissions, blocked));
    if (blocked) permissions = undefined;
  }
  return report(world, s, req, trust?.explanation, permissions);
}

function trustLink(world: ExplainWorld, s: ChainState): { link: Link; explanation: TrustExplanation } | undefined {
  if (s.broken || !s.role || !s.provider || !s.token) return undefined;
  const e = explainTrust({
    roleArn: s.role.arn,
    trustPolicy: s.role.trust,
    providerArn: s.provider.arn,
    providerUrl: s.provider.url,
    claims: { sub: s.token.sub, aud: s.token.aud },
    account: world.iam.account,
  });
  const facts: [string, string][] = [];
  if (e.statement) facts.push(['statement', `Statement[${e.statement.index}]${e.statement.sid ? ` (Sid "${e.statement.sid}")` : ''} ${e.statement.effect}`]);
  for (const c of e.conditions) facts.push([`${c.operator} ${c.key}`, `expects ${c.expected.join(', ')}; token has ${c.actual?.join(', ') ?? '(no such key)'} ${c.holds ? '✓' : '✗'}`]);
  const status = e.allowed ? (e.findings.length ? 'warning' : 'ok') : 'broken';
  return { link: link('trust', status, `trust policy of ${s.role.name}${e.allowed ? ' admits the token' : ' does not admit the token'}`, facts, [...e.findings]), explanation: e };
}

/** The principal and request context of a session of `role` obtained through web identity, with the caller's extra keys. */
export function sessionRequest(
  world: Pick<ExplainWorld, 'iam' | 'now' | 'secureTransport'>,
  role: { readonly arn: string; readonly name: string; readonly roleId: string },
  providerArn: string | undefined,
  extra: ExplainRequest['context'] = [],
  sessionName = 'irsa-explain',
): { principal: RequestPrincipal; context: RequestContext } {
  const principal: RequestPrincipal = { kind: 'assumedRole', id: `arn:${world.iam.partition}:sts::${world.iam.account}:assumed-role/${role.name}/${sessionName}`, account: world.iam.account, roleArn: role.arn, sessionName };
  const now = world.now;
  const iso = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const context = new RequestContext()
    .set('aws:CurrentTime', [iso], 'date')
    .set('aws:EpochTime', [String(Math.floor(now.getTime() / 1000))], 'date')
    .set('aws:PrincipalAccount', [world.iam.account])
    .set('aws:PrincipalArn', [role.arn])
    .set('aws:PrincipalType', ['AssumedRole'])
    .set('aws:userid', [`${role.roleId}:${sessionName}`])
    .set('aws:TokenIssueTime', [iso], 'date')
    .set('aws:SecureTransport', [world.secureTransport ? 'true' : 'false'], 'boolean');
  if (providerArn) context.set('aws:FederatedProvider', [providerArn]);
  for (const c of extra) context.set(c.key, c.values, c.type);
  return { principal, context };
}

async function permissionsFor(world: ExplainWorld, s: ChainState, action: string, resource: string, req: ExplainRequest): Promise<PermissionExplanation> {
  const role = s.role as NonNullable<ChainState['role']>;
  const { principal, context } = sessionRequest(world, role, s.provider?.arn, req.context, req.sessionName);
  const rp = world.iam.resourcePolicy ? await world.iam.resourcePolicy(resource) : undefined;
  return explainPermissions({
    principal,
    action,
    resource,
    context,
    identity: role.identity,
    boundary: role.boundary,
    session: req.sessionPolicy,
    resourcePolicy: rp?.set,
    resourceAccount: rp?.account ?? world.iam.account,
    catalog: world.catalog,
  });
}

function permissionLink(p: PermissionExplanation, afterBrokenTrust = false): Link {
  const facts: [string, string][] = [['decision', afterBrokenTrust ? `once the trust policy admits the pod: ${p.summary}` : p.summary]];
  for (const d of p.deciding) facts.push([p.decision === 'allowed' ? 'allowed by' : 'denied by', d.label]);
  for (const c of p.closest) facts.push(['closest', `${c.statement.label}: ${c.matched} of ${c.of} elements match`]);
  const status = p.decision === 'allowed' ? 'ok' : afterBrokenTrust ? 'warning' : 'broken';
  return link('permissions', status, `${p.action} on ${p.resource}${afterBrokenTrust ? ' (if the role could be assumed)' : ''}`, facts, [...p.findings]);
}

function report(world: ExplainWorld, s: ChainState, req: ExplainRequest, trust: TrustExplanation | undefined, permissions: PermissionExplanation | undefined): ExplainReport {
  const brokenLink = s.links.find((l) => l.status === 'broken');
  const firstFix = (l: Link | undefined): string | undefined => l?.findings.find((f: Finding) => f.fix)?.fix;
  const verdict: ExplainReport['verdict'] = permissions ? (permissions.decision === 'allowed' ? 'allowed' : 'denied') : brokenLink ? 'broken' : 'ok';
  const fix = verdict === 'denied' ? (permissions?.fix ?? firstFix(brokenLink)) : brokenLink ? (brokenLink.id === 'trust' ? (trust?.fix ?? firstFix(brokenLink)) : firstFix(brokenLink)) : undefined;
  void world;
  return {
    schema: 'irsa.explain/v1',
    subject: {
      ...(req.pod !== undefined ? { pod: `${req.namespace}/${req.pod}` } : {}),
      serviceAccount: `${req.namespace}/${s.serviceAccount ?? req.serviceAccount ?? 'default'}`,
      ...(s.roleArn ? { roleArn: s.roleArn } : {}),
      ...(req.action !== undefined ? { action: req.action } : {}),
      ...(req.resource !== undefined ? { resource: req.resource } : {}),
    },
    verdict,
    ...(brokenLink && verdict !== 'allowed' ? { brokenAt: brokenLink.id } : {}),
    ...(fix ? { fix } : {}),
    links: s.links,
  };
}

/** A decision as the decision log recorded it (src/server/decision-log.ts DecisionEntry). */
export interface RecordedDecision {
  readonly requestId: string;
  readonly time: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly deniedBy: string | undefined;
  readonly statements: readonly { readonly policy: string; readonly policyType: string; readonly sid: string | undefined; readonly index: number }[];
  readonly reasons: readonly { readonly policyType: string; readonly result: string; readonly detail: string }[];
  readonly message: string | undefined;
}

/**
 * `irsa explain --request-id`: what was decided (as recorded: principal, action, resource,
 * deciding statements, reasons, the error the client saw), then, for a role session, the same
 * question against the role's policies as they are now, with the closest statements and the fix.
 */
export async function explainRecorded(world: ExplainWorld, requestId: string, entries: readonly RecordedDecision[]): Promise<ExplainReport> {
  const links: Link[] = [];
  let fix: string | undefined;
  let last: RecordedDecision | undefined;
  for (const e of entries) {
    last = e;
    const facts: [string, string][] = [
      ['time', e.time],
      ['principal', e.principal],
      ['decision', e.decision],
    ];
    for (const st of e.statements) facts.push([e.decision === 'allowed' ? 'allowed by' : 'denied by', `${st.policyType} policy ${st.policy} Statement[${st.index}]${st.sid ? ` (Sid "${st.sid}")` : ''}`]);
    for (const r of e.reasons) facts.push([`${r.policyType}`, `${r.result}: ${r.detail}`]);
    const findings: Finding[] = e.message ? [{ code: 'recorded.message', message: e.message }] : [];
    const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(e.principal);
    if (e.decision !== 'allowed' && m && m[2] === world.iam.account) {
      const role = await world.iam.role(`arn:${m[1]}:iam::${m[2]}:role/${m[3]}`);
      if (role) {
        const now = await permissionsFor(world, { links: [], namespace: '', serviceAccount: undefined, pod: undefined, roleArn: role.arn, token: undefined, provider: undefined, role }, e.action, e.resource, { namespace: '', sessionName: m[4] as string });
        facts.push(['with the policies as they are now', now.summary]);
        findings.push(...now.findings);
        fix ??= now.fix;
      }
    }
    links.push(link('permissions', e.decision === 'allowed' ? 'ok' : 'broken', `${e.action} on ${e.resource}`, facts, findings));
  }
  const verdict: ExplainReport['verdict'] = last?.decision === 'allowed' ? 'allowed' : 'denied';
  return {
    schema: 'irsa.explain/v1',
    subject: { requestId, ...(last ? { action: last.action, resource: last.resource } : {}) },
    verdict,
    ...(verdict === 'denied' ? { brokenAt: 'permissions' as const } : {}),
    ...(fix ? { fix } : {}),
    links,
  };
}

/** `key=type:value[,value…]` (type optional, default string), as `irsa explain --context` takes it. */
export function parseContextArg(arg: string, bad: (m: string) => Error): { key: string; values: string[]; type?: ContextType } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw bad(`context must be KEY=TYPE:VALUE, got "${arg}".`);
  const key = arg.slice(0, eq);
  let rest = arg.slice(eq + 1);
  let type: ContextType | undefined;
  const colon = rest.indexOf(':');
  if (colon > 0 && (CONTEXT_TYPES as readonly string[]).includes(rest.slice(0, colon))) {
    type = rest.slice(0, colon) as ContextType;
    rest = rest.slice(colon + 1);
  }
  const values = type?.endsWith('List') ? rest.split(',') : [rest];
  return { key, values, ...(type ? { type } : {}) };
}

