import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/**
 * The walkthrough's IAM commands (../shared/seed/irsa-walkthrough.txt) with the real `aws` CLI
 * against `irsa up`, output shaped as in the walkthrough.
 */
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::weasel-images', 'arn:aws:s3:::weasel-images/*'] },
    { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:ListSecrets'], Resource: '*' },
  ],
};

describe('the walkthrough IAM commands with the aws CLI', () => {
  let srv: IrsaProcess;
  let work: string;
  const issuerHost = 'oidc.eks.us-east-1.amazonaws.com/id/8D0001CD000BFF000757000C95000D86';
  let account: string;

  before(async () => {
    srv = await startIrsa();
    work = mkdtempSync(join(tmpdir(), 'irsa-walk-'));
    writeFileSync(join(work, 'weasel-eks-pod-policy.json'), JSON.stringify(POLICY, null, 4));
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  const run = (args: string[]) => {
    const r = aws(args, srv.env, work);
    assert.equal(r.status, 0, `aws ${args.join(' ')}\n${r.stderr}`);
    return r.stdout;
  };

  it('aws sts get-caller-identity names the bootstrap administrator', () => {
    const out = JSON.parse(run(['sts', 'get-caller-identity'])) as { Account: string; Arn: string; UserId: string };
    account = out.Account;
    assert.match(out.Account, /^\d{12}$/);
    assert.equal(out.Arn, `arn:aws:iam::${out.Account}:user/irsa-admin`);
    assert.match(out.UserId, /^AIDA[A-Z2-7]{17}$/);
  });

  it('create-policy returns the policy with version v1', () => {
    const out = JSON.parse(run(['iam', 'create-policy', '--policy-name', 'weasel-eks-pod-policy', '--policy-document', 'file://weasel-eks-pod-policy.json']));
    assert.equal(out.Policy.PolicyName, 'weasel-eks-pod-policy');
    assert.equal(out.Policy.Arn, `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`);
    assert.equal(out.Policy.DefaultVersionId, 'v1');
    assert.equal(out.Policy.AttachmentCount, 0);
    assert.equal(out.Policy.IsAttachable, true);
    assert.match(out.Policy.PolicyId, /^ANPA[A-Z2-7]{17}$/);
    // IAM sends ISO 8601 without a fraction; aws CLI v1 prints it as received.
    assert.match(out.Policy.CreateDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('create-open-id-connect-provider and list-open-id-connect-providers | grep | cut -d / -f4', () => {
    const out = JSON.parse(
      run(['iam', 'create-open-id-connect-provider', '--url', `https://${issuerHost}`, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', '9e99a48a9960b14926bb7f3b02e22da2b0ab7280']),
    );
    assert.equal(out.OpenIDConnectProviderArn, `arn:aws:iam::${account}:oidc-provider/${issuerHost}`);
    const listing = run(['iam', 'list-open-id-connect-providers']);
    const line = listing.split('\n').find((l) => l.includes('8D0001CD000BFF000757000C95000D86'));
    assert.ok(line, listing);
    assert.equal(line.split('/')[3], '8D0001CD000BFF000757000C95000D86"');
    const got = JSON.parse(run(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', out.OpenIDConnectProviderArn]));
    assert.equal(got.Url, issuerHost);
    assert.deepEqual(got.ClientIDList, ['sts.amazonaws.com']);
  });

  it('create-role, attach-role-policy, get-role --query Role.AssumeRolePolicyDocument', () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${issuerHost}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${issuerHost}:aud`]: 'sts.amazonaws.com', [`${issuerHost}:sub`]: 'system:serviceaccount:weasel:weasel-eks-pod-sa' } },
        },
      ],
    };
    writeFileSync(join(work, 'trust.json'), JSON.stringify(trust));
    const created = JSON.parse(run(['iam', 'create-role', '--role-name', 'weasel-eks-pod-role', '--assume-role-policy-document', 'file://trust.json']));
    assert.equal(created.Role.Arn, `arn:aws:iam::${account}:role/weasel-eks-pod-role`);
    assert.match(created.Role.RoleId, /^AROA[A-Z2-7]{17}$/);
    run(['iam', 'attach-role-policy', '--role-name', 'weasel-eks-pod-role', '--policy-arn', `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`]);
    const doc = JSON.parse(run(['iam', 'get-role', '--role-name', 'weasel-eks-pod-role', '--query', 'Role.AssumeRolePolicyDocument']));
    assert.deepEqual(doc, trust);
  });

  it('list-attached-role-policies --query AttachedPolicies[].PolicyArn --output text', () => {
    const out = run(['iam', 'list-attached-role-policies', '--role-name', 'weasel-eks-pod-role', '--query', 'AttachedPolicies[].PolicyArn', '--output', 'text']);
    assert.equal(out.trim(), `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`);
  });

  it('get-policy shows the default version and the attachment', () => {
    const out = JSON.parse(run(['iam', 'get-policy', '--policy-arn', `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`]));
    assert.equal(out.Policy.DefaultVersionId, 'v1');
    assert.equal(out.Policy.AttachmentCount, 1);
    assert.equal(out.Policy.PermissionsBoundaryUsageCount, 0);
  });

  it('get-policy-version returns the document as written', () => {
    const out = JSON.parse(run(['iam', 'get-policy-version', '--policy-arn', `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`, '--version-id', 'v1']));
    assert.deepEqual(out.PolicyVersion.Document, POLICY);
    assert.equal(out.PolicyVersion.VersionId, 'v1');
    assert.equal(out.PolicyVersion.IsDefaultVersion, true);
  });

  it('reports IAM errors with their codes', () => {
    const dup = aws(['iam', 'create-role', '--role-name', 'WEASEL-EKS-POD-ROLE', '--assume-role-policy-document', 'file://trust.json'], srv.env, work);
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /\(EntityAlreadyExists\) when calling the CreateRole operation: Role with name WEASEL-EKS-POD-ROLE already exists\./);
    const missing = aws(['iam', 'get-role', '--role-name', 'nope'], srv.env, work);
    assert.match(missing.stderr, /\(NoSuchEntity\) when calling the GetRole operation: The role with name nope cannot be found\./);
    const del = aws(['iam', 'delete-role', '--role-name', 'weasel-eks-pod-role'], srv.env, work);
    assert.match(del.stderr, /\(DeleteConflict\) when calling the DeleteRole operation: Cannot delete entity, must detach all policies first\./);
    const bad = aws(['iam', 'create-role', '--role-name', 'x'.repeat(65), '--assume-role-policy-document', 'file://trust.json'], srv.env, work);
    assert.match(bad.stderr, /\(ValidationError\) when calling the CreateRole operation: 1 validation error detected: Value '[x]{65}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64/);
  });
});
