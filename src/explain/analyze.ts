import type { KubeObject } from '../kube/contracts.js';
import { ANNOTATIONS, DEFAULT_ANNOTATION_PREFIX, DEFAULT_AUDIENCE, DEFAULT_MOUNT_PATH, DEFAULT_TOKEN_EXPIRATION } from '../kube/webhook/constants.js';
import type { ActionCatalog } from '../policy/catalog.js';
import { authorize, type StatementRef } from '../policy/index.js';
import type { AccountModel, RoleModel } from './account.js';
import { sessionRequest, type ExplainRequest } from './explain.js';
import type { ClusterModel } from './manifests.js';
import { admittedServiceAccounts } from './trust.js';
import type { ExplainWorld, ProviderView, RoleView } from './world.js';

/**
 * `irsa analyze`: the explainer over an exported account (`aws iam get-account-authorization-details`)
 * and Kubernetes manifests instead of a running installation. The export carries no OIDC
 * providers (the API does not list them), so `--issuer` names the cluster's issuer and its
 * provider is taken to exist with client id sts.amazonaws.com; TLS is not checked offline.
 */
export interface AnalysisInput {
  readonly account: AccountModel;
  readonly cluster: ClusterModel | undefined;
  /** `https://oidc.eks.REGION.amazonaws.com/id/ID`. */
  readonly issuer: string | undefined;
  /** Client ids the provider is taken to have (default sts.amazonaws.com). */
  readonly clientIds?: readonly string[];
  readonly now: Date;
  readonly catalog?: ActionCatalog | undefined;
  /** `--role`: the role a ServiceAccount is taken to be annotated with (what-if, or without manifests). */
  readonly roleFor?: { readonly namespace: string; readonly serviceAccount: string; readonly role: string };
}

export function providerFor(account: AccountModel, issuer: string | undefined, clientIds: readonly string[] = [DEFAULT_AUDIENCE]): ProviderView | undefined {
  if (!issuer || !account.account) return undefined;
  const url = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
  return { arn: `arn:${account.partition}:iam::${account.account}:oidc-provider/${url}`, url, clientIds, thumbprints: [] };
}

function roleView(r: RoleModel): RoleView {
  return {
    arn: r.arn,
    name: r.name,
    roleId: r.roleId,
    trustDocument: r.trustDocument,
    get trust() {
      return r.trust;
    },
    get identity() {
      return r.identity;
    },
    get boundary() {
      return r.boundary;
    },
    boundaryArn: r.boundaryArn,
    attachedPolicyArns: r.attachedPolicyArns,
    inlinePolicyNames: r.inlinePolicyNames,
    maxSessionDuration: 3600,
  };
}

