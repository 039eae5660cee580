/**
 * A synthetic but realistic `aws iam get-account-authorization-details` export, plus the
 * ServiceAccount manifests of one of its clusters, for `npm run bench:analyze`.
 *
 * - Roles: mostly IRSA roles trusting one of several EKS clusters' OIDC providers, for one
 *   ServiceAccount (StringEquals on `:sub` and `:aud`), a whole namespace (StringLike
 *   `system:serviceaccount:ns:*`) or, for some, two clusters; the rest are service roles (EC2,
 *   Lambda, ECS tasks). Each attaches a few managed policies, some have an inline policy, some a
 *   permissions boundary.
 * - Managed policies: AWS-managed-looking ones (`arn:aws:iam::aws:policy/…`, broad wildcards,
 *   NotAction) and customer ones scoped to team resources (S3 buckets and prefixes, Secrets
 *   Manager secrets, DynamoDB tables and indexes, KMS keys, SQS, SNS, logs), with conditions
 *   (`aws:SecureTransport`, `s3:prefix`, `kms:ViaService`, `dynamodb:LeadingKeys`,
 *   `aws:ResourceTag/…`) and older non-default versions.
 *
 * Documents are written as objects, as the AWS CLI writes them; a share is URL-encoded strings, as
 * the raw API returns them. Deterministic for a seed.
 */
import { rng } from '../../test/support/generator.js';

export interface GenerateOptions {
  readonly roles: number;
  readonly policies: number;
  readonly clusters: number;
  readonly seed: number;
  readonly account?: string;
}

export interface Generated {
  readonly details: Record<string, unknown>;
  /** Manifests of cluster 0: file name → YAML text. */
  readonly manifests: Map<string, string>;
  /** Cluster 0's issuer without `https://`, as IAM keys the provider. */
  readonly issuer: string;
  readonly account: string;
  /** Concrete resources of each service, for questions. */
  readonly resources: Readonly<Record<string, readonly string[]>>;
  readonly actions: readonly string[];
}

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const TEAMS = ['payments', 'search', 'catalog', 'checkout', 'identity', 'ml', 'data', 'platform', 'growth', 'ads', 'media', 'support', 'risk', 'ledger', 'shipping', 'pricing'];
const ENVS = ['prod', 'staging', 'dev'];
const APPS = ['api', 'worker', 'cron', 'ingest', 'export', 'indexer', 'gateway', 'scheduler', 'reporter', 'sync'];

export const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  s3: ['GetObject', 'PutObject', 'DeleteObject', 'ListBucket', 'GetBucketLocation', 'GetObjectTagging', 'PutObjectTagging', 'AbortMultipartUpload', 'ListBucketMultipartUploads', 'GetObjectVersion'],
  secretsmanager: ['GetSecretValue', 'DescribeSecret', 'PutSecretValue', 'UpdateSecret', 'ListSecrets'],
  dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'DescribeTable', 'ConditionCheckItem'],
  kms: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey', 'ReEncryptFrom'],
  sqs: ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes', 'ChangeMessageVisibility'],
  sns: ['Publish', 'Subscribe'],
  logs: ['CreateLogStream', 'PutLogEvents', 'CreateLogGroup'],
  bedrock: ['InvokeModel', 'InvokeModelWithResponseStream'],
};

export { rng };

type Statement = Record<string, unknown>;

