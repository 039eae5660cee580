import type { ContextType } from '../../src/policy/index.js';
import {
  OIDC_AUD,
  OIDC_PROVIDER,
  OIDC_SUB,
  PARTNER,
  WORKLOAD,
  bucketPolicies,
  ciDeployer,
  dataPipeline,
  devBoundary,
  developer,
  partnerReader,
  s3ReadOnly,
  secretPolicies,
  trustPolicies,
  walkthrough,
  workloadScps,
  type NamedDoc,
} from './policies.js';
import { rng } from '../../test/support/generator.js';

/**
 * The request corpus: a deterministic mix of S3, Secrets Manager, Bedrock and STS requests by the
 * organization's principals, each with the policies AWS would evaluate for it (identity policies,
 * boundary, SCP levels, the resource's policy or the role's trust policy) and a request context.
 * The same cases feed both engines and `irsa simulate`.
 */
export interface ContextEntry {
  readonly key: string;
  readonly type: ContextType;
  readonly values: readonly string[];
}

export interface BenchCase {
  /** Which template produced it (actor and action), for grouping disagreements. */
  readonly label: string;
  readonly caller: string;
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource (S3 and Bedrock ARNs carry none). */
  readonly resourceAccount: string;
  readonly context: readonly ContextEntry[];
  readonly identity: readonly NamedDoc[];
  readonly boundary?: NamedDoc;
  readonly scp?: readonly (readonly NamedDoc[])[];
  readonly resourcePolicy?: NamedDoc;
  readonly resourcePolicyKind?: 'resource' | 'trust';
}

