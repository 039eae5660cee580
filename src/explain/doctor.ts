import { ANNOTATIONS } from '../kube/webhook/constants.js';
import { editDistance, looksLikeRoleAnnotation, walkChain } from './chain.js';
import type { Finding, LinkStatus } from './report.js';
import { admittedServiceAccounts, explainTrust } from './trust.js';
import type { ExplainWorld } from './world.js';

/**
 * `irsa doctor`: every IRSA link for every ServiceAccount that has (or nearly has) a role
 * annotation, and for every pod that uses one. Each problem comes with its fix; `ok` is false when
 * anything is broken, so CI can gate on it.
 */
export interface DoctorItem {
  /** `ServiceAccount NS/NAME`, `pod NS/NAME` or `role NAME`. */
  readonly subject: string;
  readonly kind: 'serviceAccount' | 'pod' | 'role';
  readonly status: LinkStatus;
  readonly roleArn?: string;
  readonly findings: readonly Finding[];
}

export interface DoctorReport {
  readonly schema: 'irsa.doctor/v1';
  readonly ok: boolean;
  readonly items: readonly DoctorItem[];
}

const RANK: Record<LinkStatus, number> = { ok: 0, skipped: 0, unknown: 1, warning: 2, broken: 3 };
const worst = (a: LinkStatus, b: LinkStatus): LinkStatus => (RANK[b] > RANK[a] ? b : a);

