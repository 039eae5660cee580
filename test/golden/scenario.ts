/**
 * The golden scenario: one irsa-local server started in-process (free port, temporary data
 * directory, fixed clock), driven by raw SigV4-signed query requests that call every IAM and STS
 * operation the server implements at least once successfully and provoke the errors AWS
 * documents for them. Each recorded call becomes one fixture (see recorder.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminCredentials, secretSealer } from '../../src/server/bootstrap.js';
import { startServer } from '../../src/server/app.js';
import { dataDir, loadDataKey } from '../../src/server/data-dir.js';
import type { Logger } from '../../src/server/log.js';
import { IAM_MODEL } from '../../src/wire/models/iam.js';
import { signingKey, signToken, startIdp, type TestIdp } from '../oidc/idp.js';
import { createTestCa, issueCert } from '../support/tls.js';
import { Clock, type Creds } from './client.js';
import { Normalizer } from './normalize.js';
import { Recorder, list, p, tags, type P, type RecordedCase } from './recorder.js';

/** The scenario's clock starts here; timestamps from it are kept in fixtures. */
export const T0 = new Date('2026-06-01T12:00:00Z');

const doc = (...statements: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** A policy of about `chars` characters (no whitespace), for the size quotas. */
function sizedDoc(chars: number): string {
  const resources: string[] = [];
  let text = '';
  for (let i = 0; text.length < chars; i++) {
    resources.push(`arn:aws:s3:::golden-bucket-${String(i).padStart(4, '0')}/*`);
    text = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: resources });
  }
  return text;
}

export interface ScenarioResult {
  readonly cases: RecordedCase[];
  readonly account: string;
  /** What the server logged as internal errors (each would be an InternalFailure 500). */
  readonly serverErrors: string[];
}

