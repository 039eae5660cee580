import type { KubeObject } from '../kube/contracts.js';
import { ANNOTATIONS, IRSA_VOLUME_NAME } from '../kube/webhook/constants.js';
import type { Finding, Link, LinkId, LinkStatus } from './report.js';
import type { ExplainWorld, ProviderView, RoleView } from './world.js';

/**
 * The IRSA chain up to the role, link by link: pod → ServiceAccount → webhook mutation → token
 * → IAM OIDC provider → role. Each link says what holds and what breaks, with the fix. The trust
 * and permission links (trust.ts, permissions.ts) continue from what this establishes.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function link(id: LinkId, status: LinkStatus, summary: string, facts: [string, string][] = [], findings: Finding[] = []): Link {
  return { id, status, summary, facts, findings };
}

/** What the chain established, for the links that follow. */
export interface ChainState {
  readonly links: Link[];
  /** Set when a link broke: the chain stops there. */
  broken?: LinkId;
  namespace: string;
  serviceAccount: string | undefined;
  pod: KubeObject | undefined;
  roleArn: string | undefined;
  /** The token's claims as STS would see them. */
  token: { iss: string; sub: string; aud: string; exp: number | undefined } | undefined;
  provider: ProviderView | undefined;
  role: RoleView | undefined;
}

export interface ChainRequest {
  readonly namespace: string;
  readonly pod?: string;
  readonly serviceAccount?: string;
  /** The container whose credentials matter (default: every container must have them). */
  readonly container?: string;
  /** Claims of a token the user has in hand (`--token`), instead of the one the pod would get. */
  readonly token?: { readonly iss?: string; readonly sub?: string; readonly aud?: string | readonly string[]; readonly exp?: number };
}

const SUB_PREFIX = 'system:serviceaccount:';

