import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/shared.js';

/**
 * The policies of the benchmark's small AWS organization: a workload account (with SCPs) running
 * an EKS pod role, a data pipeline, a CI deployer and a developer, and a partner account reading a
 * shared bucket. Every document is valid for its kind in both engines.
 */
export type Doc = Record<string, unknown>;

export interface NamedDoc {
  readonly id: string;
  readonly doc: Doc;
}

export const WORKLOAD = '393035689023';
export const PARTNER = '111122223333';

const named = (id: string, doc: Doc): NamedDoc => ({ id, doc });
const v = (...statements: Doc[]): Doc => ({ Version: '2012-10-17', Statement: statements });

export const walkthrough = named('weasel-pod-policy', JSON.parse(readFileSync(join(repoRoot, 'examples', 'walkthrough-policy.json'), 'utf8')) as Doc);

export const dataPipeline = named(
  'data-pipeline',
  v(
    { Sid: 'TeamPrefix', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::data-lake/${aws:PrincipalTag/team}/*' },
    { Sid: 'ListTeamPrefix', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::data-lake', Condition: { StringLike: { 's3:prefix': ['${aws:PrincipalTag/team}/*', 'shared/*'] } } },
    { Sid: 'Shared', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-lake/shared/*' },
    {
      Sid: 'TeamSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
    },
    {
      Sid: 'Models',
      Effect: 'Allow',
      Action: 'bedrock:InvokeModel',
      Resource: ['arn:aws:bedrock:*::foundation-model/anthropic.claude-*', 'arn:aws:bedrock:*::foundation-model/amazon.titan-embed-*'],
    },
    { Sid: 'NoDeletes', Effect: 'Deny', Action: 's3:DeleteObject*', Resource: 'arn:aws:s3:::data-lake/*' },
    { Sid: 'AssumeData', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${WORKLOAD}:role/data-*` },
  ),
);

/** Like AWS's AmazonS3ReadOnlyAccess. */
export const s3ReadOnly = named('s3-read-only', v({ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }));

export const developer = named(
  'developer',
  v(
    { Sid: 'Artifacts', Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::artifacts', 'arn:aws:s3:::artifacts/*'] },
    { Sid: 'DevSecrets', Effect: 'Allow', Action: 'secretsmanager:*', Resource: `arn:aws:secretsmanager:*:${WORKLOAD}:secret:dev/*` },
    { Sid: 'Models', Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:ListFoundationModels'], Resource: '*' },
    { Sid: 'AssumeWithFreshMfa', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${WORKLOAD}:role/*`, Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } },
    {
      Sid: 'ForceMfa',
      Effect: 'Deny',
      NotAction: ['iam:ChangePassword', 'iam:GetUser', 'sts:GetSessionToken'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ),
);

export const ciDeployer = named(
  'ci-deployer',
  v(
    { Sid: 'Artifacts', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::artifacts/*' },
    {
      Sid: 'CiSecretsFromVpc',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: `arn:aws:secretsmanager:us-east-1:${WORKLOAD}:secret:ci/*`,
      Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } },
    },
    { Sid: 'Deploy', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${WORKLOAD}:role/deploy-target` },
    { Sid: 'NoModels', Effect: 'Deny', Action: 'bedrock:*', Resource: '*' },
  ),
);

export const partnerReader = named(
  'partner-reader',
  v({
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:ListBucket'],
    Resource: ['arn:aws:s3:::shared-exports', 'arn:aws:s3:::shared-exports/*', 'arn:aws:s3:::data-lake', 'arn:aws:s3:::data-lake/*'],
  }),
);

export const devBoundary = named(
  'developer-boundary',
  v(
    {
      Effect: 'Allow',
      Action: ['s3:*', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecrets', 'bedrock:*', 'sts:AssumeRole', 'sts:TagSession'],
      Resource: '*',
    },
    { Effect: 'Deny', Action: ['s3:DeleteBucket', 's3:PutBucketPolicy'], Resource: '*' },
  ),
);

export const scpFullAccess = named('FullAWSAccess', v({ Effect: 'Allow', Action: '*', Resource: '*' }));

export const scpRegions = named(
  'deny-other-regions',
  v({
    Sid: 'DenyOutsideApprovedRegions',
    Effect: 'Deny',
    NotAction: ['iam:*', 'sts:*', 'organizations:*', 'support:*', 'cloudfront:*', 'route53:*'],
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
  }),
);

export const scpModels = named(
  'approved-models',
  v({
    Sid: 'ApprovedModelsOnly',
    Effect: 'Deny',
    Action: 'bedrock:InvokeModel',
    NotResource: ['arn:aws:bedrock:*::foundation-model/anthropic.*', 'arn:aws:bedrock:*::foundation-model/amazon.titan-*'],
  }),
);

/** Root level, then the workloads OU. */
export const workloadScps: readonly (readonly NamedDoc[])[] = [[scpFullAccess], [scpFullAccess, scpRegions, scpModels]];

const tls = (bucket: string): Doc => ({
  Sid: 'TlsOnly',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

export const bucketPolicies: Readonly<Record<string, NamedDoc>> = {
  'data-lake': named(
    'bucket-policy:data-lake',
    v(tls('data-lake'), {
      Sid: 'KmsOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::data-lake/*',
      Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    }),
  ),
  'shared-exports': named(
    'bucket-policy:shared-exports',
    v(
      tls('shared-exports'),
      {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${PARTNER}:role/partner-reader` },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: ['arn:aws:s3:::shared-exports', 'arn:aws:s3:::shared-exports/*'],
      },
      { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${WORKLOAD}:root` }, Action: 's3:*', Resource: ['arn:aws:s3:::shared-exports', 'arn:aws:s3:::shared-exports/*'] },
    ),
  ),
  payroll: named(
    'bucket-policy:payroll',
    v({
      Sid: 'PayrollOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::payroll', 'arn:aws:s3:::payroll/*'],
      Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${WORKLOAD}:role/payroll-*` } },
    }),
  ),
};

export const secretPolicies: Readonly<Record<string, NamedDoc>> = {
  'prod/api-key-Q1w2E3': named(
    'secret-policy:prod/api-key',
    v({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${WORKLOAD}:role/ci-deployer` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }),
  ),
};

const OIDC = 'oidc.eks.us-east-1.amazonaws.com/id/8D0001CD000BFF000757000C95000D86';
export const OIDC_PROVIDER = `arn:aws:iam::${WORKLOAD}:oidc-provider/${OIDC}`;
export const OIDC_SUB = `${OIDC}:sub`;
export const OIDC_AUD = `${OIDC}:aud`;

export const trustPolicies: Readonly<Record<string, NamedDoc>> = {
  'deploy-target': named('trust:deploy-target', v({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${WORKLOAD}:role/ci-deployer` }, Action: ['sts:AssumeRole', 'sts:TagSession'] })),
  'data-reader': named('trust:data-reader', v({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${WORKLOAD}:root` }, Action: 'sts:AssumeRole' })),
  'weasel-eks-pod-role': named(
    'trust:weasel-eks-pod-role',
    v({
      Effect: 'Allow',
      Principal: { Federated: OIDC_PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [OIDC_AUD]: 'sts.amazonaws.com', [OIDC_SUB]: 'system:serviceaccount:weasel:weasel-eks-pod-sa' } },
    }),
  ),
};