export function analysisWorld(input: AnalysisInput): ExplainWorld {
  const { account, cluster } = input;
  const provider = providerFor(account, input.issuer, input.clientIds);
  const prefix = DEFAULT_ANNOTATION_PREFIX;
  const roleKey = `${prefix}/${ANNOTATIONS.roleArn}`;
  const what = input.roleFor;
  const roleArnOf = (name: string): string => (name.startsWith('arn:') ? name : (account.role(name)?.arn ?? `arn:${account.partition}:iam::${account.account ?? ''}:role/${name}`));
  /** A ServiceAccount as the manifests have it, with `--role` applied (or made up from it when the manifests have none). */
  const serviceAccount = (ns: string, name: string): KubeObject | undefined => {
    const found = cluster?.serviceAccount(ns, name);
    if (!what || what.namespace !== ns || what.serviceAccount !== name) return found;
    const base: KubeObject = found ?? { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } };
    return { ...base, metadata: { ...base.metadata, annotations: { ...(base.metadata?.annotations ?? {}), [roleKey]: roleArnOf(what.role) } } };
  };
  return {
    now: input.now,
    catalog: input.catalog,
    // The account is a real AWS account: its SDKs call AWS over TLS.
    secureTransport: true,
    cluster: {
      name: 'manifests',
      issuerUrl: input.issuer,
      webhook: { annotationPrefix: prefix, audience: DEFAULT_AUDIENCE, mountPath: DEFAULT_MOUNT_PATH, tokenExpiration: DEFAULT_TOKEN_EXPIRATION },
      serviceAccount: async (ns, name) => serviceAccount(ns, name),
      serviceAccounts: async (ns) => {
        const list = cluster?.serviceAccounts(ns) ?? [];
        if (what && (ns === undefined || ns === what.namespace) && !list.some((sa) => sa.metadata?.namespace === what.namespace && sa.metadata?.name === what.serviceAccount)) {
          list.push(serviceAccount(what.namespace, what.serviceAccount) as KubeObject);
        }
        return list.map((sa) => serviceAccount(sa.metadata?.namespace ?? '', sa.metadata?.name ?? '') ?? sa);
      },
      pod: async (ns, name) => cluster?.pod(ns, name),
      pods: async (ns) => cluster?.pods(ns) ?? [],
    },
    iam: {
      account: account.account ?? '',
      partition: account.partition,
      providers: async () => (provider ? [provider] : []),
      role: async (arn) => {
        const r = account.role(arn);
        return r && r.arn === arn ? roleView(r) : undefined;
      },
      rolesTrusting: async (text) => [...account.roles()].filter((r) => r.trustDocument.includes(text)).map(roleView),
    },
  };
}

export interface WhoCanEntry {
  /** `NS/NAME` of a ServiceAccount (with manifests), else the `:sub` pattern the trust policy admits. */
  readonly serviceAccount: string;
  readonly role: string;
  /** The Allow statements that grant it. */
  readonly allowedBy: readonly { readonly policy: string; readonly statement: number; readonly sid: string | undefined }[];
  /** With manifests: whether the ServiceAccount is annotated with this role (pods get it only then). */
  readonly annotated: boolean | undefined;
}

export interface WhoCanReport {
  readonly schema: 'irsa.whocan/v1';
  readonly action: string;
  readonly resource: string;
  readonly entries: readonly WhoCanEntry[];
  /** Roles that are allowed but whose trust policy admits no ServiceAccount of this issuer. */
  readonly rolesWithoutServiceAccount: readonly string[];
  /** How many roles were evaluated (those with an Allow for the action) out of all. */
  readonly evaluated: number;
  readonly roles: number;
  /** Roles whose policies are not in the export or do not validate: not evaluated. */
  readonly skipped: readonly string[];
}

/**
 * Which ServiceAccounts can do ACTION on RESOURCE: roles whose permissions allow it (only the
 * candidates with an Allow for the action are evaluated), then whom each role's trust policy
 * admits from this issuer — the ServiceAccounts of the manifests, or without manifests the
 * `:sub` values the trust policy names.
 */
export function whoCan(input: AnalysisInput, action: string, resource: string, context: ExplainRequest['context'] = []): WhoCanReport {
  const { account, cluster } = input;
  const provider = providerFor(account, input.issuer, input.clientIds);
  const world = { iam: { account: account.account ?? '', partition: account.partition, providers: async () => [], role: async () => undefined }, now: input.now, secureTransport: true };
  const roleKey = `${DEFAULT_ANNOTATION_PREFIX}/${ANNOTATIONS.roleArn}`;
  const everyone = (cluster?.serviceAccounts() ?? []).map((sa) => ({ namespace: sa.metadata?.namespace ?? 'default', name: sa.metadata?.name ?? '', annotation: sa.metadata?.annotations?.[roleKey] }));
  const entries: WhoCanEntry[] = [];
  const without: string[] = [];
  const skipped: string[] = [];
  const candidates = account.candidateRoles(action);
  for (const role of candidates) {
    let allowed: StatementRef[];
    try {
      const { principal, context: ctx } = sessionRequest(world, role, provider?.arn, context);
      const d = authorize({ principal, action, resource, context: ctx }, { identity: role.identity, boundary: role.boundary });
      if (d.decision !== 'allowed') continue;
      allowed = d.matchedStatements.filter((m) => m.policyType === 'identity');
    } catch {
      skipped.push(role.arn);
      continue;
    }
    const allowedBy = allowed.map((m) => ({ policy: m.policyId, statement: m.statementIndex, sid: m.sid }));
    let admitted: string[] = [];
    if (provider) {
      try {
        if (cluster) {
          for (const sa of admittedFor(input, role, provider, everyone)) {
            entries.push({ serviceAccount: `${sa.namespace}/${sa.name}`, role: role.arn, allowedBy, annotated: sa.annotation === role.arn });
            admitted.push(sa.name);
          }
        } else {
          admitted = subjectsNamed(role, provider.url);
          for (const sub of admitted) entries.push({ serviceAccount: sub, role: role.arn, allowedBy, annotated: undefined });
        }
      } catch {
        skipped.push(role.arn);
        continue;
      }
    }
    if (!admitted.length) without.push(role.arn);
  }
  return { schema: 'irsa.whocan/v1', action, resource, entries, rolesWithoutServiceAccount: without, evaluated: candidates.length, roles: account.counts.roles, skipped };
}