export async function walkChain(world: ExplainWorld, req: ChainRequest): Promise<ChainState> {
  const s: ChainState = { links: [], namespace: req.namespace, serviceAccount: req.serviceAccount, pod: undefined, roleArn: undefined, token: undefined, provider: undefined, role: undefined };
  const prefix = world.cluster.webhook.annotationPrefix;
  const add = (l: Link): void => {
    s.links.push(l);
    if (l.status === 'broken' && !s.broken) s.broken = l.id;
  };

  // ---- pod
  if (req.pod !== undefined) {
    const pod = await world.cluster.pod(req.namespace, req.pod);
    if (!pod) {
      const elsewhere = (await world.cluster.pods()).filter((p) => p.metadata?.name === req.pod).map((p) => p.metadata?.namespace ?? '');
      add(
        link('pod', 'broken', `pod ${req.namespace}/${req.pod}`, [], [
          {
            code: 'pod.notFound',
            message: `There is no pod ${req.pod} in namespace ${req.namespace}${elsewhere.length ? `; there is one in ${elsewhere.join(', ')}` : ''}.`,
            fix: elsewhere.length ? `use --pod ${elsewhere[0]}/${req.pod}` : `check the name: kubectl get pods -n ${req.namespace}`,
          },
        ]),
      );
      return s;
    }
    s.pod = pod;
    s.serviceAccount = str(obj(pod.spec)['serviceAccountName']) ?? 'default';
    add(
      link('pod', 'ok', `pod ${req.namespace}/${req.pod}`, [
        ['serviceAccountName', s.serviceAccount],
        ['created', pod.metadata?.creationTimestamp ?? 'unknown'],
      ]),
    );
  }
  const saName = s.serviceAccount ?? 'default';
  s.serviceAccount = saName;

  // ---- ServiceAccount
  const sa = await world.cluster.serviceAccount(req.namespace, saName);
  const roleKey = `${prefix}/${ANNOTATIONS.roleArn}`;
  if (!sa) {
    add(
      link('serviceAccount', 'broken', `ServiceAccount ${req.namespace}/${saName}`, [], [
        { code: 'serviceAccount.notFound', message: `ServiceAccount ${saName} does not exist in namespace ${req.namespace}.`, fix: `kubectl create serviceaccount ${saName} -n ${req.namespace}` },
      ]),
    );
    return s;
  }
  const annotations = sa.metadata?.annotations ?? {};
  const annotated = str(annotations[roleKey]);
  const saFacts: [string, string][] = [[roleKey, annotated ?? '(none)']];
  const audAnnotation = str(annotations[`${prefix}/${ANNOTATIONS.audience}`]);
  if (audAnnotation) saFacts.push([`${prefix}/${ANNOTATIONS.audience}`, audAnnotation]);
  if (!annotated) {
    const near = Object.keys(annotations).find((k) => k !== roleKey && looksLikeRoleAnnotation(k, roleKey));
    add(
      link('serviceAccount', 'broken', `ServiceAccount ${req.namespace}/${saName}`, saFacts, [
        near
          ? {
              code: 'serviceAccount.annotationTypo',
              message: `The ServiceAccount has the annotation "${near}", which the webhook does not read; it reads "${roleKey}".`,
              fix: `kubectl annotate serviceaccount -n ${req.namespace} ${saName} ${near}- ${roleKey}=${annotations[near] ?? ''}`,
              details: { expected: roleKey, actual: near },
            }
          : {
              code: 'serviceAccount.noRoleAnnotation',
              message: `The ServiceAccount has no ${roleKey} annotation, so pods using it get no AWS role.`,
              fix: `kubectl annotate serviceaccount -n ${req.namespace} ${saName} ${roleKey}=arn:aws:iam::${world.iam.account}:role/ROLE`,
            },
      ]),
    );
    return s;
  }
  add(link('serviceAccount', 'ok', `ServiceAccount ${req.namespace}/${saName}`, saFacts));
  s.roleArn = annotated;

  // ---- webhook mutation (pods only)
  if (s.pod) {
    const l = webhookLink(s.pod, annotated, prefix, req.container);
    add(l.link);
    if (l.roleArn) s.roleArn = l.roleArn;
    if (l.link.status === 'broken') return s;
  }

  // ---- token
  const issuer = world.cluster.issuerUrl;
  const audience = req.token?.aud !== undefined ? [req.token.aud].flat()[0] ?? '' : (s.pod ? projectedAudience(s.pod) : undefined) ?? audAnnotation ?? world.cluster.webhook.audience;
  const sub = req.token?.sub ?? `${SUB_PREFIX}${req.namespace}:${saName}`;
  const iss = req.token?.iss ?? issuer ?? '';
  const exp = req.token?.exp;
  s.token = { iss, sub, aud: audience, exp };
  const tokenFacts: [string, string][] = [
    ['iss', iss || '(unknown)'],
    ['sub', sub],
    ['aud', audience],
  ];
  const tokenFindings: Finding[] = [];
  let tokenStatus: LinkStatus = 'ok';
  if (req.token) tokenFacts.push(['signature', 'not checked: the claims are read as given']);
  if (exp !== undefined) {
    tokenFacts.push(['exp', new Date(exp * 1000).toISOString()]);
    const left = exp * 1000 - world.now.getTime();
    if (left <= 0) {
      tokenStatus = 'broken';
      tokenFindings.push({
        code: 'token.expired',
        message: `The token expired at ${new Date(exp * 1000).toISOString()} (${Math.round(-left / 1000)} s ago); STS answers ExpiredTokenException.`,
        fix: `use the token the kubelet keeps fresh in the pod (${world.cluster.webhook.mountPath}/token), or get a new one: kubectl create token ${saName} -n ${req.namespace} --audience ${audience}`,
      });
    } else if (left < 10 * 60_000) {
      tokenStatus = 'warning';
      tokenFindings.push({ code: 'token.nearExpiry', message: `The token expires in ${Math.round(left / 1000)} s.` });
    }
  } else {
    tokenFacts.push(['lifetime', `${tokenLifetime(s.pod, annotations, prefix, world.cluster.webhook.tokenExpiration)} s, refreshed by the kubelet`]);
  }
  if (issuer && req.token?.iss !== undefined && req.token.iss !== issuer) {
    tokenStatus = tokenStatus === 'broken' ? 'broken' : 'warning';
    tokenFindings.push({ code: 'token.otherIssuer', message: `The token was issued by ${req.token.iss}, not by this cluster (${issuer}).`, details: { expected: issuer, actual: req.token.iss } });
  }
  if (sub !== `${SUB_PREFIX}${req.namespace}:${saName}`) {
    tokenFindings.push({ code: 'token.otherSubject', message: `The token's subject is ${sub}, not the ServiceAccount asked about.` });
  }
  add(link('token', tokenStatus, 'projected ServiceAccount token', tokenFacts, tokenFindings));
  if (tokenStatus === 'broken') return s;

  // ---- IAM OIDC provider
  const url = iss.replace(/^https:\/\//, '');
  const providers = await world.iam.providers();
  const provider = providers.find((p) => p.url === url);
  if (!provider) {
    const others = providers.map((p) => p.url);
    add(
      link('provider', 'broken', 'IAM OIDC provider', [['issuer', iss]], [
        {
          code: 'provider.missing',
          message: `Account ${world.iam.account} has no IAM OIDC provider for ${url}${others.length ? ` (it has ${others.length === 1 ? 'one' : 'some'} for ${others.join(', ')})` : ''}; STS answers InvalidIdentityToken "No OpenIDConnect provider found in your account for ${iss}".`,
          fix: `aws iam create-open-id-connect-provider --url ${iss} --client-id-list ${audience} --thumbprint-list THUMBPRINT (eksctl utils associate-iam-oidc-provider --approve does the same)`,
          details: { expected: url, actual: others },
        },
      ]),
    );
    return s;
  }
  s.provider = provider;
  const providerFacts: [string, string][] = [
    ['arn', provider.arn],
    ['client ids', provider.clientIds.join(', ') || '(none)'],
  ];
  const providerFindings: Finding[] = [];
  let providerStatus: LinkStatus = 'ok';
  if (!provider.clientIds.includes(audience)) {
    providerStatus = 'broken';
    providerFindings.push({
      code: 'provider.audience',
      message: `The token's audience "${audience}" is not a client id of the provider (${provider.clientIds.join(', ') || 'none'}); STS answers InvalidIdentityToken "Incorrect token audience".`,
      fix: `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn} --client-id ${audience}`,
      details: { expected: audience, actual: provider.clientIds },
    });
  }
  const trusted = world.iam.issuerTrusted ? await world.iam.issuerTrusted(provider) : undefined;
  if (trusted === false) {
    providerStatus = 'broken';
    providerFindings.push({
      code: 'provider.thumbprint',
      message: `None of the provider's thumbprints (${provider.thumbprints.join(', ') || 'none'}) matches the issuer's TLS certificate chain; STS cannot fetch its keys.`,
      fix: `aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn ${provider.arn} --thumbprint-list <SHA-1 of the issuer's CA certificate>`,
    });
  } else if (trusted === undefined) {
    providerFacts.push(['TLS', 'not checked here']);
  }
  add(link('provider', providerStatus, `IAM OIDC provider ${url}`, providerFacts, providerFindings));
  if (providerStatus === 'broken') return s;

  // ---- role
  const arn = s.roleArn ?? '';
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  if (!m) {
    add(
      link('role', 'broken', `role ${arn}`, [], [
        { code: 'role.badArn', message: `"${arn}" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME); STS answers ValidationError.`, fix: `kubectl annotate serviceaccount -n ${req.namespace} ${saName} --overwrite ${roleKey}=arn:aws:iam::${world.iam.account}:role/NAME` },
      ]),
    );
    return s;
  }
  if (m[2] !== world.iam.account) {
    add(
      link('role', 'broken', `role ${arn}`, [['account', m[2] as string]], [
        {
          code: 'role.otherAccount',
          message: `The role is in account ${m[2]}, but this cluster's OIDC provider is in account ${world.iam.account}: STS looks the provider up in the role's account.`,
          fix: `use a role in account ${world.iam.account}, or create the OIDC provider for ${url} in account ${m[2]} and trust it there`,
          details: { expected: world.iam.account, actual: m[2] as string },
        },
      ]),
    );
    return s;
  }
  const role = await world.iam.role(arn);
  if (!role) {
    add(
      link('role', 'broken', `role ${arn}`, [], [
        { code: 'role.notFound', message: `Role ${m[3]} does not exist in account ${world.iam.account}; STS answers AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity".`, fix: `aws iam create-role --role-name ${m[3]} --assume-role-policy-document file://trust.json` },
      ]),
    );
    return s;
  }
  s.role = role;
  add(
    link('role', 'ok', `role ${role.name}`, [
      ['arn', role.arn],
      ['attached policies', role.attachedPolicyArns.join(', ') || '(none)'],
      ['inline policies', role.inlinePolicyNames.join(', ') || '(none)'],
      ...(role.boundaryArn ? [['permissions boundary', role.boundaryArn] as [string, string]] : []),
    ]),
  );
  return s;
}

/** Did the webhook give the pod's containers the role, env and token volume? */
function webhookLink(pod: KubeObject, annotated: string, prefix: string, container: string | undefined): { link: Link; roleArn: string | undefined } {
  const spec = obj(pod.spec);
  const podAnnotations = pod.metadata?.annotations ?? {};
  const skipped = new Set((str(podAnnotations[`${prefix}/${ANNOTATIONS.skipContainers}`]) ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  const containers = [...list(spec['initContainers']), ...list(spec['containers'])];
  const hasVolume = list(spec['volumes']).some((v) => v['name'] === IRSA_VOLUME_NAME);
  const envOf = (c: Obj): Map<string, string> => new Map(list(c['env']).map((e) => [String(e['name']), String(e['value'] ?? '')]));
  const wanted = container !== undefined ? containers.filter((c) => c['name'] === container) : containers.filter((c) => !skipped.has(String(c['name'])));
  const facts: [string, string][] = [['token volume', hasVolume ? IRSA_VOLUME_NAME : '(none)']];
  const findings: Finding[] = [];
  if (container !== undefined && wanted.length === 0) {
    findings.push({ code: 'webhook.noSuchContainer', message: `The pod has no container named ${container}.`, fix: `kubectl get pod -n ${pod.metadata?.namespace} ${pod.metadata?.name} -o jsonpath='{.spec.containers[*].name}'` });
    return { link: link('webhook', 'broken', 'pod identity webhook', facts, findings), roleArn: undefined };
  }
  let roleArn: string | undefined;
  const missing: string[] = [];
  for (const c of wanted) {
    const env = envOf(c);
    const name = String(c['name']);
    const r = env.get('AWS_ROLE_ARN');
    facts.push([`container ${name}`, r ? `AWS_ROLE_ARN=${r}, AWS_WEB_IDENTITY_TOKEN_FILE=${env.get('AWS_WEB_IDENTITY_TOKEN_FILE') ?? '(none)'}` : 'no AWS_ROLE_ARN']);
    if (!r || !env.has('AWS_WEB_IDENTITY_TOKEN_FILE')) missing.push(name);
    else roleArn ??= r;
  }
  const skippedAsked = container !== undefined && skipped.has(container);
  if (skippedAsked || (wanted.length === 0 && skipped.size > 0)) {
    findings.push({
      code: 'webhook.skippedContainer',
      message: `The pod's ${prefix}/${ANNOTATIONS.skipContainers} annotation (${[...skipped].join(',')}) tells the webhook to leave ${container ?? 'every container'} alone, so it has no AWS credentials.`,
      fix: `remove ${container ?? 'the containers'} from the ${prefix}/${ANNOTATIONS.skipContainers} annotation in the pod template, then recreate the pod`,
    });
    return { link: link('webhook', 'broken', 'pod identity webhook', facts, findings), roleArn: undefined };
  }
  if (missing.length || !hasVolume) {
    findings.push({
      code: 'webhook.notMutated',
      message: `The pod was not mutated by the pod identity webhook (${missing.length ? `no AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE in ${missing.join(', ')}` : `no ${IRSA_VOLUME_NAME} volume`}): the webhook acts only when a pod is created, so this pod was most likely created before the ServiceAccount had its role annotation.`,
      fix: `recreate the pod: kubectl delete pod -n ${pod.metadata?.namespace} ${pod.metadata?.name} (or kubectl rollout restart for its deployment)`,
    });
    return { link: link('webhook', 'broken', 'pod identity webhook', facts, findings), roleArn: undefined };
  }
  let status: LinkStatus = 'ok';
  if (roleArn !== annotated) {
    status = 'warning';
    findings.push({
      code: 'webhook.staleRole',
      message: `The pod runs with role ${roleArn}, but its ServiceAccount now names ${annotated}: the annotation changed after the pod was created.`,
      fix: `recreate the pod to pick up ${annotated}`,
      details: { expected: annotated, actual: roleArn ?? '' },
    });
  }
  return { link: link('webhook', status, 'pod identity webhook', facts, findings), roleArn };
}

/** The audience of the pod's IRSA projected token volume. */
function projectedAudience(pod: KubeObject): string | undefined {
  for (const v of list(obj(pod.spec)['volumes'])) {
    if (v['name'] !== IRSA_VOLUME_NAME) continue;
    for (const src of list(obj(v['projected'])['sources'])) {
      const t = obj(src['serviceAccountToken']);
      if (typeof t['audience'] === 'string') return t['audience'];
    }
  }
  return undefined;
}

function tokenLifetime(pod: KubeObject | undefined, saAnnotations: Record<string, string>, prefix: string, fallback: number): number {
  if (pod) {
    for (const v of list(obj(pod.spec)['volumes'])) {
      if (v['name'] !== IRSA_VOLUME_NAME) continue;
      for (const src of list(obj(v['projected'])['sources'])) {
        const e = obj(src['serviceAccountToken'])['expirationSeconds'];
        if (typeof e === 'number') return e;
      }
    }
  }
  const a = Number(saAnnotations[`${prefix}/${ANNOTATIONS.tokenExpiration}`]);
  return Number.isFinite(a) && a > 0 ? Math.max(a, 600) : fallback;
}

/** `eks.amazonaws.com/role_arn`, `eks.amazon.com/role-arn`, `eks.amazonaws.com/rolearn`: close to the real key. */
export function looksLikeRoleAnnotation(key: string, roleKey: string): boolean {
  const norm = (k: string): string => k.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (norm(key) === norm(roleKey)) return true;
  if (/role/i.test(key) && /arn/i.test(key)) return true;
  return editDistance(key.toLowerCase(), roleKey) <= 3;
}

/** Levenshtein distance, or `cap` once it is certain to be at least that. */
export function editDistance(a: string, b: string, cap = 4): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return Math.min(prev[b.length] as number, cap);
}