export async function doctor(world: ExplainWorld, filter: { namespace?: string; serviceAccount?: string } = {}): Promise<DoctorReport> {
  const prefix = world.cluster.webhook.annotationPrefix;
  const roleKey = `${prefix}/${ANNOTATIONS.roleArn}`;
  const items: DoctorItem[] = [];
  const sas = (await world.cluster.serviceAccounts(filter.namespace)).filter((sa) => filter.serviceAccount === undefined || sa.metadata?.name === filter.serviceAccount);
  const pods = await world.cluster.pods(filter.namespace);
  const everyone = (await world.cluster.serviceAccounts()).map((sa) => ({ namespace: sa.metadata?.namespace ?? 'default', name: sa.metadata?.name ?? '' }));
  for (const sa of sas) {
    const annotations = sa.metadata?.annotations ?? {};
    const configured = annotations[roleKey] !== undefined || Object.keys(annotations).some((k) => k !== roleKey && looksLikeRoleAnnotation(k, roleKey));
    if (!configured) continue;
    const namespace = sa.metadata?.namespace ?? 'default';
    const name = sa.metadata?.name ?? '';
    const s = await walkChain(world, { namespace, serviceAccount: name });
    let status: LinkStatus = 'ok';
    const findings: Finding[] = [];
    for (const l of s.links) {
      status = worst(status, l.status);
      findings.push(...l.findings);
    }
    if (!s.broken && s.role && s.provider && s.token) {
      const t = explainTrust({ roleArn: s.role.arn, trustPolicy: s.role.trust, providerArn: s.provider.arn, providerUrl: s.provider.url, claims: { sub: s.token.sub, aud: s.token.aud }, account: world.iam.account });
      status = worst(status, t.allowed ? (t.findings.length ? 'warning' : 'ok') : 'broken');
      findings.push(...t.findings);
      // Whom the trust policy admits among the cluster's ServiceAccounts: nobody (a typo, a wrong
      // namespace), or more than this one (a StringLike wildcard that matches too much).
      const admitted = admittedServiceAccounts(s.role.trust, s.provider, everyone, s.token.aud, s.role.arn).map((a) => `${a.namespace}/${a.name}`);
      if (!t.allowed) {
        findings.push({
          code: 'trust.admittedServiceAccounts',
          message: admitted.length ? `The trust policy of ${s.role.name} admits ${list(admitted)} in this cluster, not ${namespace}/${name}.` : `The trust policy of ${s.role.name} admits no ServiceAccount in this cluster.`,
          details: { admitted },
        });
      } else if (admitted.length > 1) {
        status = worst(status, 'warning');
        findings.push({
          code: 'trust.admitsSeveral',
          message: `The trust policy of ${s.role.name} admits ${admitted.length} ServiceAccounts in this cluster (${list(admitted)}): every pod running as one of them gets this role.`,
          fix: `name the one ServiceAccount with StringEquals on ${s.provider.url}:sub = system:serviceaccount:${namespace}:${name}`,
          details: { admitted },
        });
      }
      const grants = s.role.identity.policies.some((p) => p.statements.some((st) => st.effect === 'Allow'));
      if (!grants) {
        status = worst(status, 'warning');
        findings.push({
          code: 'role.grantsNothing',
          message: `Role ${s.role.name} has no policy that allows anything: pods can assume it, and every call they make is denied.`,
          fix: `aws iam attach-role-policy --role-name ${s.role.name} --policy-arn POLICY_ARN`,
        });
      }
    }
    items.push({ subject: `ServiceAccount ${namespace}/${name}`, kind: 'serviceAccount', status, ...(s.roleArn ? { roleArn: s.roleArn } : {}), findings });

    // Pods that use it: mutated at creation? Running with the role the ServiceAccount names now?
    for (const pod of pods) {
      if (pod.metadata?.namespace !== namespace || String((pod.spec as Record<string, unknown> | undefined)?.['serviceAccountName'] ?? 'default') !== name) continue;
      const p = await walkChain(world, { namespace, pod: pod.metadata?.name ?? '' });
      const hook = p.links.find((l) => l.id === 'webhook');
      if (!hook || hook.status === 'ok') continue;
      items.push({ subject: `pod ${namespace}/${pod.metadata?.name ?? ''}`, kind: 'pod', status: hook.status, ...(p.roleArn ? { roleArn: p.roleArn } : {}), findings: [...hook.findings] });
    }
  }
  // Roles that trust this cluster's provider but admit none of its ServiceAccounts: a typo or a
  // wrong namespace in `:sub` that no annotated ServiceAccount has surfaced yet.
  const providers = await world.iam.providers();
  const issuer = world.cluster.issuerUrl?.replace(/^https:\/\//, '');
  const provider = providers.find((p) => p.url === issuer);
  if (provider && filter.serviceAccount === undefined && world.iam.rolesTrusting) {
    const covered = new Set(items.map((i) => i.roleArn));
    const all = everyone.map((e) => `${e.namespace}/${e.name}`);
    for (const role of await world.iam.rolesTrusting(provider.url)) {
      if (covered.has(role.arn)) continue;
      let admitted: string[];
      try {
        admitted = admittedServiceAccounts(role.trust, provider, everyone, world.cluster.webhook.audience, role.arn).map((a) => `${a.namespace}/${a.name}`);
      } catch {
        continue;
      }
      if (admitted.length) continue;
      const expected = subjectsExpected(role.trustDocument, provider.url);
      if (filter.namespace !== undefined && !expected.some((e) => e.startsWith(`system:serviceaccount:${filter.namespace}:`))) continue;
      const near = expected.map((e) => closest(e.replace(/^system:serviceaccount:/, '').replace(':', '/'), all)).find((n) => n !== undefined);
      items.push({
        subject: `role ${role.name}`,
        kind: 'role',
        status: 'warning',
        roleArn: role.arn,
        findings: [
          {
            code: 'trust.admitsNoServiceAccount',
            message: `Role ${role.name} trusts this cluster's provider but admits none of its ServiceAccounts${expected.length ? ` (it expects ${list(expected)})` : ''}.`,
            ...(near ? { fix: `did you mean ${near}? set the :sub condition to system:serviceaccount:${near.replace('/', ':')}` } : {}),
            details: { expected },
          },
        ],
      });
    }
  }
  return { schema: 'irsa.doctor/v1', ok: !items.some((i) => i.status === 'broken'), items };
}

function list(items: readonly string[]): string {
  return items.length > 5 ? `${items.slice(0, 5).join(', ')} and ${items.length - 5} more` : items.join(', ');
}

/** The `<url>:sub` values a trust policy names (from its text: any operator), for messages. */
function subjectsExpected(trustDocument: string, url: string): string[] {
  const out = new Set<string>();
  try {
    const doc = JSON.parse(trustDocument) as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    for (const st of statements as { Condition?: Record<string, Record<string, unknown>> }[]) {
      for (const block of Object.values(st?.Condition ?? {})) {
        for (const [k, v] of Object.entries(block ?? {})) {
          if (k.toLowerCase() !== `${url}:sub`.toLowerCase()) continue;
          for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') out.add(x);
        }
      }
    }
  } catch {
    // The trust policy validated when it was stored; a document that does not parse names nothing.
  }
  return [...out];
}

/** The candidate within three edits of `want`, if any. */
function closest(want: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const c of candidates) {
    const d = editDistance(want, c, bestD);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