export function generate(o: GenerateOptions): Generated {
  const rand = rng(o.seed);
  const account = o.account ?? '111122223333';
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  const chance = (p: number): boolean => rand() < p;
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(rand() * 16)]).join('');
  const uuid = (): string => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`.toLowerCase();
  const some = <T>(a: readonly T[], min: number, max: number): T[] => {
    const n = min + Math.floor(rand() * (max - min + 1));
    return [...new Set(Array.from({ length: n }, () => pick(a)))];
  };

  // Resources of the account.
  const buckets = TEAMS.flatMap((t) => ENVS.map((e) => `${t}-${e}-${hex(6).toLowerCase()}`));
  const tables = TEAMS.flatMap((t) => ENVS.flatMap((e) => ['orders', 'sessions', 'events'].map((x) => ({ region: pick(REGIONS), name: `${t}-${e}-${x}` }))));
  const secrets = TEAMS.flatMap((t) => ENVS.flatMap((e) => ['db', 'api-key', 'oauth'].map((x) => ({ region: pick(REGIONS), name: `${t}/${e}/${x}`, suffix: hex(6) }))));
  const keys = TEAMS.map(() => ({ region: pick(REGIONS), id: uuid() }));
  const queues = TEAMS.flatMap((t) => ENVS.map((e) => ({ region: pick(REGIONS), name: `${t}-${e}-jobs` })));
  const teamOf = (name: string): string => name.split(/[-/]/)[0] as string;

  const statementFor = (service: string, team: string): Statement[] => {
    const acts = (names: readonly string[]): string[] => names.map((n) => `${service}:${n}`);
    switch (service) {
      case 's3': {
        const b = pick(buckets.filter((x) => x.startsWith(team)));
        const prefix = pick(['', 'uploads/', 'reports/', `${pick(APPS)}/`]);
        const out: Statement[] = [{ Sid: 'Objects', Effect: 'Allow', Action: acts(some(['GetObject', 'PutObject', 'DeleteObject', 'GetObjectTagging', 'GetObjectVersion'], 1, 4)), Resource: `arn:aws:s3:::${b}/${prefix}*` }];
        if (chance(0.7)) {
          const list: Statement = { Sid: 'List', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: `arn:aws:s3:::${b}` };
          if (prefix && chance(0.6)) list['Condition'] = { StringLike: { 's3:prefix': [`${prefix}*`] } };
          out.push(list);
        }
        if (chance(0.3)) out.push({ Sid: 'TLSOnly', Effect: 'Deny', Action: 's3:*', Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
        return out;
      }
      case 'secretsmanager': {
        const s = pick(secrets.filter((x) => x.name.startsWith(team)));
        const st: Statement = { Effect: 'Allow', Action: acts(some(['GetSecretValue', 'DescribeSecret', 'PutSecretValue'], 1, 2)), Resource: chance(0.5) ? `arn:aws:secretsmanager:${s.region}:${account}:secret:${s.name}-??????` : `arn:aws:secretsmanager:${s.region}:${account}:secret:${team}/*` };
        if (chance(0.3)) st['Condition'] = { StringEquals: { 'aws:ResourceTag/team': team } };
        return [st];
      }
      case 'dynamodb': {
        const t = pick(tables.filter((x) => x.name.startsWith(team)));
        const arn = `arn:aws:dynamodb:${t.region}:${account}:table/${t.name}`;
        const st: Statement = { Effect: 'Allow', Action: acts(some(['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchGetItem', 'DescribeTable', 'Scan'], 2, 5)), Resource: [arn, `${arn}/index/*`] };
        if (chance(0.15)) st['Condition'] = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:PrincipalTag/tenant}'] } };
        return [st];
      }
      case 'kms': {
        const k = pick(keys);
        const st: Statement = { Effect: 'Allow', Action: acts(some(['Decrypt', 'GenerateDataKey', 'DescribeKey', 'Encrypt'], 1, 3)), Resource: `arn:aws:kms:${k.region}:${account}:key/${k.id}` };
        if (chance(0.5)) st['Condition'] = { StringEquals: { 'kms:ViaService': [`s3.${k.region}.amazonaws.com`, `secretsmanager.${k.region}.amazonaws.com`] } };
        return [st];
      }
      case 'sqs': {
        const q = pick(queues.filter((x) => x.name.startsWith(team)));
        return [{ Effect: 'Allow', Action: acts(some(ACTIONS['sqs'] as string[], 1, 3)), Resource: `arn:aws:sqs:${q.region}:${account}:${q.name}` }];
      }
      case 'sns':
        return [{ Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:aws:sns:${pick(REGIONS)}:${account}:${team}-*` }];
      case 'logs':
        return [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:*:${account}:log-group:/aws/eks/${team}/*:*` }];
      default:
        return [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: `arn:aws:bedrock:${pick(REGIONS)}::foundation-model/anthropic.*` }];
    }
  };

  const customerDocument = (team: string): Record<string, unknown> => {
    const services = some(['s3', 's3', 'secretsmanager', 'dynamodb', 'kms', 'sqs', 'sns', 'logs', 'bedrock'], 1, 3);
    return { Version: '2012-10-17', Statement: services.flatMap((s) => statementFor(s, team)) };
  };
  const awsDocument = (i: number): Record<string, unknown> => {
    const service = pick(Object.keys(ACTIONS));
    switch (i % 5) {
      case 0:
        return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: `${service}:*`, Resource: '*' }] };
      case 1:
        return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [`${service}:Get*`, `${service}:List*`, `${service}:Describe*`], Resource: '*' }] };
      case 2:
        return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }, { Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole', 'iam:ListRoles'], Resource: '*' }] };
      case 3:
        return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: (ACTIONS[service] as string[]).slice(0, 3).map((a) => `${service}:${a}`), Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': some(REGIONS, 1, 2) } } }] };
      default:
        return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cloudwatch:PutMetricData', 'logs:PutLogEvents', 'logs:CreateLogStream', 'xray:PutTraceSegments'], Resource: '*' }] };
    }
  };
  const encode = (doc: Record<string, unknown>): unknown => (chance(0.1) ? encodeURIComponent(JSON.stringify(doc)) : doc);

  // Managed policies.
  const awsCount = Math.min(900, Math.floor(o.policies * 0.05));
  const policies: Record<string, unknown>[] = [];
  const policyTeam: string[] = [];
  const BOUNDARIES = 6;
  for (let i = 0; i < Math.max(1, o.policies - BOUNDARIES); i++) {
    const aws = i < awsCount;
    const team = pick(TEAMS);
    const name = aws ? `Amazon${pick(['S3', 'DynamoDB', 'SQS', 'SNS', 'KMS', 'SecretsManager', 'CloudWatch', 'Bedrock'])}${pick(['ReadOnly', 'Full', 'Power', 'Worker', 'Agent'])}Access${i}` : `${team}-${pick(ENVS)}-${pick(APPS)}-${i}`;
    const arn = aws ? `arn:aws:iam::aws:policy/${name}` : `arn:aws:iam::${account}:policy/${team}/${name}`;
    const current = aws ? awsDocument(i) : customerDocument(team);
    const versions = [{ Document: encode(current), VersionId: 'v3', IsDefaultVersion: true, CreateDate: '2024-06-01T00:00:00Z' }];
    if (chance(0.2)) versions.push({ Document: aws ? awsDocument(i + 1) : customerDocument(team), VersionId: 'v2', IsDefaultVersion: false, CreateDate: '2023-06-01T00:00:00Z' });
    policies.push({
      PolicyName: name,
      PolicyId: `ANPA${hex(17)}`,
      Arn: arn,
      Path: aws ? '/' : `/${team}/`,
      DefaultVersionId: 'v3',
      AttachmentCount: 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: '2023-01-01T00:00:00Z',
      UpdateDate: '2024-06-01T00:00:00Z',
      PolicyVersionList: versions,
    });
    policyTeam.push(aws ? '' : team);
  }
  const boundaries = TEAMS.slice(0, BOUNDARIES).map((team, i) => {
    const arn = `arn:aws:iam::${account}:policy/boundaries/eks-pod-boundary-${i}`;
    policies.push({
      PolicyName: `eks-pod-boundary-${i}`,
      PolicyId: `ANPA${hex(17)}`,
      Arn: arn,
      Path: '/boundaries/',
      DefaultVersionId: 'v1',
      IsAttachable: true,
      PolicyVersionList: [
        {
          Document: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Data', Effect: 'Allow', Action: ['s3:*', 'dynamodb:*', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'kms:Decrypt', 'kms:GenerateDataKey', 'sqs:*', 'sns:Publish', 'logs:*'], Resource: '*' },
              { Sid: 'NoDeletes', Effect: 'Deny', Action: ['s3:DeleteObject', 'dynamodb:DeleteItem'], Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': team } } },
              { Sid: 'NoIam', Effect: 'Deny', Action: 'iam:*', Resource: '*' },
            ],
          },
          VersionId: 'v1',
          IsDefaultVersion: true,
        },
      ],
    });
    return arn;
  });
  const byTeam = new Map<string, number[]>();
  policyTeam.forEach((t, i) => {
    if (t) (byTeam.get(t) ?? byTeam.set(t, []).get(t))?.push(i);
  });

  // Clusters and their providers.
  const clusters = Array.from({ length: o.clusters }, (_, i) => ({ name: `eks-${pick(ENVS)}-${i}`, issuer: `oidc.eks.${pick(REGIONS)}.amazonaws.com/id/${hex(32)}` }));
  const providerArn = (issuer: string): string => `arn:aws:iam::${account}:oidc-provider/${issuer}`;
  const irsaStatement = (issuer: string, ns: string, sa: string, kind: number): Statement => {
    const cond: Record<string, Record<string, string>> =
      kind === 0
        ? { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${ns}:${sa}`, [`${issuer}:aud`]: 'sts.amazonaws.com' } }
        : kind === 1
          ? { StringLike: { [`${issuer}:sub`]: `system:serviceaccount:${ns}:*` }, StringEquals: { [`${issuer}:aud`]: 'sts.amazonaws.com' } }
          : { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${ns}:${sa}` } };
    return { Effect: 'Allow', Principal: { Federated: providerArn(issuer) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: cond };
  };

  // Roles, and the ServiceAccounts of cluster 0 that use them.
  const roles: Record<string, unknown>[] = [];
  const serviceAccounts = new Map<string, { ns: string; sa: string; roleArn: string }[]>();
  for (let i = 0; i < o.roles; i++) {
    const team = pick(TEAMS);
    const env = pick(ENVS);
    const app = pick(APPS);
    const irsa = chance(0.85);
    const name = irsa ? `${team}-${env}-${app}-irsa-${i}` : `${team}-${env}-${pick(['ec2', 'lambda', 'ecs-task'])}-${i}`;
    const path = irsa ? '/eks/' : '/';
    const arn = `arn:aws:iam::${account}:role${path}${name}`;
    let trust: Record<string, unknown>;
    if (irsa) {
      const c = i % o.clusters;
      const cluster = clusters[c] as { issuer: string };
      const ns = `${team}-${env}`;
      const sa = `${app}-${i}`;
      const kind = chance(0.8) ? 0 : chance(0.75) ? 1 : 2;
      const statements = [irsaStatement(cluster.issuer, ns, sa, kind)];
      if (chance(0.1)) statements.push(irsaStatement((clusters[(c + 1) % o.clusters] as { issuer: string }).issuer, ns, sa, 0));
      trust = { Version: '2012-10-17', Statement: statements };
      if (c === 0) {
        const list = serviceAccounts.get(ns) ?? [];
        list.push({ ns, sa, roleArn: arn });
        serviceAccounts.set(ns, list);
      }
    } else {
      trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: pick(['ec2.amazonaws.com', 'lambda.amazonaws.com', 'ecs-tasks.amazonaws.com']) }, Action: 'sts:AssumeRole' }] };
    }
    const own = byTeam.get(team) ?? [];
    const attachedIdx = [...new Set([...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(own)), ...(chance(0.3) ? [Math.floor(rand() * awsCount)] : [])])];
    for (const k of attachedIdx) (policies[k] as { AttachmentCount: number }).AttachmentCount++;
    roles.push({
      Path: path,
      RoleName: name,
      RoleId: `AROA${hex(17)}`,
      Arn: arn,
      CreateDate: '2024-01-01T00:00:00Z',
      AssumeRolePolicyDocument: encode(trust),
      InstanceProfileList: [],
      RolePolicyList: chance(0.4) ? [{ PolicyName: `${app}-inline`, PolicyDocument: encode(customerDocument(team)) }] : [],
      AttachedManagedPolicies: attachedIdx.map((k) => ({ PolicyName: (policies[k] as { PolicyName: string }).PolicyName, PolicyArn: (policies[k] as { Arn: string }).Arn })),
      ...(chance(0.2) ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: pick(boundaries) } } : {}),
      Tags: [
        { Key: 'team', Value: team },
        { Key: 'env', Value: env },
      ],
      RoleLastUsed: {},
    });
  }

  // Manifests of cluster 0: one file per namespace, a ServiceAccount and a Deployment per role.
  const manifests = new Map<string, string>();
  for (const [ns, list] of serviceAccounts) {
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`];
    for (const { sa, roleArn } of list) {
      docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${sa}\n  namespace: ${ns}\n  annotations:\n    eks.amazonaws.com/role-arn: ${roleArn}\n`);
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${sa}\n  namespace: ${ns}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: ${sa}}\n  template:\n    metadata:\n      labels: {app: ${sa}}\n    spec:\n      serviceAccountName: ${sa}\n      containers:\n      - name: app\n        image: registry.example.com/${teamOf(ns)}/${sa}:1.0\n        env:\n        - {name: AWS_REGION, value: us-east-1}\n`,
      );
    }
    manifests.set(`${ns}.yaml`, docs.join('---\n'));
  }

  const resources: Record<string, string[]> = {
    s3: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/uploads/file.json`, `arn:aws:s3:::${b}/reports/2024.csv`]),
    secretsmanager: secrets.map((s) => `arn:aws:secretsmanager:${s.region}:${account}:secret:${s.name}-${s.suffix}`),
    dynamodb: tables.map((t) => `arn:aws:dynamodb:${t.region}:${account}:table/${t.name}`),
    kms: keys.map((k) => `arn:aws:kms:${k.region}:${account}:key/${k.id}`),
    sqs: queues.map((q) => `arn:aws:sqs:${q.region}:${account}:${q.name}`),
    sns: TEAMS.map((t) => `arn:aws:sns:us-east-1:${account}:${t}-events`),
    logs: TEAMS.map((t) => `arn:aws:logs:us-east-1:${account}:log-group:/aws/eks/${t}/app:log-stream:x`),
    bedrock: ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0'],
  };
  const users = Array.from({ length: 50 }, (_, i) => ({
    Path: '/',
    UserName: `user${i}`,
    UserId: `AIDA${hex(17)}`,
    Arn: `arn:aws:iam::${account}:user/user${i}`,
    CreateDate: '2022-01-01T00:00:00Z',
    UserPolicyList: [],
    GroupList: [pick(['admins', 'developers', 'readonly'])],
    AttachedManagedPolicies: [],
  }));
  const groups = ['admins', 'developers', 'readonly'].map((g) => ({
    Path: '/',
    GroupName: g,
    GroupId: `AGPA${hex(17)}`,
    Arn: `arn:aws:iam::${account}:group/${g}`,
    CreateDate: '2022-01-01T00:00:00Z',
    GroupPolicyList: [],
    AttachedManagedPolicies: [{ PolicyName: (policies[0] as { PolicyName: string }).PolicyName, PolicyArn: (policies[0] as { Arn: string }).Arn }],
  }));
  return {
    details: { UserDetailList: users, GroupDetailList: groups, RoleDetailList: roles, Policies: policies, IsTruncated: false },
    manifests,
    issuer: (clusters[0] as { issuer: string }).issuer,
    account,
    resources,
    actions: Object.entries(ACTIONS).flatMap(([s, names]) => names.map((n) => `${s}:${n}`)),
  };
}