interface Actor {
  readonly name: string;
  readonly caller: string;
  readonly account: string;
  /** aws:PrincipalArn: the role for a session. */
  readonly principalArn: string;
  readonly identity: readonly NamedDoc[];
  readonly boundary?: NamedDoc;
  readonly scp?: readonly (readonly NamedDoc[])[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly mfa?: boolean;
  readonly weight: number;
}

const session = (account: string, role: string, name: string): { caller: string; principalArn: string } => ({
  caller: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
  principalArn: `arn:aws:iam::${account}:role/${role}`,
});

const ACTORS: readonly Actor[] = [
  { name: 'pod', ...session(WORKLOAD, 'weasel-eks-pod-role', 'botocore-session-1723404250'), account: WORKLOAD, identity: [walkthrough], scp: workloadScps, weight: 3 },
  {
    name: 'pipeline-a',
    ...session(WORKLOAD, 'data-pipeline', 'job-42'),
    account: WORKLOAD,
    identity: [dataPipeline, s3ReadOnly],
    boundary: devBoundary,
    scp: workloadScps,
    tags: { team: 'team-a' },
    weight: 2,
  },
  {
    name: 'pipeline-b',
    ...session(WORKLOAD, 'data-pipeline', 'job-77'),
    account: WORKLOAD,
    identity: [dataPipeline, s3ReadOnly],
    boundary: devBoundary,
    scp: workloadScps,
    tags: { team: 'team-b' },
    weight: 1,
  },
  {
    name: 'alice',
    caller: `arn:aws:iam::${WORKLOAD}:user/alice`,
    principalArn: `arn:aws:iam::${WORKLOAD}:user/alice`,
    account: WORKLOAD,
    identity: [developer, s3ReadOnly],
    boundary: devBoundary,
    scp: workloadScps,
    mfa: true,
    weight: 2,
  },
  { name: 'ci', ...session(WORKLOAD, 'ci-deployer', 'gh-run-7781'), account: WORKLOAD, identity: [ciDeployer], scp: workloadScps, tags: { team: 'platform' }, weight: 2 },
  { name: 'partner', ...session(PARTNER, 'partner-reader', 'export-sync'), account: PARTNER, identity: [partnerReader], weight: 1 },
];

const BUCKETS: Readonly<Record<string, readonly string[]>> = {
  'weasel-images': ['cat.png', 'dogs/husky.jpg', 'x'],
  'data-lake': ['team-a/events/2024-08-11.parquet', 'team-b/events/2024-08-11.parquet', 'shared/schema.json', 'raw/dump.csv'],
  'shared-exports': ['exports/2024-08.csv', 'exports/2024-09.csv'],
  artifacts: ['builds/1234/app.tgz', 'builds/1235/app.tgz'],
  payroll: ['2024.csv'],
};

const SECRETS: readonly { readonly id: string; readonly team: string }[] = [
  { id: 'db-AbCdEf', team: 'team-a' },
  { id: 'dev/api-Xy12Ab', team: 'dev' },
  { id: 'ci/github-token-Zz9YyX', team: 'platform' },
  { id: 'prod/api-key-Q1w2E3', team: 'platform' },
];

const MODELS = ['anthropic.claude-3-haiku-20240307-v1:0', 'amazon.titan-embed-text-v2:0', 'meta.llama3-70b-instruct-v1:0'];
const ROLES = ['deploy-target', 'data-reader', 'weasel-eks-pod-role'];

export const CURRENT_TIME = '2024-08-11T19:24:10Z';

export function generateCorpus(count: number, seed = 20240811): BenchCase[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const weighted = <T>(xs: readonly (readonly [T, number])[]): T => {
    const total = xs.reduce((n, [, w]) => n + w, 0);
    let x = r() * total;
    for (const [v, w] of xs) if ((x -= w) < 0) return v;
    return (xs[xs.length - 1] as readonly [T, number])[0];
  };
  const actorWeights = ACTORS.map((a) => [a, a.weight] as const);
  const out: BenchCase[] = [];

  for (let n = 0; n < count; n++) {
    // A small share of web identity federation: the pod's AssumeRoleWithWebIdentity.
    if (r() < 0.03) {
      const ns = r() < 0.7 ? 'weasel' : 'default';
      out.push({
        label: `oidc sts:AssumeRoleWithWebIdentity`,
        caller: OIDC_PROVIDER,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: `arn:aws:iam::${WORKLOAD}:role/weasel-eks-pod-role`,
        resourceAccount: WORKLOAD,
        context: [
          { key: OIDC_AUD, type: 'string', values: ['sts.amazonaws.com'] },
          { key: OIDC_SUB, type: 'string', values: [`system:serviceaccount:${ns}:weasel-eks-pod-sa`] },
        ],
        identity: [],
        resourcePolicy: trustPolicies['weasel-eks-pod-role'] as NamedDoc,
        resourcePolicyKind: 'trust',
      });
      continue;
    }
    const actor = weighted(actorWeights);
    const ctx: ContextEntry[] = [];
    let region = weighted([
      ['us-east-1', 85],
      ['eu-west-1', 10],
      ['ap-southeast-2', 5],
    ] as const) as string;
    let action: string;
    let resource: string;
    let resourcePolicy: NamedDoc | undefined;
    let resourcePolicyKind: 'resource' | 'trust' | undefined;
    const service = weighted([
      ['s3', 50],
      ['secretsmanager', 20],
      ['bedrock', 15],
      ['sts', 15],
    ] as const);
    if (service === 's3') {
      const bucket = pick(Object.keys(BUCKETS));
      action = weighted([
        ['s3:GetObject', 40],
        ['s3:PutObject', 20],
        ['s3:DeleteObject', 10],
        ['s3:ListBucket', 20],
        ['s3:PutBucketPolicy', 3],
      ] as const);
      const bucketLevel = action === 's3:ListBucket' || action === 's3:PutBucketPolicy';
      resource = bucketLevel ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${pick(BUCKETS[bucket] as string[])}`;
      if (action === 's3:ListBucket') ctx.push({ key: 's3:prefix', type: 'string', values: [pick(['team-a/', 'team-b/2024/', 'shared/', 'raw/'])] });
      if (action === 's3:PutObject') {
        const sse = weighted([
          ['aws:kms', 50],
          ['AES256', 25],
          ['', 25],
        ] as const);
        if (sse) ctx.push({ key: 's3:x-amz-server-side-encryption', type: 'string', values: [sse] });
      }
      resourcePolicy = bucketPolicies[bucket];
      if (resourcePolicy) resourcePolicyKind = 'resource';
    } else if (service === 'secretsmanager') {
      action = weighted([
        ['secretsmanager:GetSecretValue', 50],
        ['secretsmanager:DescribeSecret', 20],
        ['secretsmanager:PutSecretValue', 10],
        ['secretsmanager:DeleteSecret', 5],
        ['secretsmanager:ListSecrets', 15],
      ] as const);
      if (action === 'secretsmanager:ListSecrets') resource = '*';
      else {
        const secret = pick(SECRETS);
        resource = `arn:aws:secretsmanager:us-east-1:${WORKLOAD}:secret:${secret.id}`;
        ctx.push({ key: 'aws:ResourceTag/team', type: 'string', values: [secret.team] });
        resourcePolicy = secretPolicies[secret.id];
        if (resourcePolicy) resourcePolicyKind = 'resource';
      }
      region = 'us-east-1';
    } else if (service === 'bedrock') {
      action = weighted([
        ['bedrock:InvokeModel', 80],
        ['bedrock:ListFoundationModels', 20],
      ] as const);
      resource = action === 'bedrock:InvokeModel' ? `arn:aws:bedrock:${region}::foundation-model/${pick(MODELS)}` : '*';
    } else {
      action = weighted([
        ['sts:AssumeRole', 60],
        ['sts:GetCallerIdentity', 40],
      ] as const);
      if (action === 'sts:AssumeRole') {
        const role = pick(ROLES);
        resource = `arn:aws:iam::${WORKLOAD}:role/${role}`;
        resourcePolicy = trustPolicies[role];
        resourcePolicyKind = 'trust';
      } else resource = '*';
    }

    ctx.push({ key: 'aws:RequestedRegion', type: 'string', values: [region] });
    ctx.push({ key: 'aws:SecureTransport', type: 'boolean', values: [r() < 0.95 ? 'true' : 'false'] });
    ctx.push({ key: 'aws:SourceIp', type: 'ip', values: [r() < 0.6 ? `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}` : `203.0.113.${1 + Math.floor(r() * 254)}`] });
    ctx.push({ key: 'aws:CurrentTime', type: 'date', values: [CURRENT_TIME] });
    ctx.push({ key: 'aws:PrincipalArn', type: 'string', values: [actor.principalArn] });
    ctx.push({ key: 'aws:PrincipalAccount', type: 'string', values: [actor.account] });
    for (const [k, val] of Object.entries(actor.tags ?? {})) ctx.push({ key: `aws:PrincipalTag/${k}`, type: 'string', values: [val] });
    if (actor.mfa && r() < 0.7) {
      ctx.push({ key: 'aws:MultiFactorAuthPresent', type: 'boolean', values: ['true'] });
      ctx.push({ key: 'aws:MultiFactorAuthAge', type: 'numeric', values: [String(60 + Math.floor(r() * 7200))] });
    }

    out.push({
      label: `${actor.name} ${action}`,
      caller: actor.caller,
      action,
      resource,
      // S3 buckets, secrets and roles belong to the workload account; `*` and AWS's foundation
      // models are the caller's own account's business.
      resourceAccount: resource === '*' || service === 'bedrock' ? actor.account : WORKLOAD,
      context: ctx,
      identity: actor.identity,
      ...(actor.boundary ? { boundary: actor.boundary } : {}),
      ...(actor.scp ? { scp: actor.scp } : {}),
      ...(resourcePolicy ? { resourcePolicy, resourcePolicyKind: resourcePolicyKind ?? 'resource' } : {}),
    });
  }
  return out;
}
