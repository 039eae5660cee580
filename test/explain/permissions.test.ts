import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { IamDataCatalog } from '../../src/catalog/iam-data.js';
import { explainPermissions, formatPermissionExplanation, PERMISSION_CODES, type PermissionExplanation, type PermissionInput } from '../../src/explain/permissions.js';
import {
  PolicySet,
  RequestContext,
  authorize,
  loadPolicy,
  loadPolicySet,
  principalFromString,
  type ContextType,
  type JsonValue,
  type PolicyKind,
  type RequestPrincipal,
} from '../../src/policy/index.js';
import { PolicyCache, runCase } from '../../src/simulate/case.js';
import { repoRoot } from '../support/shared.js';
import { WALKTHROUGH_POLICY } from '../support/walkthrough-policy.js';

/**
 * The permissions explainer: every decision comes from the engine, and the explanation names the
 * deciding statements, or for an implicit deny the type lacking an Allow, the closest statements
 * and why each missed. Expected texts are written from AWS's evaluation rules, not read back.
 */

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/weasel-role`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/weasel-role/botocore-session-1`;
const BUCKET = 'arn:aws:s3:::weasel-images';
const OBJECT = `${BUCKET}/cat.png`;

let catalog: IamDataCatalog;
before(async () => {
  catalog = await IamDataCatalog.load(['s3', 'dynamodb', 'sts']);
});

function principal(arn: string): RequestPrincipal {
  const p = principalFromString(arn);
  if (!p) throw new Error(`bad principal ${arn}`);
  return p;
}

function doc(...statements: Record<string, JsonValue>[]): JsonValue {
  return { Version: '2012-10-17', Statement: statements };
}

function set(kind: PolicyKind, ...docs: [string, JsonValue][]): PolicySet {
  return loadPolicySet(
    docs.map(([id, document]) => ({ id, document })),
    kind,
  );
}

function ctx(...entries: [string, ContextType, string[]][]): RequestContext {
  return new RequestContext(entries.map(([key, type, values]) => ({ key, type, values })));
}

const walkthrough = WALKTHROUGH_POLICY as unknown as JsonValue;
/** The walkthrough's policy with its S3 statement naming only the object ARN. */
const objectOnly = doc(
  { Sid: 'WeaselImages', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], Resource: [`${BUCKET}/*`] },
  { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: '*' },
);

interface Case {
  readonly name: string;
  readonly input: () => PermissionInput;
  readonly decision: PermissionExplanation['decision'];
  readonly deniedBy?: PermissionExplanation['deniedBy'];
  /** Codes that must appear among the findings (the first one first). */
  readonly codes?: readonly string[];
  /** Substrings of the summary + findings + closest checks. */
  readonly says?: readonly string[];
  readonly fix?: string | RegExp;
  readonly check?: (e: PermissionExplanation) => void;
}

const base = (over: Partial<PermissionInput>): PermissionInput => ({
  principal: principal(SESSION),
  action: 's3:GetObject',
  resource: OBJECT,
  context: new RequestContext(),
  ...over,
});