export async function runScenario(): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-golden-'));
  const clock = new Clock(T0);
  const ca = createTestCa();
  const idp: TestIdp = await startIdp(issueCert(ca, ['127.0.0.1']), { path: '/id/GOLDEN' });
  const key = signingKey('RS256', 'golden-key-1');
  idp.keys.push(key.publicJwk);
  const serverErrors: string[] = [];
  const log: Logger = { info: () => {}, error: (m, e) => serverErrors.push(`${m}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`) };
  const server = await startServer({ dataDir: dir, port: 0, now: clock.now, log });
  try {
    const admin = await adminCredentials(server.store, secretSealer(loadDataKey(dataDir(dir)) as Uint8Array));
    if (!admin) throw new Error('no bootstrap administrator');
    const normalizer = new Normalizer({ start: T0, end: new Date(T0.getTime() + 86_400_000) });
    normalizer.literal(`127.0.0.1:${idp.port}`, '127.0.0.1:<idp-port>');
    normalizer.literal(`127.0.0.1%3A${idp.port}`, '127.0.0.1%3A<idp-port>');
    normalizer.literal(ca.thumbprint, '<ca-thumbprint>');
    const r = new Recorder(server.port, clock, normalizer, admin);
    await scenario(r, server.account, idp, key, ca.thumbprint);
    return { cases: r.cases, account: server.account, serverErrors };
  } finally {
    await server.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function scenario(r: Recorder, account: string, idp: TestIdp, key: ReturnType<typeof signingKey>, thumbprint: string): Promise<void> {
  const policyArn = (name: string, path = '/') => `arn:aws:iam::${account}:policy${path}${name}`;
  const roleArn = (name: string, path = '/') => `arn:aws:iam::${account}:role${path}${name}`;
  const userArn = (name: string, path = '/') => `arn:aws:iam::${account}:user${path}${name}`;
  const missingPolicy = policyArn('no-such-policy');
  const missingProvider = `arn:aws:iam::${account}:oidc-provider/oidc.example.com/id/MISSING`;
  const missingKey = 'AKIAIOSFODNN7EXAMPLE';
  const issuerHost = idp.issuer.slice('https://'.length);
  const providerArn = `arn:aws:iam::${account}:oidc-provider/${issuerHost}`;

  const readDoc = JSON.stringify(
    { Version: '2012-10-17', Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::golden-bucket', 'arn:aws:s3:::golden-bucket/*'] }] },
    null,
    2,
  );
  const boundaryDoc = doc({ Effect: 'Allow', Action: ['iam:*', 'sts:*', 's3:*'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:DeleteRole', Resource: '*' });
  const trustAccount = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' });
  const trustAccountTags = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] });
  const badJson = '{"Version":"2012-10-17","Statement":[';

  // ================================================================ protocol and authentication
  await r.call('admin', 'GetCallerIdentity');
  await r.call('MissingAuthenticationToken', 'GetCallerIdentity', [], { creds: null, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' });
  await r.call('InvalidClientTokenId', 'GetCallerIdentity', [], {
    creds: { accessKeyId: missingKey, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
  });
  await r.call('SignatureDoesNotMatch', 'ListUsers', [], {
    creds: { accessKeyId: r.admin.accessKeyId, secretAccessKey: 'not-the-secret-of-this-key-0123456789abcd' },
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  });
  await r.call('SignatureDoesNotMatch-expired', 'ListUsers', [], {
    signingDate: new Date(T0.getTime() - 20 * 60_000),
    code: 'SignatureDoesNotMatch',
    message: /^Signature expired: 20260601T114000Z is now earlier than 20260601T114500Z \(20260601T120000Z - 15 min\.\)$/,
  });
  await r.call('IncompleteSignature', 'GetCallerIdentity', [], {
    tamper: (h) => {
      h['authorization'] = (h['authorization'] as string).replace(/, Signature=[0-9a-f]+$/, '');
    },
    code: 'IncompleteSignature',
    message: /^Authorization header requires 'Signature' parameter\. Authorization=AWS4-HMAC-SHA256 Credential=/,
  });
  await r.call('InvalidAction', 'FrobnicateRoles', [], { code: 'InvalidAction', message: 'Could not find operation FrobnicateRoles for version 2010-05-08', service: 'iam' });
  await r.call('InvalidAction', 'GetFederationToken', p({ Name: 'golden' }), { code: 'InvalidAction', message: 'Could not find operation GetFederationToken for version 2011-06-15' });

  // ================================================================ managed policies
  const goldenRead = policyArn('golden-read', '/golden/');
  const goldenBoundary = policyArn('golden-boundary');
  await r.call('success', 'CreatePolicy', [
    ...p({ PolicyName: 'golden-read', Path: '/golden/', PolicyDocument: readDoc, Description: 'Read the golden bucket & list it' }),
    ...tags('Tags', [['team', 'golden']]),
  ]);
  await r.call('minimal', 'CreatePolicy', p({ PolicyName: 'golden-boundary', PolicyDocument: boundaryDoc }));
  await r.call('EntityAlreadyExists', 'CreatePolicy', p({ PolicyName: 'GOLDEN-READ', PolicyDocument: readDoc }), {
    code: 'EntityAlreadyExists',
    message: 'A policy called GOLDEN-READ already exists. Duplicate names are not allowed.',
  });
  await r.call('MalformedPolicyDocument', 'CreatePolicy', p({ PolicyName: 'golden-bad', PolicyDocument: badJson }), { code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
  await r.call('MalformedPolicyDocument-no-resource', 'CreatePolicy', p({ PolicyName: 'golden-bad', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject' }) }), {
    code: 'MalformedPolicyDocument',
    message: 'Policy statement must contain resources.',
  });
  await r.call('MalformedPolicyDocument-principal', 'CreatePolicy', p({ PolicyName: 'golden-bad', PolicyDocument: doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }) }), {
    code: 'MalformedPolicyDocument',
    message: 'Policy document should not specify a principal.',
  });
  await r.call('LimitExceeded', 'CreatePolicy', p({ PolicyName: 'golden-huge', PolicyDocument: sizedDoc(6200) }), { code: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 6144' });
  await r.call('ValidationError', 'CreatePolicy', p({ PolicyName: 'x'.repeat(129), Path: 'no-slash', PolicyDocument: readDoc }), {
    code: 'ValidationError',
    message: /^2 validation errors detected: /,
  });
  await r.call('InvalidInput', 'CreatePolicy', [...p({ PolicyName: 'golden-tags', PolicyDocument: readDoc }), ...tags('Tags', [['Env', 'a'], ['env', 'b']])], {
    code: 'InvalidInput',
    message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  });
  await r.call('success', 'GetPolicy', p({ PolicyArn: goldenRead }));
  await r.call('aws-managed', 'GetPolicy', p({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  await r.call('ValidationError-arn', 'GetPolicy', p({ PolicyArn: 'arn:aws:iam::not-a-policy-arn' }), { code: 'ValidationError', message: 'Invalid ARN:  Could not be parsed!' });
  await r.call('local', 'ListPolicies', p({ Scope: 'Local' }));
  const pol1 = await r.call('page-1', 'ListPolicies', p({ Scope: 'Local', MaxItems: 1 }));
  await r.call('page-2', 'ListPolicies', p({ Scope: 'Local', MaxItems: 1, Marker: pol1.text('Marker') }));
  await r.call('aws', 'ListPolicies', p({ Scope: 'AWS' }));
  await r.call('ValidationError', 'ListPolicies', p({ Scope: 'Everything', MaxItems: 0 }), { code: 'ValidationError', message: /^2 validation errors detected: / });

  // versions: v1 (created), v2, v3 (default), v4, v5; the sixth is over the quota
  const v = (n: number) => doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::golden-bucket/v${n}/*` });
  await r.call('success', 'CreatePolicyVersion', p({ PolicyArn: goldenRead, PolicyDocument: v(2) }));
  await r.call('set-as-default', 'CreatePolicyVersion', p({ PolicyArn: goldenRead, PolicyDocument: v(3), SetAsDefault: true }));
  await r.step('CreatePolicyVersion', p({ PolicyArn: goldenRead, PolicyDocument: v(4) }));
  await r.step('CreatePolicyVersion', p({ PolicyArn: goldenRead, PolicyDocument: v(5) }));
  await r.call('LimitExceeded', 'CreatePolicyVersion', p({ PolicyArn: goldenRead, PolicyDocument: v(6) }), {
    code: 'LimitExceeded',
    message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
  });
  await r.call('MalformedPolicyDocument', 'CreatePolicyVersion', p({ PolicyArn: goldenRead, PolicyDocument: doc({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }) }), {
    code: 'MalformedPolicyDocument',
    message: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  });
  await r.call('success', 'GetPolicyVersion', p({ PolicyArn: goldenRead, VersionId: 'v3' }));
  await r.call('ValidationError', 'GetPolicyVersion', p({ PolicyArn: goldenRead, VersionId: '3' }), { code: 'ValidationError', message: /^1 validation error detected: Value '3' at 'versionId'/ });
  await r.call('success', 'ListPolicyVersions', p({ PolicyArn: goldenRead }));
  const ver1 = await r.call('page-1', 'ListPolicyVersions', p({ PolicyArn: goldenRead, MaxItems: 2 }));
  await r.call('page-2', 'ListPolicyVersions', p({ PolicyArn: goldenRead, MaxItems: 2, Marker: ver1.text('Marker') }));
  await r.call('success', 'SetDefaultPolicyVersion', p({ PolicyArn: goldenRead, VersionId: 'v1' }));
  await r.call('success', 'DeletePolicyVersion', p({ PolicyArn: goldenRead, VersionId: 'v2' }));
  await r.call('DeleteConflict', 'DeletePolicyVersion', p({ PolicyArn: goldenRead, VersionId: 'v1' }), { code: 'DeleteConflict', message: 'Cannot delete the default version of a policy.' });
  await r.call('DeleteConflict-versions', 'DeletePolicy', p({ PolicyArn: goldenRead }), {
    code: 'DeleteConflict',
    message: "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
  });
  await r.call('success', 'TagPolicy', tags('Tags', [['cost-center', '42'], ['owner', 'golden team']]).concat(p({ PolicyArn: goldenRead })));
  await r.call('LimitExceeded', 'TagPolicy', [...p({ PolicyArn: goldenRead }), ...tags('Tags', Array.from({ length: 48 }, (_, i) => [`extra-${i}`, 'x'] as const))], {
    code: 'LimitExceeded',
    message: 'The number of tags has reached the maximum limit.',
  });
  await r.call('success', 'UntagPolicy', [...p({ PolicyArn: goldenRead }), ...list('TagKeys', ['cost-center'])]);
  await r.call('success', 'ListPolicyTags', p({ PolicyArn: goldenRead }));

  // ================================================================ users and access keys
  await r.call('success', 'CreateUser', [...p({ UserName: 'golden-user', Path: '/golden/' }), ...tags('Tags', [['team', 'golden']])]);
  await r.call('with-boundary', 'CreateUser', p({ UserName: 'golden-bounded-user', PermissionsBoundary: goldenBoundary }));
  await r.call('EntityAlreadyExists', 'CreateUser', p({ UserName: 'GOLDEN-USER' }), { code: 'EntityAlreadyExists', message: 'User with name GOLDEN-USER already exists.' });
  await r.call('ValidationError', 'CreateUser', p({ UserName: 'bad name!' }), {
    code: 'ValidationError',
    message: "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
  });
  await r.call('success', 'GetUser', p({ UserName: 'golden-user' }));
  await r.call('caller', 'GetUser');
  await r.call('different-case', 'GetUser', p({ UserName: 'Golden-User' }));
  await r.call('with-boundary', 'GetUser', p({ UserName: 'golden-bounded-user' }));
  await r.call('success', 'ListUsers');
  const users1 = await r.call('page-1', 'ListUsers', p({ MaxItems: 1 }));
  await r.call('page-2', 'ListUsers', p({ MaxItems: 1, Marker: users1.text('Marker') }));
  await r.call('path-prefix', 'ListUsers', p({ PathPrefix: '/golden/' }));
  await r.call('success', 'TagUser', [...p({ UserName: 'golden-user' }), ...tags('Tags', [['env', 'dev'], ['tier', '1']])]);
  await r.call('ValidationError', 'TagUser', [...p({ UserName: 'golden-user' }), ...tags('Tags', Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'] as const))], {
    code: 'ValidationError',
    message: "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
  });
  await r.call('success', 'UntagUser', [...p({ UserName: 'golden-user' }), ...list('TagKeys', ['tier'])]);
  await r.call('success', 'ListUserTags', p({ UserName: 'golden-user' }));
  const key1 = await r.call('success', 'CreateAccessKey', p({ UserName: 'golden-user' }));
  r.clock.advance(1); // the second key is a second younger: ListAccessKeys lists oldest first
  const key2 = await r.call('second', 'CreateAccessKey', p({ UserName: 'golden-user' }));
  await r.call('LimitExceeded', 'CreateAccessKey', p({ UserName: 'golden-user' }), { code: 'LimitExceeded', message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
  await r.call('success', 'ListAccessKeys', p({ UserName: 'golden-user' }));
  await r.call('caller', 'ListAccessKeys');
  await r.call('success', 'UpdateAccessKey', p({ UserName: 'golden-user', AccessKeyId: key2.text('AccessKeyId'), Status: 'Inactive' }));
  await r.call('ValidationError', 'UpdateAccessKey', p({ UserName: 'golden-user', AccessKeyId: key2.text('AccessKeyId'), Status: 'Disabled' }), {
    code: 'ValidationError',
    message: "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
  });
  await r.call('InvalidInput', 'UpdateAccessKey', p({ UserName: 'golden-user', AccessKeyId: key2.text('AccessKeyId'), Status: 'Expired' }), {
    code: 'InvalidInput',
    message: 'Invalid status Expired for an access key: it can be set to Active or Inactive.',
  });
  await r.call('InvalidClientTokenId-inactive-key', 'GetCallerIdentity', [], {
    creds: { accessKeyId: key2.text('AccessKeyId'), secretAccessKey: key2.text('SecretAccessKey') },
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
  });
  await r.call('success', 'DeleteAccessKey', p({ UserName: 'golden-user', AccessKeyId: key2.text('AccessKeyId') }));

  await r.call('success', 'PutUserPolicy', p({ UserName: 'golden-user', PolicyName: 'inline-read', PolicyDocument: readDoc }));
  await r.call('LimitExceeded', 'PutUserPolicy', p({ UserName: 'golden-user', PolicyName: 'inline-big', PolicyDocument: sizedDoc(1900) }), {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 2048 bytes exceeded for user golden-user',
  });
  await r.call('MalformedPolicyDocument', 'PutUserPolicy', p({ UserName: 'golden-user', PolicyName: 'inline-bad', PolicyDocument: badJson }), {
    code: 'MalformedPolicyDocument',
    message: 'Syntax errors in policy.',
  });
  await r.call('success', 'GetUserPolicy', p({ UserName: 'golden-user', PolicyName: 'inline-read' }));
  await r.call('success', 'ListUserPolicies', p({ UserName: 'golden-user' }));
  await r.call('success', 'AttachUserPolicy', p({ UserName: 'golden-user', PolicyArn: goldenRead }));
  await r.call('already-attached', 'AttachUserPolicy', p({ UserName: 'golden-user', PolicyArn: goldenRead }));
  await r.call('success', 'ListAttachedUserPolicies', p({ UserName: 'golden-user' }));
  await r.call('success', 'PutUserPermissionsBoundary', p({ UserName: 'golden-user', PermissionsBoundary: goldenBoundary }));
  await r.call('success', 'DeleteUserPermissionsBoundary', p({ UserName: 'golden-bounded-user' }));

  // ================================================================ roles
  const goldenRole = roleArn('golden-role');
  await r.call('success', 'CreateRole', [
    ...p({ RoleName: 'golden-role', AssumeRolePolicyDocument: trustAccount, Description: 'Assumable by the account' }),
    ...tags('Tags', [['team', 'golden']]),
  ]);
  await r.call('with-everything', 'CreateRole', [
    ...p({ RoleName: 'golden-bounded', Path: '/golden/', AssumeRolePolicyDocument: trustAccountTags, Description: 'Bounded', MaxSessionDuration: 7200, PermissionsBoundary: goldenBoundary }),
    ...tags('Tags', [['team', 'golden'], ['tier', 'bounded']]),
  ]);
  await r.call('EntityAlreadyExists', 'CreateRole', p({ RoleName: 'GOLDEN-ROLE', AssumeRolePolicyDocument: trustAccount }), { code: 'EntityAlreadyExists', message: 'Role with name GOLDEN-ROLE already exists.' });
  await r.call('MalformedPolicyDocument', 'CreateRole', p({ RoleName: 'golden-bad', AssumeRolePolicyDocument: badJson }), { code: 'MalformedPolicyDocument', message: 'This policy contains invalid Json' });
  await r.call('MalformedPolicyDocument-resource', 'CreateRole', p({ RoleName: 'golden-bad', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole', Resource: '*' }) }), {
    code: 'MalformedPolicyDocument',
    message: 'Has prohibited field Resource.',
  });
  await r.call('MalformedPolicyDocument-principal', 'CreateRole', p({ RoleName: 'golden-bad', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: userArn('nobody') }, Action: 'sts:AssumeRole' }) }), {
    code: 'MalformedPolicyDocument',
    message: `Invalid principal in policy: "AWS":"${userArn('nobody')}"`,
  });
  const longTrust = doc({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': Array.from({ length: 60 }, (_, i) => `external-id-${String(i).padStart(20, '0')}`) } } });
  await r.call('LimitExceeded', 'CreateRole', p({ RoleName: 'golden-big-trust', AssumeRolePolicyDocument: longTrust }), { code: 'LimitExceeded', message: 'Cannot exceed quota for ACLSizePerRole: 2048' });
  await r.call('ValidationError', 'CreateRole', p({ RoleName: 'r'.repeat(65), AssumeRolePolicyDocument: trustAccount, MaxSessionDuration: 100 }), {
    code: 'ValidationError',
    message: `2 validation errors detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600; Value '${'r'.repeat(65)}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`,
  });
  await r.call('NoSuchEntity-boundary', 'CreateRole', p({ RoleName: 'golden-nb', AssumeRolePolicyDocument: trustAccount, PermissionsBoundary: missingPolicy }), {
    code: 'NoSuchEntity',
    message: `Scope ARN: ${missingPolicy} does not exist or is not attachable.`,
    unmodelled: 'AWS answers a missing permissions boundary with NoSuchEntity 404 "Scope ARN: … does not exist or is not attachable." (seen from CreateRole in rosa and SAM logs)',
  });
  await r.call('success', 'GetRole', p({ RoleName: 'golden-role' }));
  await r.call('different-case', 'GetRole', p({ RoleName: 'Golden-Role' }));
  await r.call('with-everything', 'GetRole', p({ RoleName: 'golden-bounded' }));
  await r.call('success', 'ListRoles');
  const roles1 = await r.call('page-1', 'ListRoles', p({ MaxItems: 1 }));
  await r.call('page-2', 'ListRoles', p({ MaxItems: 1, Marker: roles1.text('Marker') }));
  await r.call('path-prefix', 'ListRoles', p({ PathPrefix: '/golden/' }));
  await r.call('success', 'UpdateRole', p({ RoleName: 'golden-role', Description: 'Updated', MaxSessionDuration: 7200 }));
  await r.call('ValidationError', 'UpdateRole', p({ RoleName: 'golden-role', MaxSessionDuration: 50000 }), {
    code: 'ValidationError',
    message: "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
  });
  await r.call('success', 'UpdateRoleDescription', p({ RoleName: 'golden-role', Description: 'Assumable by the account <and> its users' }));
  await r.call('success', 'UpdateAssumeRolePolicy', p({ RoleName: 'golden-role', PolicyDocument: trustAccount }));
  await r.call('MalformedPolicyDocument', 'UpdateAssumeRolePolicy', p({ RoleName: 'golden-role', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }) }), {
    code: 'MalformedPolicyDocument',
    message: 'Missing required field Principal',
  });
  await r.call('LimitExceeded', 'UpdateAssumeRolePolicy', p({ RoleName: 'golden-role', PolicyDocument: longTrust }), { code: 'LimitExceeded', message: 'Cannot exceed quota for ACLSizePerRole: 2048' });
  await r.call('success', 'TagRole', [...p({ RoleName: 'golden-role' }), ...tags('Tags', [['env', 'dev'], ['owner', 'golden team']])]);
  await r.call('InvalidInput', 'TagRole', [...p({ RoleName: 'golden-role' }), ...tags('Tags', [['Dup', '1'], ['dup', '2']])], {
    code: 'InvalidInput',
    message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  });
  await r.call('LimitExceeded', 'TagRole', [...p({ RoleName: 'golden-role' }), ...tags('Tags', Array.from({ length: 48 }, (_, i) => [`extra-${i}`, 'x'] as const))], {
    code: 'LimitExceeded',
    message: 'The number of tags has reached the maximum limit.',
  });
  await r.call('success', 'UntagRole', [...p({ RoleName: 'golden-role' }), ...list('TagKeys', ['owner'])]);
  await r.call('success', 'ListRoleTags', p({ RoleName: 'golden-role' }));
  const rtags1 = await r.call('page-1', 'ListRoleTags', p({ RoleName: 'golden-role', MaxItems: 1 }));
  await r.call('page-2', 'ListRoleTags', p({ RoleName: 'golden-role', MaxItems: 1, Marker: rtags1.text('Marker') }));

  // attachments: ten is the quota
  await r.call('success', 'AttachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: goldenRead }));
  await r.call('aws-managed', 'AttachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  for (let i = 1; i <= 8; i++) {
    await r.step('CreatePolicy', p({ PolicyName: `golden-attach-${i}`, PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::golden-${i}/*` }) }));
    await r.step('AttachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: policyArn(`golden-attach-${i}`) }));
  }
  await r.call('LimitExceeded', 'AttachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: goldenBoundary }), { code: 'LimitExceeded', message: 'Cannot exceed quota for PoliciesPerRole: 10' });
  await r.call('ValidationError', 'AttachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: 'arn:aws:s3:::golden-bucket-x' }), { code: 'ValidationError', message: 'Invalid ARN:  Could not be parsed!' });
  await r.call('success', 'ListAttachedRolePolicies', p({ RoleName: 'golden-role' }));
  const att1 = await r.call('page-1', 'ListAttachedRolePolicies', p({ RoleName: 'golden-role', MaxItems: 4 }));
  await r.call('page-2', 'ListAttachedRolePolicies', p({ RoleName: 'golden-role', MaxItems: 4, Marker: att1.text('Marker') }));
  await r.call('path-prefix', 'ListAttachedRolePolicies', p({ RoleName: 'golden-role', PathPrefix: '/golden/' }));
  await r.call('success', 'ListEntitiesForPolicy', p({ PolicyArn: goldenRead }));
  await r.call('boundary', 'ListEntitiesForPolicy', p({ PolicyArn: goldenBoundary, PolicyUsageFilter: 'PermissionsBoundary' }));
  const ent1 = await r.call('page-1', 'ListEntitiesForPolicy', p({ PolicyArn: goldenRead, MaxItems: 1 }));
  await r.call('page-2', 'ListEntitiesForPolicy', p({ PolicyArn: goldenRead, MaxItems: 1, Marker: ent1.text('Marker') }));
  await r.call('only-attached', 'ListPolicies', p({ Scope: 'Local', OnlyAttached: true, PathPrefix: '/golden/' }));
  for (let i = 2; i <= 8; i++) await r.step('DetachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: policyArn(`golden-attach-${i}`) }));
  await r.call('success', 'DetachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: policyArn('golden-attach-1') }));

  // inline policies: 10,240 characters for all of a role's together
  await r.call('success', 'PutRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-read', PolicyDocument: readDoc }));
  await r.step('PutRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-big-1', PolicyDocument: sizedDoc(6000) }));
  await r.call('LimitExceeded', 'PutRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-big-2', PolicyDocument: sizedDoc(6000) }), {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 10240 bytes exceeded for role golden-role',
  });
  await r.call('MalformedPolicyDocument', 'PutRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-bad', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'golden-bucket' }) }), {
    code: 'MalformedPolicyDocument',
    message: /^Resource golden-bucket must be in ARN format or "\*"\.$/,
  });
  await r.call('ValidationError', 'PutRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'bad name', PolicyDocument: readDoc }), {
    code: 'ValidationError',
    message: "1 validation error detected: Value 'bad name' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
  });
  await r.call('success', 'GetRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-read' }));
  await r.call('success', 'ListRolePolicies', p({ RoleName: 'golden-role' }));
  const rp1 = await r.call('page-1', 'ListRolePolicies', p({ RoleName: 'golden-role', MaxItems: 1 }));
  await r.call('page-2', 'ListRolePolicies', p({ RoleName: 'golden-role', MaxItems: 1, Marker: rp1.text('Marker') }));
  await r.call('success', 'PutRolePermissionsBoundary', p({ RoleName: 'golden-role', PermissionsBoundary: goldenBoundary }));
  await r.call('with-boundary', 'GetRole', p({ RoleName: 'golden-role' }));
  await r.call('DeleteConflict-boundary', 'DeletePolicy', p({ PolicyArn: goldenBoundary }), { code: 'DeleteConflict', message: 'Cannot delete a policy attached to entities.' });
  await r.call('success', 'DeleteRolePermissionsBoundary', p({ RoleName: 'golden-role' }));

  // ================================================================ OIDC providers
  await r.call('success', 'CreateOpenIDConnectProvider', [
    ...p({ Url: idp.issuer }),
    ...list('ClientIDList', ['sts.amazonaws.com']),
    ...list('ThumbprintList', [thumbprint]),
    ...tags('Tags', [['cluster', 'golden']]),
  ]);
  const exampleProvider = `arn:aws:iam::${account}:oidc-provider/oidc.example.com/id/GOLDEN`;
  await r.call('minimal', 'CreateOpenIDConnectProvider', [...p({ Url: 'https://oidc.example.com/id/GOLDEN' }), ...list('ClientIDList', ['sts.amazonaws.com'])]);
  await r.call('EntityAlreadyExists', 'CreateOpenIDConnectProvider', [...p({ Url: 'https://oidc.example.com/id/GOLDEN' }), ...list('ClientIDList', ['other'])], {
    code: 'EntityAlreadyExists',
    message: 'Provider with url https://oidc.example.com/id/GOLDEN already exists.',
  });
  await r.call('InvalidInput', 'CreateOpenIDConnectProvider', [...p({ Url: 'https://oidc.example.com/id/SIX' }), ...list('ThumbprintList', Array.from({ length: 6 }, (_, i) => String(i).repeat(40)))], {
    code: 'InvalidInput',
    message: 'Thumbprint list must contain fewer than 5 entries.',
  });
  await r.call('LimitExceeded', 'CreateOpenIDConnectProvider', [...p({ Url: 'https://oidc.example.com/id/MANY' }), ...list('ClientIDList', Array.from({ length: 101 }, (_, i) => `client-${i}`))], {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
  });
  await r.call('ValidationError-url', 'CreateOpenIDConnectProvider', p({ Url: 'example.org' }), { code: 'ValidationError', message: 'Invalid Open ID Connect Provider URL' });
  await r.call('ValidationError', 'CreateOpenIDConnectProvider', [...p({ Url: `https://${'h'.repeat(250)}.example` }), ...list('ClientIDList', ['']), ...list('ThumbprintList', ['abc'])], {
    code: 'ValidationError',
    // AWS (aws-wire-facts §3.3) prints no value for the url; irsa-local prints it, as for other strings.
    message:
      /^3 validation errors detected: Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: \[Member must have length less than or equal to 255, Member must have length greater than or equal to 1\]; Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: \[Member must have length less than or equal to 40, Member must have length greater than or equal to 40\]; Value (?:'[^']*' )?at 'url' failed to satisfy constraint: Member must have length less than or equal to 255$/,
  });
  await r.call('success', 'GetOpenIDConnectProvider', p({ OpenIDConnectProviderArn: providerArn }));
  await r.call('minimal', 'GetOpenIDConnectProvider', p({ OpenIDConnectProviderArn: exampleProvider }));
  await r.call('success', 'ListOpenIDConnectProviders');
  await r.call('success', 'AddClientIDToOpenIDConnectProvider', p({ OpenIDConnectProviderArn: exampleProvider, ClientID: 'golden-app' }));
  for (let i = 3; i <= 100; i++) await r.step('AddClientIDToOpenIDConnectProvider', p({ OpenIDConnectProviderArn: exampleProvider, ClientID: `client-${i}` }));
  await r.call('LimitExceeded', 'AddClientIDToOpenIDConnectProvider', p({ OpenIDConnectProviderArn: exampleProvider, ClientID: 'one-too-many' }), {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
  });
  await r.call('success', 'RemoveClientIDFromOpenIDConnectProvider', p({ OpenIDConnectProviderArn: exampleProvider, ClientID: 'golden-app' }));
  await r.call('success', 'UpdateOpenIDConnectProviderThumbprint', [...p({ OpenIDConnectProviderArn: exampleProvider }), ...list('ThumbprintList', ['a'.repeat(40), 'B'.repeat(40)])]);
  await r.call('InvalidInput', 'UpdateOpenIDConnectProviderThumbprint', [...p({ OpenIDConnectProviderArn: exampleProvider }), ...list('ThumbprintList', Array.from({ length: 6 }, (_, i) => String(i).repeat(40)))], {
    code: 'InvalidInput',
    message: 'Thumbprint list must contain fewer than 5 entries.',
  });
  await r.call('success', 'TagOpenIDConnectProvider', [...p({ OpenIDConnectProviderArn: exampleProvider }), ...tags('Tags', [['env', 'dev'], ['owner', 'golden']])]);
  await r.call('LimitExceeded', 'TagOpenIDConnectProvider', [...p({ OpenIDConnectProviderArn: exampleProvider }), ...tags('Tags', Array.from({ length: 49 }, (_, i) => [`extra-${i}`, 'x'] as const))], {
    code: 'LimitExceeded',
    message: 'The number of tags has reached the maximum limit.',
  });
  await r.call('success', 'UntagOpenIDConnectProvider', [...p({ OpenIDConnectProviderArn: exampleProvider }), ...list('TagKeys', ['owner'])]);
  await r.call('success', 'ListOpenIDConnectProviderTags', p({ OpenIDConnectProviderArn: exampleProvider }));
  await r.call('success', 'DeleteOpenIDConnectProvider', p({ OpenIDConnectProviderArn: exampleProvider }));

  // ================================================================ STS
  const assumed = await r.call('success', 'AssumeRole', p({ RoleArn: goldenRole, RoleSessionName: 'golden-session' }));
  const session: Creds = { accessKeyId: assumed.text('AccessKeyId'), secretAccessKey: assumed.text('SecretAccessKey'), sessionToken: assumed.text('SessionToken') };
  await r.call('assumed-role', 'GetCallerIdentity', [], { creds: session });
  await r.call('ValidationError-session', 'GetUser', [], { creds: session, code: 'ValidationError', message: 'Must specify userName when calling with non-User credentials' });
  await r.call('session-policy', 'AssumeRole', p({ RoleArn: goldenRole, RoleSessionName: 'narrowed', Policy: doc({ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }), DurationSeconds: 900 }));
  await r.call('with-tags', 'AssumeRole', [...p({ RoleArn: roleArn('golden-bounded', '/golden/'), RoleSessionName: 'tagged', SourceIdentity: 'golden-admin' }), ...tags('Tags', [['project', 'golden']])]);
  await r.call('AccessDenied-tag-session', 'AssumeRole', [...p({ RoleArn: goldenRole, RoleSessionName: 'tagged' }), ...tags('Tags', [['project', 'golden']])], {
    code: 'AccessDenied',
    message: `User: ${userArn('irsa-admin')} is not authorized to perform: sts:TagSession on resource: ${goldenRole}`,
  });
  await r.call('chained', 'AssumeRole', p({ RoleArn: roleArn('golden-bounded', '/golden/'), RoleSessionName: 'chained' }), { creds: session });
  await r.call('AccessDenied-missing-role', 'AssumeRole', p({ RoleArn: roleArn('no-such-role'), RoleSessionName: 'golden-session' }), {
    code: 'AccessDenied',
    message: `User: ${userArn('irsa-admin')} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('no-such-role')}`,
  });
  await r.call('ValidationError', 'AssumeRole', p({ RoleArn: goldenRole, RoleSessionName: 'bad session name', DurationSeconds: 100 }), {
    code: 'ValidationError',
    message:
      "2 validation errors detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900; Value 'bad session name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
  });
  await r.call('ValidationError-duration', 'AssumeRole', p({ RoleArn: roleArn('golden-bounded', '/golden/'), RoleSessionName: 'long', DurationSeconds: 10800 }), {
    code: 'ValidationError',
    message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  });
  await r.call('ValidationError-chained-duration', 'AssumeRole', p({ RoleArn: roleArn('golden-bounded', '/golden/'), RoleSessionName: 'long', DurationSeconds: 7200 }), {
    creds: session,
    code: 'ValidationError',
    message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  });
  await r.call('MalformedPolicyDocument', 'AssumeRole', p({ RoleArn: goldenRole, RoleSessionName: 'ss', Policy: badJson }), { code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
  await r.step('CreatePolicy', p({ PolicyName: 'golden-big', PolicyDocument: sizedDoc(3000) }));
  await r.call('PackedPolicyTooLarge', 'AssumeRole', p({ RoleArn: goldenRole, RoleSessionName: 'ss', 'PolicyArns.member.1.arn': policyArn('golden-big') }), {
    code: 'PackedPolicyTooLarge',
    message: /^Packed policy consumes \d+% of allotted space, please use smaller policy for session\.$/,
  });

  // web identity
  const sub = 'system:serviceaccount:golden:app';
  await r.step('CreateRole', p({
    RoleName: 'golden-web',
    AssumeRolePolicyDocument: doc({
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${issuerHost}:aud`]: 'sts.amazonaws.com', [`${issuerHost}:sub`]: sub } },
    }),
  }));
  const now = Math.floor(T0.getTime() / 1000);
  const token = (over: Record<string, unknown> = {}) => signToken(key, { iss: idp.issuer, sub, aud: ['sts.amazonaws.com'], iat: now, nbf: now, exp: now + 3600, ...over });
  const web = (t: string, extra: Record<string, string> = {}) => p({ RoleArn: roleArn('golden-web'), RoleSessionName: 'golden-pod', WebIdentityToken: t, ...extra });
  await r.call('success', 'AssumeRoleWithWebIdentity', web(await token()), { creds: null });
  await r.call('InvalidIdentityToken', 'AssumeRoleWithWebIdentity', web(await token({ aud: ['someone-else'] })), { creds: null, code: 'InvalidIdentityToken', message: 'Incorrect token audience' });
  await r.call('InvalidIdentityToken-no-provider', 'AssumeRoleWithWebIdentity', web(await token({ iss: 'https://oidc.example.com/id/UNKNOWN' })), {
    creds: null,
    code: 'InvalidIdentityToken',
    message: 'No OpenIDConnect provider found in your account for https://oidc.example.com/id/UNKNOWN',
  });
  await r.call('ExpiredTokenException', 'AssumeRoleWithWebIdentity', web(await token({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })), {
    creds: null,
    code: 'ExpiredTokenException',
    message: /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
  });
  await r.call('AccessDenied', 'AssumeRoleWithWebIdentity', web(await token({ sub: 'system:serviceaccount:other:app' })), {
    creds: null,
    code: 'AccessDenied',
    message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  });
  await r.call('MalformedPolicyDocument', 'AssumeRoleWithWebIdentity', web(await token(), { Policy: doc({ Effect: 'Allow', Action: 's3:GetObject' }) }), {
    creds: null,
    code: 'MalformedPolicyDocument',
    message: 'Policy statement must contain resources.',
  });
  await r.call('PackedPolicyTooLarge', 'AssumeRoleWithWebIdentity', web(await token(), { 'PolicyArns.member.1.arn': policyArn('golden-big') }), {
    creds: null,
    code: 'PackedPolicyTooLarge',
    message: /^Packed policy consumes \d+% of allotted space, please use smaller policy for session\.$/,
  });
  await r.call('session-policy', 'AssumeRoleWithWebIdentity', web(await token(), { Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), DurationSeconds: '900' }), { creds: null });
  await r.call('ValidationError', 'AssumeRoleWithWebIdentity', p({ RoleArn: roleArn('golden-web'), WebIdentityToken: 'short' }), {
    creds: null,
    code: 'ValidationError',
    message: "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
  });
  await r.call('InvalidClientTokenId-session-token', 'GetCallerIdentity', [], {
    creds: { ...session, sessionToken: `${(session.sessionToken as string).slice(0, -8)}AAAAAAA=` },
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
  });

  // ================================================================ authorization of a non-admin user
  await r.step('CreateUser', p({ UserName: 'golden-limited' }));
  await r.step('PutUserPolicy', p({
    UserName: 'golden-limited',
    PolicyName: 'read-iam',
    PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:GetRole', Resource: goldenRole }),
  }));
  const lk = await r.step('CreateAccessKey', p({ UserName: 'golden-limited' }));
  const limited: Creds = { accessKeyId: lk.text('AccessKeyId'), secretAccessKey: lk.text('SecretAccessKey') };
  await r.call('limited-user', 'GetUser', [], { creds: limited });
  await r.call('AccessDenied', 'CreateRole', p({ RoleName: 'not-allowed', AssumeRolePolicyDocument: trustAccount }), {
    creds: limited,
    code: 'AccessDenied',
    message: `User: ${userArn('golden-limited')} is not authorized to perform: iam:CreateRole on resource: ${roleArn('not-allowed')} because no identity-based policy allows the iam:CreateRole action`,
  });
  await r.call('AccessDenied-explicit-deny', 'GetRole', p({ RoleName: 'golden-role' }), {
    creds: limited,
    code: 'AccessDenied',
    message: `User: ${userArn('golden-limited')} is not authorized to perform: iam:GetRole on resource: ${goldenRole} with an explicit deny in an identity-based policy`,
  });
  await r.call('AccessDenied-no-identity-policy', 'AssumeRole', p({ RoleArn: goldenRole, RoleSessionName: 'limited' }), {
    creds: limited,
    code: 'AccessDenied',
    message: `User: ${userArn('golden-limited')} is not authorized to perform: sts:AssumeRole on resource: ${goldenRole}`,
  });

  // ================================================================ simulation
  const simPolicy = doc({ Sid: 'AllowRead', Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'DenyDelete', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' });
  await r.call('decisions', 'SimulateCustomPolicy', [...list('PolicyInputList', [simPolicy]), ...list('ActionNames', ['s3:GetObject', 's3:DeleteObject', 'ec2:RunInstances'])]);
  await r.call('resource-policy', 'SimulateCustomPolicy', [
    ...list('PolicyInputList', [doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' })]),
    ...list('PermissionsBoundaryPolicyInputList', [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]),
    ...list('ActionNames', ['s3:GetObject']),
    ...list('ResourceArns', ['arn:aws:s3:::golden-bucket/key']),
    ...p({
      ResourcePolicy: doc({ Effect: 'Allow', Principal: { AWS: userArn('golden-user', '/golden/') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::golden-bucket/*' }),
      CallerArn: userArn('golden-user', '/golden/'),
      ResourceOwner: `arn:aws:iam::${account}:root`,
    }),
  ]);
  const sim1 = await r.call('page-1', 'SimulateCustomPolicy', [...list('PolicyInputList', [simPolicy]), ...list('ActionNames', ['s3:GetObject', 's3:DeleteObject', 'ec2:RunInstances']), ...p({ MaxItems: 2 })]);
  await r.call('page-2', 'SimulateCustomPolicy', [
    ...list('PolicyInputList', [simPolicy]),
    ...list('ActionNames', ['s3:GetObject', 's3:DeleteObject', 'ec2:RunInstances']),
    ...p({ MaxItems: 2, Marker: sim1.text('Marker') }),
  ]);
  await r.call('MalformedPolicyDocument', 'SimulateCustomPolicy', [...list('PolicyInputList', [badJson]), ...list('ActionNames', ['s3:GetObject'])], {
    code: 'MalformedPolicyDocument',
    message: 'Syntax errors in policy.',
    unmodelled: 'the model lists only InvalidInput and PolicyEvaluation; what AWS sends for an unparsable PolicyInputList is not documented',
  });
  await r.call('user', 'SimulatePrincipalPolicy', [
    ...p({ PolicySourceArn: userArn('golden-user', '/golden/') }),
    ...list('ActionNames', ['s3:GetObject', 'iam:DeleteRole', 'ec2:RunInstances']),
    ...list('ResourceArns', ['arn:aws:s3:::golden-bucket/key']),
  ]);
  await r.call('role', 'SimulatePrincipalPolicy', [
    ...p({ PolicySourceArn: goldenRole }),
    ...list('ActionNames', ['s3:GetObject', 'iam:DeleteRole']),
    ...list('PermissionsBoundaryPolicyInputList', [boundaryDoc]),
  ]);
  await r.call('InvalidInput', 'SimulatePrincipalPolicy', [...p({ PolicySourceArn: 'arn:aws:s3:::golden-bucket' }), ...list('ActionNames', ['s3:GetObject'])], {
    code: 'InvalidInput',
    message: 'Invalid PolicySourceArn arn:aws:s3:::golden-bucket',
  });

  // ================================================================ account authorization details
  await r.call('roles', 'GetAccountAuthorizationDetails', [...list('Filter', ['Role']), ...p({ MaxItems: 2 })]);
  const gaad1 = await r.call('page-1', 'GetAccountAuthorizationDetails', [...list('Filter', ['User', 'LocalManagedPolicy']), ...p({ MaxItems: 3 })]);
  await r.call('page-2', 'GetAccountAuthorizationDetails', [...list('Filter', ['User', 'LocalManagedPolicy']), ...p({ MaxItems: 3, Marker: gaad1.text('Marker') })]);
  await r.call('ValidationError', 'GetAccountAuthorizationDetails', list('Filter', ['Everything']), {
    code: 'ValidationError',
    message: "1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]",
  });

  // ================================================================ NoSuchEntity, for every operation that models it
  const NO_SUCH: [string, string, P, string][] = [
    ['GetPolicy', '', p({ PolicyArn: missingPolicy }), `Policy ${missingPolicy} was not found.`],
    ['DeletePolicy', '', p({ PolicyArn: missingPolicy }), `Policy ${missingPolicy} was not found.`],
    ['CreatePolicyVersion', '', p({ PolicyArn: missingPolicy, PolicyDocument: readDoc }), `Policy ${missingPolicy} was not found.`],
    ['GetPolicyVersion', '', p({ PolicyArn: goldenRead, VersionId: 'v9' }), `Policy ${goldenRead} version v9 does not exist or is not attachable.`],
    ['ListPolicyVersions', '', p({ PolicyArn: missingPolicy }), `Policy ${missingPolicy} was not found.`],
    ['DeletePolicyVersion', '', p({ PolicyArn: goldenRead, VersionId: 'v2' }), `Policy ${goldenRead} version v2 does not exist or is not attachable.`],
    ['SetDefaultPolicyVersion', '', p({ PolicyArn: goldenRead, VersionId: 'v9' }), `Policy ${goldenRead} version v9 does not exist or is not attachable.`],
    ['TagPolicy', '', [...p({ PolicyArn: missingPolicy }), ...tags('Tags', [['k', 'v']])], `Policy ${missingPolicy} was not found.`],
    ['UntagPolicy', '', [...p({ PolicyArn: missingPolicy }), ...list('TagKeys', ['k'])], `Policy ${missingPolicy} was not found.`],
    ['ListPolicyTags', '', p({ PolicyArn: missingPolicy }), `Policy ${missingPolicy} was not found.`],
    ['ListEntitiesForPolicy', '', p({ PolicyArn: missingPolicy }), `Policy ${missingPolicy} was not found.`],
    ['GetRole', '', p({ RoleName: 'no-such-role' }), 'The role with name no-such-role cannot be found.'],
    ['UpdateRole', '', p({ RoleName: 'no-such-role', Description: 'x' }), 'The role with name no-such-role cannot be found.'],
    ['UpdateRoleDescription', '', p({ RoleName: 'no-such-role', Description: 'x' }), 'The role with name no-such-role cannot be found.'],
    ['DeleteRole', '', p({ RoleName: 'no-such-role' }), 'The role with name no-such-role cannot be found.'],
    ['UpdateAssumeRolePolicy', '', p({ RoleName: 'no-such-role', PolicyDocument: trustAccount }), 'The role with name no-such-role cannot be found.'],
    ['TagRole', '', [...p({ RoleName: 'no-such-role' }), ...tags('Tags', [['k', 'v']])], 'The role with name no-such-role cannot be found.'],
    ['UntagRole', '', [...p({ RoleName: 'no-such-role' }), ...list('TagKeys', ['k'])], 'The role with name no-such-role cannot be found.'],
    ['ListRoleTags', '', p({ RoleName: 'no-such-role' }), 'The role with name no-such-role cannot be found.'],
    ['AttachRolePolicy', '', p({ RoleName: 'golden-role', PolicyArn: missingPolicy }), `Policy ${missingPolicy} does not exist or is not attachable.`],
    ['AttachRolePolicy', '-role', p({ RoleName: 'no-such-role', PolicyArn: goldenRead }), 'The role with name no-such-role cannot be found.'],
    ['DetachRolePolicy', '', p({ RoleName: 'golden-role', PolicyArn: goldenBoundary }), `Policy ${goldenBoundary} was not found.`],
    ['ListAttachedRolePolicies', '', p({ RoleName: 'no-such-role' }), 'The role with name no-such-role cannot be found.'],
    ['PutRolePolicy', '', p({ RoleName: 'no-such-role', PolicyName: 'p', PolicyDocument: readDoc }), 'The role with name no-such-role cannot be found.'],
    ['GetRolePolicy', '', p({ RoleName: 'golden-role', PolicyName: 'no-such-policy' }), 'The role policy with name no-such-policy cannot be found.'],
    ['DeleteRolePolicy', '', p({ RoleName: 'golden-role', PolicyName: 'no-such-policy' }), 'The role policy with name no-such-policy cannot be found.'],
    ['ListRolePolicies', '', p({ RoleName: 'no-such-role' }), 'The role with name no-such-role cannot be found.'],
    ['PutRolePermissionsBoundary', '', p({ RoleName: 'golden-role', PermissionsBoundary: missingPolicy }), `Scope ARN: ${missingPolicy} does not exist or is not attachable.`],
    ['DeleteRolePermissionsBoundary', '', p({ RoleName: 'no-such-role' }), 'The role with name no-such-role cannot be found.'],
    ['GetOpenIDConnectProvider', '', p({ OpenIDConnectProviderArn: missingProvider }), `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['DeleteOpenIDConnectProvider', '', p({ OpenIDConnectProviderArn: exampleProvider }), `OpenId connect Provider ${exampleProvider} cannot be found.`],
    ['AddClientIDToOpenIDConnectProvider', '', p({ OpenIDConnectProviderArn: missingProvider, ClientID: 'c' }), `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['RemoveClientIDFromOpenIDConnectProvider', '', p({ OpenIDConnectProviderArn: missingProvider, ClientID: 'c' }), `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['UpdateOpenIDConnectProviderThumbprint', '', [...p({ OpenIDConnectProviderArn: missingProvider }), ...list('ThumbprintList', ['c'.repeat(40)])], `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['TagOpenIDConnectProvider', '', [...p({ OpenIDConnectProviderArn: missingProvider }), ...tags('Tags', [['k', 'v']])], `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['UntagOpenIDConnectProvider', '', [...p({ OpenIDConnectProviderArn: missingProvider }), ...list('TagKeys', ['k'])], `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['ListOpenIDConnectProviderTags', '', p({ OpenIDConnectProviderArn: missingProvider }), `OpenIDConnect Provider not found for arn ${missingProvider}`],
    ['CreateUser', '', p({ UserName: 'golden-nb', PermissionsBoundary: missingPolicy }), `Scope ARN: ${missingPolicy} does not exist or is not attachable.`],
    ['GetUser', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['DeleteUser', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['TagUser', '', [...p({ UserName: 'nobody' }), ...tags('Tags', [['k', 'v']])], 'The user with name nobody cannot be found.'],
    ['UntagUser', '', [...p({ UserName: 'nobody' }), ...list('TagKeys', ['k'])], 'The user with name nobody cannot be found.'],
    ['ListUserTags', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['CreateAccessKey', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['ListAccessKeys', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['DeleteAccessKey', '', p({ UserName: 'golden-user', AccessKeyId: missingKey }), `The Access Key with id ${missingKey} cannot be found.`],
    ['UpdateAccessKey', '', p({ UserName: 'golden-user', AccessKeyId: missingKey, Status: 'Active' }), `The Access Key with id ${missingKey} cannot be found.`],
    ['AttachUserPolicy', '', p({ UserName: 'golden-user', PolicyArn: missingPolicy }), `Policy ${missingPolicy} does not exist or is not attachable.`],
    ['DetachUserPolicy', '', p({ UserName: 'golden-user', PolicyArn: goldenBoundary }), `Policy ${goldenBoundary} was not found.`],
    ['ListAttachedUserPolicies', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['PutUserPolicy', '', p({ UserName: 'nobody', PolicyName: 'p', PolicyDocument: readDoc }), 'The user with name nobody cannot be found.'],
    ['GetUserPolicy', '', p({ UserName: 'golden-user', PolicyName: 'no-such-policy' }), 'The user policy with name no-such-policy cannot be found.'],
    ['DeleteUserPolicy', '', p({ UserName: 'golden-user', PolicyName: 'no-such-policy' }), 'The user policy with name no-such-policy cannot be found.'],
    ['ListUserPolicies', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['PutUserPermissionsBoundary', '', p({ UserName: 'golden-user', PermissionsBoundary: missingPolicy }), `Scope ARN: ${missingPolicy} does not exist or is not attachable.`],
    ['DeleteUserPermissionsBoundary', '', p({ UserName: 'nobody' }), 'The user with name nobody cannot be found.'],
    ['SimulatePrincipalPolicy', '', [...p({ PolicySourceArn: userArn('nobody') }), ...list('ActionNames', ['s3:GetObject'])], `Could not find user with ARN ${userArn('nobody')}`],
  ];
  for (const [op, suffix, params, message] of NO_SUCH) await r.call(`NoSuchEntity${suffix}`, op, params, { code: 'NoSuchEntity', message });

  // ================================================================ ValidationError for missing required members, for every operation
  for (const [op, model] of Object.entries(IAM_MODEL.operations)) {
    const input = model.input ? IAM_MODEL.shapes[model.input] : undefined;
    if (!input?.required?.length) continue;
    await r.call('ValidationError-missing', op, [], { code: 'ValidationError', message: /^\d+ validation errors? detected: Value null at '\w+' failed to satisfy constraint: Member must not be null/ });
  }
  await r.call('ValidationError-missing', 'AssumeRole', [], { code: 'ValidationError', message: /^2 validation errors detected: Value null at 'roleArn'/ });

  // ================================================================ deletions and their conflicts
  await r.call('DeleteConflict-attached', 'DeleteRole', p({ RoleName: 'golden-role' }), { code: 'DeleteConflict', message: 'Cannot delete entity, must detach all policies first.' });
  await r.step('DetachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: goldenRead }));
  await r.step('DetachRolePolicy', p({ RoleName: 'golden-role', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  await r.call('DeleteConflict-inline', 'DeleteRole', p({ RoleName: 'golden-role' }), { code: 'DeleteConflict', message: 'Cannot delete entity, must delete policies first.' });
  await r.call('success', 'DeleteRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-read' }));
  await r.step('DeleteRolePolicy', p({ RoleName: 'golden-role', PolicyName: 'inline-big-1' }));
  await r.call('success', 'DeleteRole', p({ RoleName: 'golden-role' }));

  await r.call('DeleteConflict-access-keys', 'DeleteUser', p({ UserName: 'golden-user' }), { code: 'DeleteConflict', message: 'Cannot delete entity, must delete access keys first.' });
  await r.step('DeleteAccessKey', p({ UserName: 'golden-user', AccessKeyId: key1.text('AccessKeyId') }));
  await r.call('DeleteConflict-attached', 'DeleteUser', p({ UserName: 'golden-user' }), { code: 'DeleteConflict', message: 'Cannot delete entity, must detach all policies first.' });
  await r.call('DeleteConflict-attached', 'DeletePolicy', p({ PolicyArn: goldenRead }), { code: 'DeleteConflict', message: 'Cannot delete a policy attached to entities.' });
  await r.call('success', 'DetachUserPolicy', p({ UserName: 'golden-user', PolicyArn: goldenRead }));
  await r.call('DeleteConflict-inline', 'DeleteUser', p({ UserName: 'golden-user' }), { code: 'DeleteConflict', message: 'Cannot delete entity, must delete policies first.' });
  await r.call('success', 'DeleteUserPolicy', p({ UserName: 'golden-user', PolicyName: 'inline-read' }));
  await r.call('success', 'DeleteUser', p({ UserName: 'golden-user' }));

  for (const v of ['v3', 'v4', 'v5']) await r.step('DeletePolicyVersion', p({ PolicyArn: goldenRead, VersionId: v }));
  await r.call('success', 'DeletePolicy', p({ PolicyArn: goldenRead }));
  for (let i = 1; i <= 8; i++) await r.step('DeletePolicy', p({ PolicyArn: policyArn(`golden-attach-${i}`) }));
  await r.step('DeletePolicy', p({ PolicyArn: policyArn('golden-big') }));
  await r.step('DeleteUserPolicy', p({ UserName: 'golden-limited', PolicyName: 'read-iam' }));
  await r.step('DeleteAccessKey', p({ UserName: 'golden-limited', AccessKeyId: limited.accessKeyId }));
  await r.step('DeleteUser', p({ UserName: 'golden-limited' }));
  await r.step('DeleteUser', p({ UserName: 'golden-bounded-user' }));
  await r.step('DeleteRole', p({ RoleName: 'golden-web' }));
  await r.step('DeleteOpenIDConnectProvider', p({ OpenIDConnectProviderArn: providerArn }));
  await r.call('everything', 'GetAccountAuthorizationDetails');

  // ================================================================ account quotas
  for (let i = 1; i <= 100; i++) await r.step('CreateOpenIDConnectProvider', [...p({ Url: `https://oidc.example.com/quota/${i}` }), ...list('ClientIDList', ['sts.amazonaws.com'])]);
  await r.call('LimitExceeded-providers', 'CreateOpenIDConnectProvider', [...p({ Url: 'https://oidc.example.com/quota/101' }), ...list('ClientIDList', ['sts.amazonaws.com'])], {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100',
  });
  const existingRoles = (await r.step('ListRoles', p({ MaxItems: 1000 }))).all('RoleName').length;
  for (let i = existingRoles + 1; i <= 1000; i++) await r.step('CreateRole', p({ RoleName: `quota-${i}`, AssumeRolePolicyDocument: trustAccount }));
  const existingPolicies = (await r.step('ListPolicies', p({ Scope: 'Local', MaxItems: 1000 }))).all('PolicyName').length;
  for (let i = existingPolicies + 1; i <= 1500; i++) await r.step('CreatePolicy', p({ PolicyName: `quota-${i}`, PolicyDocument: readDoc }));
  await r.call('LimitExceeded-policies', 'CreatePolicy', p({ PolicyName: 'quota-1501', PolicyDocument: readDoc }), { code: 'LimitExceeded', message: 'Cannot exceed quota for PoliciesPerAccount: 1500' });
  const existingUsers = (await r.step('ListUsers', p({ MaxItems: 1000 }))).all('UserName').length;
  for (let i = existingUsers + 1; i <= 5000; i++) await r.step('CreateUser', p({ UserName: `quota-${i}` }));
  await r.call('LimitExceeded-users', 'CreateUser', p({ UserName: 'quota-5001' }), { code: 'LimitExceeded', message: 'Cannot exceed quota for UsersPerAccount: 5000' });
  await r.call('LimitExceeded-roles', 'CreateRole', p({ RoleName: 'quota-1001', AssumeRolePolicyDocument: trustAccount }), { code: 'LimitExceeded', message: 'Cannot exceed quota for RolesPerAccount: 1000' });

  // ================================================================ an expired session (the clock moves last)
  const short = await r.step('AssumeRole', p({ RoleArn: roleArn('golden-bounded', '/golden/'), RoleSessionName: 'short', DurationSeconds: 900 }));
  r.clock.advance(901);
  await r.call('ExpiredToken', 'GetCallerIdentity', [], {
    creds: { accessKeyId: short.text('AccessKeyId'), secretAccessKey: short.text('SecretAccessKey'), sessionToken: short.text('SessionToken') },
    code: 'ExpiredToken',
    message: 'The security token included in the request is expired',
  });
}