/** The `<url>:sub` values (StringEquals/StringLike, any case) in the Allow statements of a role's trust policy. */
function subjectsNamed(role: RoleModel, url: string): string[] {
  const key = `${url}:sub`.toLowerCase();
  const out = new Set<string>();
  for (const p of role.trust.policies) {
    for (const st of p.statements) {
      if (st.effect !== 'Allow') continue;
      for (const c of st.conditions) if (c.keyLower === key) for (const v of c.entry.values) out.add(v);
    }
  }
  return [...out];
}

type SaRef = { readonly namespace: string; readonly name: string; readonly annotation: string | undefined };
const admittedCache = new WeakMap<AnalysisInput, Map<string, SaRef[]>>();

/**
 * The ServiceAccounts a role's trust policy admits, decided by the engine as STS decides, but
 * only for the ServiceAccounts its `:sub` conditions can match (exact values, or StringLike
 * patterns) — a prefilter that never drops one the engine would admit: a statement without a
 * usable `:sub` condition keeps everyone. Remembered per role: trust does not depend on the question.
 */
function admittedFor(input: AnalysisInput, role: RoleModel, provider: ProviderView, everyone: readonly SaRef[]): SaRef[] {
  let byRole = admittedCache.get(input);
  if (!byRole) admittedCache.set(input, (byRole = new Map()));
  const hit = byRole.get(role.arn);
  if (hit) return hit;
  const key = `${provider.url}:sub`.toLowerCase();
  let keepAll = false;
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const p of role.trust.policies) {
    for (const st of p.statements) {
      if (st.effect !== 'Allow') continue;
      const subs = st.conditions.filter((c) => c.keyLower === key);
      if (!subs.length) {
        keepAll = true;
        continue;
      }
      for (const c of subs) {
        const op = c.entry.operator.replace(/^(ForAnyValue|ForAllValues):/, '').replace(/IfExists$/, '');
        if (c.entry.values.some((v) => v.includes('${'))) keepAll = true;
        else if (op === 'StringEquals' || op === 'StringEqualsIgnoreCase') for (const v of c.entry.values) exact.add(v.toLowerCase());
        else if (op === 'StringLike') for (const v of c.entry.values) patterns.push(globRegExp(v));
        else keepAll = true;
      }
    }
  }
  const pre = keepAll
    ? everyone
    : everyone.filter((sa) => {
        const sub = `system:serviceaccount:${sa.namespace}:${sa.name}`;
        return exact.has(sub.toLowerCase()) || patterns.some((r) => r.test(sub));
      });
  const admitted = pre.length ? admittedServiceAccounts(role.trust, provider, pre, DEFAULT_AUDIENCE, role.arn) : [];
  byRole.set(role.arn, admitted);
  return admitted;
}

/** StringLike's `*` and `?`, case-insensitively (a superset of the case-sensitive match: this is only a prefilter). */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${body}$`, 'i');
}