const CASES: Case[] = [
  {
    name: 'walkthrough policy: ListBucket on the bucket is allowed by its first statement',
    input: () => base({ action: 's3:ListBucket', resource: BUCKET, identity: set('identity', ['weasel-policy', walkthrough]) }),
    decision: 'allowed',
    check: (e) => {
      assert.deepEqual(
        e.deciding.map((s) => [s.policyType, s.policyId, s.statementIndex, s.effect]),
        [['identity', 'weasel-policy', 0, 'Allow']],
      );
      assert.equal(e.fix, undefined);
      assert.deepEqual(e.findings, []);
    },
  },
  {
    name: 'walkthrough policy with ListBucket on the object ARN only: bucket vs object named, with the catalog',
    input: () => base({ action: 's3:ListBucket', resource: BUCKET, identity: set('identity', ['weasel-policy', objectOnly]), catalog }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.resourceMismatch],
    says: [
      's3:ListBucket needs arn:aws:s3:::weasel-images, the policy only names arn:aws:s3:::weasel-images/*',
      'takes a bucket ARN (arn:${Partition}:s3:::${BucketName})',
    ],
    fix: 'add arn:aws:s3:::weasel-images to the Resource of Statement[0] (Sid "WeaselImages") of identity-based policy weasel-policy',
    check: (e) => {
      const c = e.closest[0];
      assert.ok(c);
      assert.equal(c.statement.statementIndex, 0);
      assert.deepEqual(
        c.checks.map((k) => [k.element, k.matched]),
        [
          ['action', true],
          ['resource', false],
        ],
      );
      assert.equal(c.misses.length, 1);
      assert.deepEqual(c.misses[0]?.details?.['expected'], [`${BUCKET}/*`]);
      assert.equal(c.misses[0]?.details?.['actual'], BUCKET);
    },
  },
  {
    name: 'bucket vs object without a catalog: still names what the pattern covers',
    input: () => base({ action: 's3:ListBucket', resource: BUCKET, identity: set('identity', ['weasel-policy', objectOnly]) }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    says: ['arn:aws:s3:::weasel-images/* names what lies under arn:aws:s3:::weasel-images, not the resource itself'],
    fix: /^add arn:aws:s3:::weasel-images to the Resource of Statement\[0\]/,
    check: (e) => assert.ok(!e.findings.some((f) => f.code === PERMISSION_CODES.resourceType), 'no catalog, no resource-type finding'),
  },
  {
    name: 'object request against a bucket-only statement: the parent is named, /* suggested',
    input: () => base({ identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: BUCKET })]) }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    says: ['names the parent only; add arn:aws:s3:::weasel-images/* for what lies under it'],
    fix: `add ${OBJECT} to the Resource of Statement[0] of identity-based policy p`,
  },
  {
    name: 'wrong action: the statement names s3:GetObject, the request is s3:PutObject',
    input: () => base({ action: 's3:PutObject', identity: set('identity', ['p', doc({ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` })]) }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.actionMismatch],
    says: ['wrong action: the statement names s3:GetObject; the request is s3:PutObject'],
    fix: 'add s3:PutObject to the Action of Statement[0] (Sid "Read") of identity-based policy p',
  },
  {
    name: 'no policy attached at all: names the role',
    input: () => base({ identity: new PolicySet([]) }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.noPolicy],
    says: [`no policy attached to role ${ROLE} grants s3:GetObject`],
    fix: `attach a policy to role ${ROLE} that allows s3:GetObject on ${OBJECT}`,
    check: (e) => assert.deepEqual(e.closest, []),
  },
  {
    name: 'only Deny statements that do not apply: no Allow comes close, the fix says to add one',
    input: () => base({ identity: set('identity', ['p', doc({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' })]) }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.noAllow],
    fix: `no policy attached to role ${ROLE} grants s3:GetObject: add a statement that allows s3:GetObject on ${OBJECT}`,
    check: (e) => {
      assert.deepEqual(e.closest, []);
      assert.ok(formatPermissionExplanation(e).includes('No Allow statement of that policy type comes close.'));
    },
  },
  {
    name: 'explicit deny in an identity policy: the statement and the fix',
    input: () =>
      base({
        action: 's3:DeleteObject',
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'NoDelete', Effect: 'Deny', Action: 's3:Delete*', Resource: '*' })]),
      }),
    decision: 'explicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.explicitDeny],
    says: ['explicit deny: Statement[1] (Sid "NoDelete") of identity-based policy p denies s3:DeleteObject'],
    fix: 'remove or narrow Statement[1] (Sid "NoDelete") of identity-based policy p',
    check: (e) => assert.deepEqual(e.deciding.map((s) => s.effect), ['Deny']),
  },
  {
    name: 'explicit deny in the permissions boundary',
    input: () =>
      base({
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]),
        boundary: set('boundary', ['weasel-boundary', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'NoImages', Effect: 'Deny', Action: 's3:GetObject', Resource: `${BUCKET}/*` })]),
      }),
    decision: 'explicitDeny',
    deniedBy: 'boundary',
    says: ['Statement[1] (Sid "NoImages") of permissions boundary weasel-boundary denies s3:GetObject'],
    fix: 'remove or narrow Statement[1] (Sid "NoImages") of permissions boundary weasel-boundary',
    check: (e) => {
      assert.deepEqual(e.deciding.map((s) => s.policyType), ['boundary']);
      assert.equal(e.findings[0]?.details?.['policyType'], 'boundary');
    },
  },
  {
    name: 'explicit deny with a condition: the condition that held and the actual value',
    input: () =>
      base({
        context: ctx(['aws:SourceIp', 'ip', ['203.0.113.9']]),
        identity: set(
          'identity',
          ['p', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'OfficeOnly', Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })],
        ),
      }),
    decision: 'explicitDeny',
    deniedBy: 'identity',
    says: ['NotIpAddress aws:SourceIp 10.0.0.0/8 holds (the request has aws:SourceIp = 203.0.113.9)'],
  },
  {
    name: 'boundary narrower than the identity policy: the boundary is named, the identity Allow shown',
    input: () =>
      base({
        action: 's3:PutObject',
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]),
        boundary: set('boundary', ['weasel-boundary', doc({ Sid: 'ReadOnly', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' })]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'boundary',
    codes: [PERMISSION_CODES.boundary, PERMISSION_CODES.actionMismatch],
    says: ['the permissions boundary weasel-boundary does not allow s3:PutObject', 'Statement[0] of identity-based policy p allows it'],
    fix: 'the permissions boundary weasel-boundary does not allow s3:PutObject — add s3:PutObject to the Action of Statement[0] (Sid "ReadOnly") of permissions boundary weasel-boundary',
    check: (e) => {
      assert.deepEqual(e.allowedBy.map((s) => s.policyType), ['identity']);
      assert.equal(e.closest[0]?.statement.policyType, 'boundary');
    },
  },
  {
    name: 'allowed within a boundary and a session policy: their statements are shown',
    input: () =>
      base({
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]),
        boundary: set('boundary', ['b', doc({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' })]),
        session: set('session', ['session-policy-1', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` })]),
      }),
    decision: 'allowed',
    check: (e) => {
      assert.deepEqual(e.deciding.map((s) => s.policyType).sort(), ['boundary', 'identity', 'session']);
      assert.match(e.summary, /within Statement\[0\] of permissions boundary b; Statement\[0\] of session policy session-policy-1/);
    },
  },
  {
    name: 'session policy narrowing: the session policy removes the action',
    input: () =>
      base({
        action: 's3:PutObject',
        identity: set('identity', ['weasel-policy', walkthrough]),
        session: set('session', ['session-policy-1', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` })]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'session',
    codes: [PERMISSION_CODES.sessionPolicy, PERMISSION_CODES.actionMismatch],
    says: ['the session policy removes s3:PutObject'],
    fix: /^the session policy removes s3:PutObject — add s3:PutObject to the Action of Statement\[0\] of session policy session-policy-1$/,
    check: (e) => assert.deepEqual(e.allowedBy.map((s) => `${s.policyId}#${s.statementIndex}`), ['weasel-policy#0']),
  },
  {
    name: 'aws:SourceIp condition failing: the actual address is in the message',
    input: () =>
      base({
        context: ctx(['aws:SourceIp', 'ip', ['192.168.7.20']]),
        identity: set('identity', ['p', doc({ Sid: 'Office', Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '172.16.0.0/12'] } } })]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.conditionFailed],
    says: ['condition IpAddress on aws:SourceIp fails: the policy expects 10.0.0.0/8, 172.16.0.0/12, the request has aws:SourceIp = 192.168.7.20'],
    fix: /^the request's aws:SourceIp \(192\.168\.7\.20\) does not meet IpAddress 10\.0\.0\.0\/8, 172\.16\.0\.0\/12 in Statement\[0\] \(Sid "Office"\)/,
    check: (e) => {
      const miss = e.closest[0]?.misses[0];
      assert.deepEqual(miss?.details?.['actual'], ['192.168.7.20']);
      assert.equal(miss?.details?.['operator'], 'IpAddress');
      assert.equal(miss?.details?.['key'], 'aws:SourceIp');
    },
  },
  {
    name: 'aws:SourceIp absent: "the request has no aws:SourceIp"',
    input: () => base({ identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })]) }),
    decision: 'implicitDeny',
    says: ['the request has no aws:SourceIp'],
    fix: /^the request carries no aws:SourceIp, which IpAddress in Statement\[0\]/,
  },
  {
    name: 'IfExists with the key present still compares, and says so',
    input: () =>
      base({
        context: ctx(['s3:prefix', 'string', ['private/']]),
        action: 's3:ListBucket',
        resource: BUCKET,
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET, Condition: { StringLikeIfExists: { 's3:prefix': 'public/*' } } })]),
      }),
    decision: 'implicitDeny',
    says: ['IfExists only skips the check when the key is absent', 'the request has s3:prefix = private/'],
  },
  {
    name: 'IfExists with the key absent holds: allowed',
    input: () =>
      base({
        action: 's3:ListBucket',
        resource: BUCKET,
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET, Condition: { StringLikeIfExists: { 's3:prefix': 'public/*' } } })]),
      }),
    decision: 'allowed',
  },
  {
    name: 'ForAnyValue on an absent key fails, and the nuance is named',
    input: () => base({ identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } } })]) }),
    decision: 'implicitDeny',
    says: ['ForAnyValue is false when the key is absent or empty'],
  },
  {
    name: 'ForAllValues names the request value outside the allowed set',
    input: () =>
      base({
        context: ctx(['aws:TagKeys', 'stringList', ['team', 'cost-center']]),
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } } })]),
      }),
    decision: 'implicitDeny',
    says: ['ForAllValues needs every request value in team, env, and cost-center is not'],
  },
  {
    name: 'a multivalued key with a single-valued operator never matches',
    input: () =>
      base({
        context: ctx(['aws:TagKeys', 'stringList', ['team']]),
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:TagKeys': 'team' } } })]),
      }),
    decision: 'implicitDeny',
    says: ['aws:TagKeys is multivalued in the request (team)'],
  },
  {
    name: 'Null true with the key present',
    input: () =>
      base({
        context: ctx(['aws:SourceVpc', 'string', ['vpc-1']]),
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Null: { 'aws:SourceVpc': 'true' } } })]),
      }),
    decision: 'implicitDeny',
    says: ['Null true wants aws:SourceVpc absent, and the request has aws:SourceVpc = vpc-1'],
  },
  {
    name: 'NotAction listing the action: named with the pattern that excludes it',
    input: () => base({ action: 's3:DeleteObject', identity: set('identity', ['p', doc({ Effect: 'Allow', NotAction: ['s3:Delete*', 'iam:*'], Resource: '*' })]) }),
    decision: 'implicitDeny',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.actionMismatch],
    says: ["the statement's NotAction lists s3:DeleteObject (via s3:Delete*)"],
    fix: 'remove s3:Delete* from the NotAction of Statement[0] of identity-based policy p',
  },
  {
    name: 'NotResource listing the resource: named with the pattern that excludes it',
    input: () =>
      base({
        resource: 'arn:aws:s3:::vault/key',
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', NotResource: [BUCKET, 'arn:aws:s3:::vault/*'] })]),
      }),
    decision: 'implicitDeny',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.resourceMismatch],
    says: ["the statement's NotResource lists arn:aws:s3:::vault/key (via arn:aws:s3:::vault/*)"],
    fix: 'remove arn:aws:s3:::vault/* from the NotResource of Statement[0] of identity-based policy p',
  },
  {
    name: 'NotAction and NotResource that do not list the request: allowed',
    input: () => base({ identity: set('identity', ['p', doc({ Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::vault/*' })]) }),
    decision: 'allowed',
  },
  {
    name: 'region mismatch in an ARN',
    input: () =>
      base({
        action: 'dynamodb:GetItem',
        resource: `arn:aws:dynamodb:us-west-2:${ACCOUNT}:table/weasels`,
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/weasels` })]),
      }),
    decision: 'implicitDeny',
    says: ["names region us-east-1, the resource's region is us-west-2"],
  },
  {
    name: 'account mismatch in an ARN',
    input: () =>
      base({
        action: 'dynamodb:GetItem',
        resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/weasels`,
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: `arn:aws:dynamodb:*:${OTHER}:table/*` })]),
      }),
    decision: 'implicitDeny',
    says: [`names account ${OTHER}, the resource's account is ${ACCOUNT}`],
  },
  {
    name: 'an action that takes no resource needs "Resource": "*"',
    input: () => base({ action: 's3:ListAllMyBuckets', resource: '*', identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: BUCKET })]) }),
    decision: 'implicitDeny',
    says: ['s3:ListAllMyBuckets takes no resource ARN'],
    fix: 'allow s3:ListAllMyBuckets in a statement with "Resource": "*"',
  },
  {
    name: 'a policy variable in the Resource: its value for this request is shown',
    input: () =>
      base({
        principal: principal(`arn:aws:iam::${ACCOUNT}:user/alice`),
        context: ctx(['aws:username', 'string', ['alice']]),
        resource: 'arn:aws:s3:::home/bob/notes.txt',
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' })]),
      }),
    decision: 'implicitDeny',
    says: ['arn:aws:s3:::home/${aws:username}/* is arn:aws:s3:::home/alice/* for this request'],
    fix: /^add arn:aws:s3:::home\/bob\/notes.txt to the Resource of Statement\[0\] of identity-based policy p$/,
  },
  {
    name: 'the request itself names the wrong kind of ARN (catalog)',
    input: () => base({ action: 's3:ListBucket', resource: OBJECT, identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })]), catalog }),
    decision: 'implicitDeny',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.actionMismatch, PERMISSION_CODES.resourceType],
    says: ['the request names the wrong kind of resource: s3:ListBucket applies to', 'bucket (arn:${Partition}:s3:::${BucketName}); arn:aws:s3:::weasel-images/cat.png is none of them'],
  },
  {
    name: 'closest ranking prefers a statement whose action matches',
    input: () =>
      base({
        action: 's3:ListBucket',
        resource: BUCKET,
        context: ctx(['aws:SourceIp', 'ip', ['10.1.2.3']]),
        identity: set(
          'identity',
          ['a', doc({ Sid: 'Put', Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })],
          ['b', doc({ Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: `${BUCKET}/*` })],
          ['c', doc({ Sid: 'Other', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:111122223333:q' })],
        ),
      }),
    decision: 'implicitDeny',
    check: (e) => {
      assert.deepEqual(
        e.closest.map((c) => c.statement.sid),
        ['List', 'Put', 'Other'],
      );
      assert.deepEqual(
        e.closest.map((c) => [c.matched, c.of]),
        [
          [1, 2],
          [2, 3],
          [0, 2],
        ],
      );
    },
  },
  {
    name: 'resource policy explicit deny',
    input: () =>
      base({
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]),
        resourcePolicy: set('resource', [
          'bucket-policy:weasel-images',
          doc({ Sid: 'DenyInsecure', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${BUCKET}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
        context: ctx(['aws:SecureTransport', 'boolean', ['false']]),
      }),
    decision: 'explicitDeny',
    deniedBy: 'resource',
    says: ['Statement[0] (Sid "DenyInsecure") of resource-based policy bucket-policy:weasel-images denies s3:GetObject', 'Bool aws:SecureTransport false holds'],
    fix: 'remove or narrow Statement[0] (Sid "DenyInsecure") of resource-based policy bucket-policy:weasel-images',
  },
  {
    name: 'cross account: the bucket policy names another principal',
    input: () =>
      base({
        resourceAccount: OTHER,
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })]),
        resourcePolicy: set('resource', [
          'bucket-policy:weasel-images',
          doc({ Sid: 'Partner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other-role` }, Action: 's3:GetObject', Resource: `${BUCKET}/*` }),
        ]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'resource',
    codes: [PERMISSION_CODES.resourcePolicy, PERMISSION_CODES.principalMismatch],
    says: [`across accounts both sides must allow`, `the statement's Principal names AWS: arn:aws:iam::${ACCOUNT}:role/other-role; the caller is ${SESSION} (a session of role ${ROLE}`],
    fix: `add ${ROLE} to the Principal of Statement[0] (Sid "Partner") of resource-based policy bucket-policy:weasel-images`,
  },
  {
    name: 'cross account without a resource policy',
    input: () =>
      base({
        action: 'dynamodb:GetItem',
        resource: `arn:aws:dynamodb:us-east-1:${OTHER}:table/t`,
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' })]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'resource',
    codes: [PERMISSION_CODES.resourcePolicy],
    says: [`the resource is in account ${OTHER} and the caller in ${ACCOUNT}`],
    fix: `add a resource-based policy that allows ${ROLE} to dynamodb:GetItem`,
  },
  {
    name: 'trust policy: sub condition names the wrong namespace (expected and actual)',
    input: () => {
      const issuer = 'oidc.eks.us-east-1.amazonaws.com/id/ABC';
      const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}`;
      return {
        principal: principal(provider),
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: ROLE,
        context: ctx([`${issuer}:sub`, 'string', ['system:serviceaccount:default:weasel-eks-pod-sa']], [`${issuer}:aud`, 'string', ['sts.amazonaws.com']]),
        resourcePolicy: new PolicySet([
          loadPolicy(
            doc({
              Effect: 'Allow',
              Principal: { Federated: provider },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:weasel:weasel-eks-pod-sa', [`${issuer}:aud`]: 'sts.amazonaws.com' } },
            }),
            'trust',
            'trust-policy:weasel-role',
          ),
        ]),
        resourcePolicyRequired: true,
      };
    },
    decision: 'implicitDeny',
    deniedBy: 'resource',
    codes: [PERMISSION_CODES.resourcePolicy, PERMISSION_CODES.conditionFailed],
    says: ['no statement of the trust policy allows', 'the policy expects system:serviceaccount:weasel:weasel-eks-pod-sa, the request has oidc.eks.us-east-1.amazonaws.com/id/ABC:sub = system:serviceaccount:default:weasel-eks-pod-sa'],
    check: (e) => {
      assert.match(e.closest[0]?.statement.label ?? '', /of trust policy trust-policy:weasel-role$/);
      // the aud condition holds: it is listed as a matched check
      assert.ok(e.closest[0]?.checks.some((k) => k.element === 'condition' && k.matched && k.message.includes(':aud')));
    },
  },
  {
    name: 'same-account resource policy naming the caller grants on its own',
    input: () =>
      base({
        principal: principal(`arn:aws:iam::${ACCOUNT}:user/alice`),
        identity: new PolicySet([]),
        resourcePolicy: set('resource', ['bp', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 's3:GetObject', Resource: `${BUCKET}/*` })]),
      }),
    decision: 'allowed',
    codes: [PERMISSION_CODES.resourcePolicyGrant],
    check: (e) => assert.deepEqual(e.deciding.map((s) => s.policyType), ['resource']),
  },
  {
    name: 'an anonymous caller is told to sign, never to open the policy to everyone',
    input: () =>
      base({
        principal: principal('anonymous'),
        resourcePolicy: set('resource', ['bp', doc({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 's3:GetObject', Resource: `${BUCKET}/*` })]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'resource',
    codes: [PERMISSION_CODES.resourcePolicy, PERMISSION_CODES.principalMismatch],
    says: ['the caller is anonymous (an unsigned request)'],
    fix: 'sign the request with credentials of a principal that the policy names',
  },
  {
    name: 'identity and boundary both lack an Allow: both are named, both fixes given',
    input: () =>
      base({
        action: 's3:PutObject',
        identity: set('identity', ['p', doc({ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })]),
        boundary: set('boundary', ['b', doc({ Sid: 'ReadOnly', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })]),
      }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    codes: [PERMISSION_CODES.noAllow, PERMISSION_CODES.actionMismatch, PERMISSION_CODES.boundary],
    fix: 'add s3:PutObject to the Action of Statement[0] (Sid "Read") of identity-based policy p; also: the permissions boundary b does not allow s3:PutObject — add s3:PutObject to the Action of Statement[0] (Sid "ReadOnly") of permissions boundary b',
  },
  {
    name: 'a closest statement missing on action and resource is not patched: a new statement is the fix',
    input: () => base({ action: 's3:PutObject', identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' })]) }),
    decision: 'implicitDeny',
    fix: `add a statement that allows s3:PutObject on ${OBJECT} to identity-based policy p`,
  },
  {
    name: 'bad input (action without a service, resource that is not an ARN) is explained, not a crash',
    input: () => base({ action: 'GetObject', resource: 'not-an-arn', identity: set('identity', ['p', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` })]), catalog }),
    decision: 'implicitDeny',
    deniedBy: 'identity',
    says: ['wrong action: the statement names s3:GetObject; the request is GetObject', 'GetObject needs not-an-arn, the policy only names arn:aws:s3:::weasel-images/*'],
    fix: `add a statement that allows GetObject on not-an-arn to identity-based policy p`,
  },
  {
    name: 'sts:GetCallerIdentity needs no permission',
    input: () => base({ action: 'sts:GetCallerIdentity', resource: '*', identity: new PolicySet([]) }),
    decision: 'allowed',
    says: ['needs no permission'],
  },
  {
    name: 'bounded: a statement with 300 actions is summarised, not dumped',
    input: () =>
      base({
        action: 's3:PutObject',
        identity: set('identity', ['p', doc({ Effect: 'Allow', Action: Array.from({ length: 300 }, (_, i) => `s3:Get${i}`), Resource: '*' })]),
      }),
    decision: 'implicitDeny',
    says: ['(+292 more)'],
    check: (e) => {
      for (const line of formatPermissionExplanation(e)) assert.ok(line.length < 2000, `line of ${line.length} chars`);
      assert.ok((e.closest[0]?.misses[0]?.details?.['expected'] as readonly string[]).length <= 32);
    },
  },
];

function allText(e: PermissionExplanation): string {
  return [e.summary, ...e.findings.map((f) => `${f.message} | ${f.fix ?? ''}`), ...e.closest.flatMap((c) => c.checks.map((k) => k.message))].join('\n');
}

describe('explainPermissions', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const input = c.input();
      const e = explainPermissions(input);
      const engine = authorize(
        { principal: input.principal, action: input.action, resource: input.resource, context: input.context },
        {
          identity: input.identity,
          boundary: input.boundary,
          session: input.session,
          resource: input.resourcePolicy,
          resourceAccount: input.resourceAccount,
          resourcePolicyRequired: input.resourcePolicyRequired,
        },
      );
      assert.equal(e.decision, engine.decision, 'the decision is the engine’s');
      assert.equal(e.decision, c.decision, allText(e));
      assert.equal(e.deniedBy, engine.deniedBy);
      if (c.deniedBy) assert.equal(e.deniedBy, c.deniedBy);
      const text = allText(e);
      for (const s of c.says ?? []) assert.ok(text.includes(s), `expected «${s}» in:\n${text}`);
      if (c.codes) {
        const codes = e.findings.map((f) => f.code);
        assert.equal(codes[0], c.codes[0], `codes: ${codes.join(', ')}`);
        for (const code of c.codes) assert.ok(codes.includes(code), `missing ${code} in ${codes.join(', ')}`);
      }
      if (c.fix !== undefined) {
        assert.ok(e.fix, `no fix:\n${text}`);
        if (typeof c.fix === 'string') assert.equal(e.fix, c.fix);
        else assert.match(e.fix, c.fix);
      }
      c.check?.(e);
      const lines = formatPermissionExplanation(e);
      assert.equal(lines[0], e.summary);
      if (e.fix) assert.equal(lines.at(-1), `Fix: ${e.fix}`);
      for (const line of lines) assert.doesNotMatch(line, /\u001b\[/, 'no color codes');
    });
  }

  it('formats closest statements element by element', () => {
    const e = explainPermissions(base({ action: 's3:ListBucket', resource: BUCKET, identity: set('identity', ['weasel-policy', objectOnly]) }));
    const lines = formatPermissionExplanation(e);
    assert.ok(lines.includes('Closest statements:') || lines.includes('Closest statement:'), lines.join('\n'));
    assert.ok(lines.some((l) => /^ {6}ok {3}action: Action s3:ListBucket covers s3:ListBucket$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^ {6}MISS resource: s3:ListBucket needs arn:aws:s3:::weasel-images/.test(l)), lines.join('\n'));
  });
});

/**
 * Property: over the whole evaluation corpus (test/cases), the explanation's decision and
 * deniedBy are the engine's, and its parts are consistent with them.
 */
describe('explainPermissions over the evaluation corpus', () => {
  const dir = join(repoRoot, 'test', 'cases');
  const cache = new PolicyCache();
  const cases: { file: string; raw: Record<string, JsonValue> }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    for (const raw of JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, JsonValue>[]) cases.push({ file, raw });
  }

  it(`holds for every case (${cases.length})`, () => {
    assert.ok(cases.length >= 300);
    const seen = { allowed: 0, explicitDeny: 0, implicitDeny: 0 };
    for (const { file, raw } of cases) {
      const where = `${file} › ${String(raw['name'])}`;
      const input = inputOf(raw);
      const engine = runCase(raw, cache, { defaults: false });
      const e = explainPermissions(input);
      seen[e.decision]++;
      assert.equal(e.decision, engine.decision, where);
      assert.equal(e.decision, (raw['expect'] as Record<string, string>)['decision'], where);
      if (e.decision === 'allowed') {
        assert.equal(e.fix, undefined, where);
        assert.equal(e.closest.length, 0, where);
      } else {
        assert.ok(e.deniedBy, where);
        assert.ok(e.fix, `${where}: a denial names a fix`);
        assert.ok(e.findings.length > 0, where);
      }
      if (e.decision === 'explicitDeny') {
        assert.ok(e.deciding.length > 0 && e.deciding.every((s) => s.effect === 'Deny'), where);
        assert.ok(e.deciding.some((s) => s.policyType === e.deniedBy), where);
        assert.ok(e.findings.every((f) => f.code === PERMISSION_CODES.explicitDeny), where);
      }
      if (e.decision === 'implicitDeny') {
        assert.equal(e.deciding.length, 0, where);
        const typeCodes: Record<string, string[]> = {
          identity: [PERMISSION_CODES.noAllow, PERMISSION_CODES.noPolicy],
          boundary: [PERMISSION_CODES.boundary],
          session: [PERMISSION_CODES.sessionPolicy],
          resource: [PERMISSION_CODES.resourcePolicy],
          scp: [PERMISSION_CODES.scp],
        };
        assert.ok(typeCodes[e.deniedBy as string]?.includes(e.findings[0]?.code ?? ''), `${where}: ${e.findings[0]?.code}`);
        for (const c of e.closest) {
          assert.equal(c.statement.effect, 'Allow', where);
          assert.equal(c.statement.policyType, e.deniedBy, where);
          assert.ok(c.misses.length > 0, `${where}: a closest statement misses somewhere`);
          assert.equal(c.misses.length, c.checks.filter((k) => !k.matched).length, where);
        }
      }
    }
    // The corpus exercises every decision kind.
    assert.ok(seen.allowed > 50 && seen.explicitDeny > 20 && seen.implicitDeny > 50, JSON.stringify(seen));
  });
});

/** A corpus case as the explainer's input (the same reading as src/simulate/case.ts, without defaults). */
function inputOf(raw: Record<string, JsonValue>): PermissionInput {
  const p = principalFromString(raw['caller'] as string, raw['roleArn'] as string | undefined, raw['userArn'] as string | undefined);
  if (!p) throw new Error(`bad caller in ${String(raw['name'])}`);
  const docs = (field: string, kind: PolicyKind): PolicySet | undefined => {
    const v = raw[field] as JsonValue[] | undefined;
    return v ? new PolicySet(v.map((d, i) => loadPolicy(d, kind, `${field}[${i}]`))) : undefined;
  };
  const kind = (raw['resourcePolicyKind'] as string | undefined) ?? 'resource';
  const rp = raw['resourcePolicy'];
  const boundary = docs('boundary', 'boundary');
  const rawScp = raw['scp'] as JsonValue[] | undefined;
  const nested = rawScp !== undefined && rawScp.length > 0 && rawScp.every(Array.isArray);
  const levels = rawScp === undefined ? undefined : nested ? (rawScp as JsonValue[][]) : [rawScp];
  const context = new RequestContext(
    ((raw['context'] as { key: string; type?: ContextType; values: (string | number | boolean)[] }[] | undefined) ?? []).map((e) => ({
      key: e.key,
      type: e.type ?? 'string',
      values: e.values.map(String),
    })),
  );
  return {
    principal: p,
    action: raw['action'] as string,
    resource: (raw['resource'] as string | undefined) ?? '*',
    context,
    identity: docs('identity', 'identity') ?? new PolicySet([]),
    boundary: boundary && boundary.policies.length > 0 ? boundary : undefined,
    session: docs('session', 'session'),
    resourcePolicy: rp === undefined ? undefined : new PolicySet([loadPolicy(rp, kind as PolicyKind, 'resourcePolicy')]),
    resourceAccount: raw['resourceOwner'] as string | undefined,
    resourcePolicyRequired: kind === 'trust',
    scp: levels?.map((level, li) => new PolicySet(level.map((d, i) => loadPolicy(d, 'scp', `scp[${li}][${i}]`)))),
  };
}
