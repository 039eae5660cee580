import type { BenchCase, ContextEntry } from './corpus.js';
import { CURRENT_TIME, type BenchCase as Case } from './corpus.js';
import { WORKLOAD, walkthrough, type Doc, type NamedDoc } from './policies.js';

/**
 * Single-request scenarios for the latency table. Each is one request against one principal's
 * policies, compiled once; only the decision is timed.
 */
export interface Scenario {
  readonly name: string;
  readonly detail: string;
  readonly case: BenchCase;
  /** Measure iam-simulate on it too. */
  readonly peer: boolean;
}

const POD = `arn:aws:sts::${WORKLOAD}:assumed-role/weasel-eks-pod-role/botocore-session-1723404250`;

const baseCase = (identity: readonly NamedDoc[], resource: string, context: readonly ContextEntry[] = []): Case => ({
  label: 'scenario',
  caller: POD,
  action: 's3:GetObject',
  resource,
  resourceAccount: WORKLOAD,
  context,
  identity,
});

/** Real action names per service, so iam-simulate's validation accepts every statement. */
const SERVICES: readonly { readonly service: string; readonly actions: readonly string[]; readonly wildcard: string; readonly resource: (i: number) => string }[] = [
  { service: 's3', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:GetObjectTagging'], wildcard: 's3:Get*', resource: (i) => `arn:aws:s3:::bucket-${i}/*` },
  { service: 'dynamodb', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], wildcard: 'dynamodb:Batch*', resource: (i) => `arn:aws:dynamodb:us-east-1:${WORKLOAD}:table/table-${i}` },
  { service: 'sqs', actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'], wildcard: 'sqs:Get*', resource: (i) => `arn:aws:sqs:us-east-1:${WORKLOAD}:queue-${i}` },
  { service: 'lambda', actions: ['lambda:InvokeFunction', 'lambda:GetFunction'], wildcard: 'lambda:List*', resource: (i) => `arn:aws:lambda:us-east-1:${WORKLOAD}:function:fn-${i}` },
  { service: 'kms', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], wildcard: 'kms:Describe*', resource: (i) => `arn:aws:kms:us-east-1:${WORKLOAD}:key/0000-${i}` },
  { service: 'logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], wildcard: 'logs:Describe*', resource: (i) => `arn:aws:logs:us-east-1:${WORKLOAD}:log-group:/app/${i}:*` },
  { service: 'sns', actions: ['sns:Publish', 'sns:Subscribe'], wildcard: 'sns:Get*', resource: (i) => `arn:aws:sns:us-east-1:${WORKLOAD}:topic-${i}` },
  { service: 'secretsmanager', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], wildcard: 'secretsmanager:List*', resource: (i) => `arn:aws:secretsmanager:us-east-1:${WORKLOAD}:secret:app-${i}-*` },
  { service: 'ec2', actions: ['ec2:StartInstances', 'ec2:StopInstances'], wildcard: 'ec2:Describe*', resource: (i) => `arn:aws:ec2:us-east-1:${WORKLOAD}:instance/i-${i}` },
  { service: 'bedrock', actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], wildcard: 'bedrock:Get*', resource: (i) => `arn:aws:bedrock:us-east-1::foundation-model/model-${i}` },
];

const CONTEXT: readonly ContextEntry[] = [
  { key: 'aws:SourceIp', type: 'ip', values: ['10.1.2.3'] },
  { key: 'aws:SecureTransport', type: 'boolean', values: ['true'] },
  { key: 'aws:PrincipalTag/team', type: 'string', values: ['team-a'] },
  { key: 'aws:RequestedRegion', type: 'string', values: ['us-east-1'] },
  { key: 'aws:CurrentTime', type: 'date', values: [CURRENT_TIME] },
];

function statement(i: number): Doc {
  const svc = SERVICES[i % SERVICES.length] as (typeof SERVICES)[number];
  const st: Doc = {
    Sid: `S${i}`,
    Effect: i % 7 === 6 ? 'Deny' : 'Allow',
    Action: Math.floor(i / 10) % 3 === 2 ? [svc.wildcard] : svc.actions.slice(0, 1 + (i % svc.actions.length)),
    Resource: svc.resource(i),
  };
  if (i % 7 === 6) st['Condition'] = { Bool: { 'aws:SecureTransport': 'false' } };
  else if (i % 3 === 1) st['Condition'] = { StringEquals: { 'aws:PrincipalTag/team': ['team-a', 'team-b'] } };
  else if (i % 3 === 2) st['Condition'] = { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '172.16.0.0/12'] } };
  return st;
}

/** `count` statements over ten services, spread across `policies` documents. */
export function statementSet(count: number, policies: number): NamedDoc[] {
  const per = Math.ceil(count / policies);
  const out: NamedDoc[] = [];
  for (let p = 0; p < policies; p++) {
    const sts: Doc[] = [];
    for (let i = p * per; i < Math.min(count, (p + 1) * per); i++) sts.push(statement(i));
    out.push({ id: `generated-${count}-${p}`, doc: { Version: '2012-10-17', Statement: sts } });
  }
  return out;
}

/** The walkthrough policy plus `n - 1` policies for other services, none of which can match s3:GetObject. */
function unrelated(n: number): NamedDoc[] {
  const out: NamedDoc[] = [walkthrough];
  for (let i = 1; i < n; i++) {
    const svc = SERVICES[1 + (i % (SERVICES.length - 1))] as (typeof SERVICES)[number];
    out.push({
      id: `unrelated-${i}`,
      doc: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: [...svc.actions], Resource: svc.resource(i) },
          { Effect: 'Allow', Action: svc.wildcard, Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
        ],
      },
    });
  }
  return out;
}

/** `n` policies that all name s3:GetObject (other buckets), the walkthrough policy last: every one is a candidate. */
function sameAction(n: number): NamedDoc[] {
  const out: NamedDoc[] = [];
  for (let i = 1; i < n; i++) {
    out.push({ id: `bucket-reader-${i}`, doc: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::bucket-${i}`, `arn:aws:s3:::bucket-${i}/*`] }] } });
  }
  out.push(walkthrough);
  return out;
}

export function scenarios(): Scenario[] {
  const x = 'arn:aws:s3:::weasel-images/x';
  // In the 100-statement set, s3 statements are 0, 10, …, 90: 20, 50 and 80 use `s3:Get*`, 20 and
  // 90 are Denies; statement 70 (Allow, StringEquals on aws:PrincipalTag/team) grants bucket-70.
  return [
    { name: '(a) walkthrough policy', detail: 'examples/walkthrough-policy.json, role session, s3:GetObject weasel-images/x', case: baseCase([walkthrough], x), peer: true },
    { name: '(b) 100-statement set', detail: '5 policies × 20 statements, 10 services, conditions; s3:GetObject bucket-70/key', case: baseCase(statementSet(100, 5), 'arn:aws:s3:::bucket-70/reports/q3.csv', CONTEXT), peer: true },
    { name: '(c) 1 policy', detail: 'walkthrough policy only', case: baseCase(unrelated(1), x, CONTEXT), peer: true },
    { name: '(c) 10 policies', detail: 'walkthrough + 9 policies for other services', case: baseCase(unrelated(10), x, CONTEXT), peer: true },
    { name: '(c) 100 policies', detail: 'walkthrough + 99 policies for other services', case: baseCase(unrelated(100), x, CONTEXT), peer: true },
    { name: '(c′) 100 policies, same action', detail: '99 policies granting s3:GetObject on other buckets + walkthrough: all are candidates', case: baseCase(sameAction(100), x, CONTEXT), peer: false },
  ];
}
