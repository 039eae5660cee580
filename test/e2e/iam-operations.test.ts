import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/**
 * IAM and STS operations through the real aws CLI against `irsa up`: AssumeRole as an IAM user
 * (identity policy + account trust, and a trust policy naming the user), a permissions boundary's
 * explicit Deny, a session policy narrowing a session, the policy simulator, account
 * authorization details, pagination with --max-items / --starting-token / --page-size, tags on
 * every taggable kind, and the managed-policy version lifecycle with its quota and conflicts.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const doc = (...statements: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('IAM and STS operations with the aws CLI', () => {
  let srv: IrsaProcess;
  let work: string;
  let account: string;

  const run = (args: string[], env: Record<string, string> = srv.env): Json => {
    const r = aws(args, env, work);
    assert.equal(r.status, 0, `aws ${args.join(' ')}\n${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : {};
  };
  /** A call that must fail; returns the CLI's error line. */
  const fail = (args: string[], env: Record<string, string> = srv.env): string => {
    const r = aws(args, env, work);
    assert.notEqual(r.status, 0, `aws ${args.join(' ')} succeeded: ${r.stdout}`);
    return r.stderr.trim();
  };
  const as = (key: Json, sessionToken?: string): Record<string, string> => ({
    ...srv.env,
    AWS_ACCESS_KEY_ID: key['AccessKeyId'],
    AWS_SECRET_ACCESS_KEY: key['SecretAccessKey'],
    ...(sessionToken ? { AWS_SESSION_TOKEN: sessionToken } : {}),
  });
  const userWithKey = (name: string): Record<string, string> => {
    run(['iam', 'create-user', '--user-name', name]);
    return as(run(['iam', 'create-access-key', '--user-name', name])['AccessKey']);
  };
  const roleArn = (name: string, path = '/') => `arn:aws:iam::${account}:role${path}${name}`;
  const userArn = (name: string) => `arn:aws:iam::${account}:user/${name}`;
  const policyArn = (name: string) => `arn:aws:iam::${account}:policy/${name}`;
  const file = (name: string, content: string): string => {
    writeFileSync(join(work, name), content);
    return `file://${name}`;
  };

  before(async () => {
    srv = await startIrsa();
    work = mkdtempSync(join(tmpdir(), 'irsa-iam-ops-'));
    account = run(['sts', 'get-caller-identity'])['Account'];
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  describe('AssumeRole by IAM users', () => {
    let alice: Record<string, string>;
    let bob: Record<string, string>;

    before(() => {
      run(['iam', 'create-role', '--role-name', 'account-trusted', '--assume-role-policy-document', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' })]);
      alice = userWithKey('alice');
      run(['iam', 'put-user-policy', '--user-name', 'alice', '--policy-name', 'assume', '--policy-document', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn('account-trusted') })]);
      bob = userWithKey('bob');
      run(['iam', 'create-role', '--role-name', 'bob-trusted', '--assume-role-policy-document', doc({ Effect: 'Allow', Principal: { AWS: userArn('bob') }, Action: 'sts:AssumeRole' })]);
    });

    it('a user whose identity policy allows sts:AssumeRole assumes a role that trusts the account', () => {
      const out = run(['sts', 'assume-role', '--role-arn', roleArn('account-trusted'), '--role-session-name', 'alice-session'], alice);
      assert.equal(out['AssumedRoleUser']['Arn'], `arn:aws:sts::${account}:assumed-role/account-trusted/alice-session`);
      assert.match(out['AssumedRoleUser']['AssumedRoleId'], /^AROA[A-Z2-7]{17}:alice-session$/);
      assert.match(out['Credentials']['AccessKeyId'], /^ASIA[A-Z2-7]{16}$/);
      const who = run(['sts', 'get-caller-identity'], as(out['Credentials'], out['Credentials']['SessionToken']));
      assert.equal(who['Arn'], `arn:aws:sts::${account}:assumed-role/account-trusted/alice-session`);
    });

    it('without an identity policy, trusting the account is not enough', () => {
      const err = fail(['sts', 'assume-role', '--role-arn', roleArn('account-trusted'), '--role-session-name', 'bob-session'], bob);
      assert.match(err, new RegExp(`\\(AccessDenied\\) when calling the AssumeRole operation: User: ${userArn('bob')} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('account-trusted')}$`));
    });

    it('a trust policy naming the user directly is enough in the same account, with no identity policy', () => {
      const out = run(['sts', 'assume-role', '--role-arn', roleArn('bob-trusted'), '--role-session-name', 'bob-session'], bob);
      assert.equal(out['AssumedRoleUser']['Arn'], `arn:aws:sts::${account}:assumed-role/bob-trusted/bob-session`);
    });
  });

  describe('permissions boundaries and session policies', () => {
    let carol: Record<string, string>;

    before(() => {
      carol = userWithKey('carol');
      run(['iam', 'put-user-policy', '--user-name', 'carol', '--policy-name', 'all-iam', '--policy-document', doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' })]);
      run(['iam', 'create-policy', '--policy-name', 'carol-boundary', '--policy-document', doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:ListRoles', Resource: '*' })]);
      run(['iam', 'put-user-permissions-boundary', '--user-name', 'carol', '--permissions-boundary', policyArn('carol-boundary')]);
    });

    it('an explicit Deny in the permissions boundary wins over an identity policy that allows', () => {
      assert.ok(Array.isArray(run(['iam', 'list-users'], carol)['Users']));
      const err = fail(['iam', 'list-roles'], carol);
      assert.match(
        err,
        new RegExp(`\\(AccessDenied\\) when calling the ListRoles operation: User: ${userArn('carol')} is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::${account}:role/ with an explicit deny in a permissions boundary$`),
      );
    });

    it('a session policy (--policy) narrows what the session may do', () => {
      run(['iam', 'create-role', '--role-name', 'session-role', '--assume-role-policy-document', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' })]);
      run(['iam', 'put-role-policy', '--role-name', 'session-role', '--policy-name', 'list', '--policy-document', doc({ Effect: 'Allow', Action: ['iam:ListRoles', 'iam:ListUsers'], Resource: '*' })]);
      const wide = run(['sts', 'assume-role', '--role-arn', roleArn('session-role'), '--role-session-name', 'wide']);
      assert.equal(wide['PackedPolicySize'], undefined);
      const narrow = run(['sts', 'assume-role', '--role-arn', roleArn('session-role'), '--role-session-name', 'narrow', '--policy', doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' })]);
      assert.equal(typeof narrow['PackedPolicySize'], 'number');
      const wideEnv = as(wide['Credentials'], wide['Credentials']['SessionToken']);
      const narrowEnv = as(narrow['Credentials'], narrow['Credentials']['SessionToken']);
      run(['iam', 'list-users'], wideEnv);
      run(['iam', 'list-roles'], narrowEnv);
      const err = fail(['iam', 'list-users'], narrowEnv);
      assert.match(
        err,
        new RegExp(`\\(AccessDenied\\) when calling the ListUsers operation: User: arn:aws:sts::${account}:assumed-role/session-role/narrow is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ because no session policy allows the iam:ListUsers action$`),
      );
    });

    it('simulate-principal-policy reports allowed, implicitDeny and explicitDeny', () => {
      const out = run(['iam', 'simulate-principal-policy', '--policy-source-arn', userArn('carol'), '--action-names', 'iam:ListUsers', 'iam:ListRoles', 's3:GetObject']);
      const decisions = Object.fromEntries((out['EvaluationResults'] as Json[]).map((r) => [r['EvalActionName'], r['EvalDecision']]));
      assert.deepEqual(decisions, { 'iam:ListUsers': 'allowed', 'iam:ListRoles': 'explicitDeny', 's3:GetObject': 'implicitDeny' });
      const denied = (out['EvaluationResults'] as Json[]).find((r) => r['EvalActionName'] === 'iam:ListRoles') as Json;
      assert.equal(denied['PermissionsBoundaryDecisionDetail']['AllowedByPermissionsBoundary'], false);
      assert.deepEqual(
        (denied['MatchedStatements'] as Json[]).map((m) => [m['SourcePolicyId'], m['SourcePolicyType']]),
        [['carol-boundary', 'IAM Policy']],
      );
      const allowed = (out['EvaluationResults'] as Json[]).find((r) => r['EvalActionName'] === 'iam:ListUsers') as Json;
      assert.deepEqual(
        (allowed['MatchedStatements'] as Json[]).map((m) => m['SourcePolicyId']),
        ['user_carol_all-iam'],
      );
    });

    it('simulate-custom-policy reports allowed, implicitDeny and explicitDeny', () => {
      const out = run([
        'iam',
        'simulate-custom-policy',
        '--policy-input-list',
        doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }),
        '--action-names',
        's3:GetObject',
        's3:DeleteObject',
        'ec2:RunInstances',
      ]);
      const decisions = Object.fromEntries((out['EvaluationResults'] as Json[]).map((r) => [r['EvalActionName'], r['EvalDecision']]));
      assert.deepEqual(decisions, { 's3:GetObject': 'allowed', 's3:DeleteObject': 'explicitDeny', 'ec2:RunInstances': 'implicitDeny' });
      const allowed = (out['EvaluationResults'] as Json[])[0] as Json;
      assert.deepEqual(allowed['MatchedStatements'], [{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'IAM Policy' }]);
    });

    it('get-account-authorization-details lists users, roles and policies with decoded documents', () => {
      const out = run(['iam', 'get-account-authorization-details']);
      const carolDetail = (out['UserDetailList'] as Json[]).find((u) => u['UserName'] === 'carol') as Json;
      assert.deepEqual(carolDetail['UserPolicyList'], [{ PolicyName: 'all-iam', PolicyDocument: JSON.parse(doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' })) }]);
      assert.deepEqual(carolDetail['PermissionsBoundary'], { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: policyArn('carol-boundary') });
      const role = (out['RoleDetailList'] as Json[]).find((r) => r['RoleName'] === 'session-role') as Json;
      assert.equal(role['AssumeRolePolicyDocument']['Statement'][0]['Action'], 'sts:AssumeRole');
      assert.equal(role['RolePolicyList'][0]['PolicyDocument']['Statement'][0]['Effect'], 'Allow');
      const boundary = (out['Policies'] as Json[]).find((p) => p['PolicyName'] === 'carol-boundary') as Json;
      assert.equal(boundary['PermissionsBoundaryUsageCount'], 1);
      assert.equal(boundary['PolicyVersionList'][0]['Document']['Statement'][1]['Effect'], 'Deny');
      const roles = run(['iam', 'get-account-authorization-details', '--filter', 'Role']);
      assert.deepEqual(roles['UserDetailList'], []);
      assert.deepEqual(roles['Policies'], []);
      assert.ok((roles['RoleDetailList'] as Json[]).length >= 3);
    });
  });

  describe('list pagination', () => {
    before(() => {
      for (let i = 1; i <= 5; i++) {
        run(['iam', 'create-role', '--role-name', `pg-${i}`, '--path', '/pg/', '--assume-role-policy-document', doc({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' })]);
      }
    });

    it('--max-items and --starting-token walk the list', () => {
      const names: string[] = [];
      let token: string | undefined;
      const pages: number[] = [];
      do {
        const out = run(['iam', 'list-roles', '--path-prefix', '/pg/', '--max-items', '2', ...(token ? ['--starting-token', token] : [])]);
        pages.push((out['Roles'] as Json[]).length);
        names.push(...(out['Roles'] as Json[]).map((r) => r['RoleName'] as string));
        token = out['NextToken'] as string | undefined;
      } while (token);
      assert.deepEqual(pages, [2, 2, 1]);
      assert.deepEqual(names, ['pg-1', 'pg-2', 'pg-3', 'pg-4', 'pg-5']);
    });

    it('--page-size makes the CLI follow the server Marker', () => {
      const out = run(['iam', 'list-roles', '--path-prefix', '/pg/', '--page-size', '2']);
      assert.deepEqual((out['Roles'] as Json[]).map((r) => r['RoleName']), ['pg-1', 'pg-2', 'pg-3', 'pg-4', 'pg-5']);
      const first = run(['iam', 'list-roles', '--path-prefix', '/pg/', '--page-size', '2', '--max-items', '3']);
      assert.deepEqual((first['Roles'] as Json[]).map((r) => r['RoleName']), ['pg-1', 'pg-2', 'pg-3']);
      const rest = run(['iam', 'list-roles', '--path-prefix', '/pg/', '--page-size', '2', '--starting-token', first['NextToken']]);
      assert.deepEqual((rest['Roles'] as Json[]).map((r) => r['RoleName']), ['pg-4', 'pg-5']);
    });

    it('list-users, list-policies and list-attached-role-policies paginate too', () => {
      for (let i = 1; i <= 3; i++) run(['iam', 'create-policy', '--policy-name', `pg-policy-${i}`, '--path', '/pg/', '--policy-document', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })]);
      const policies = run(['iam', 'list-policies', '--scope', 'Local', '--path-prefix', '/pg/', '--page-size', '1']);
      assert.deepEqual((policies['Policies'] as Json[]).map((p) => p['PolicyName']), ['pg-policy-1', 'pg-policy-2', 'pg-policy-3']);
      for (let i = 1; i <= 3; i++) run(['iam', 'attach-role-policy', '--role-name', 'pg-1', '--policy-arn', `arn:aws:iam::${account}:policy/pg/pg-policy-${i}`]);
      const attached = run(['iam', 'list-attached-role-policies', '--role-name', 'pg-1', '--max-items', '2']);
      assert.equal((attached['AttachedPolicies'] as Json[]).length, 2);
      const more = run(['iam', 'list-attached-role-policies', '--role-name', 'pg-1', '--starting-token', attached['NextToken']]);
      assert.equal((more['AttachedPolicies'] as Json[]).length, 1);
      const users = run(['iam', 'list-users', '--page-size', '1']);
      assert.ok((users['Users'] as Json[]).some((u) => u['UserName'] === 'irsa-admin'));
    });
  });

  describe('tags', () => {
    it('on a role', () => {
      run(['iam', 'create-role', '--role-name', 'tagged-role', '--assume-role-policy-document', doc({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }), '--tags', 'Key=team,Value=a']);
      run(['iam', 'tag-role', '--role-name', 'tagged-role', '--tags', 'Key=env,Value=dev', 'Key=TEAM,Value=b']);
      assert.deepEqual(run(['iam', 'list-role-tags', '--role-name', 'tagged-role'])['Tags'], [
        { Key: 'env', Value: 'dev' },
        { Key: 'TEAM', Value: 'b' },
      ]);
      run(['iam', 'untag-role', '--role-name', 'tagged-role', '--tag-keys', 'team']);
      assert.deepEqual(run(['iam', 'list-role-tags', '--role-name', 'tagged-role'])['Tags'], [{ Key: 'env', Value: 'dev' }]);
      assert.deepEqual(run(['iam', 'get-role', '--role-name', 'tagged-role'])['Role']['Tags'], [{ Key: 'env', Value: 'dev' }]);
    });

    it('on a user', () => {
      run(['iam', 'create-user', '--user-name', 'tagged-user']);
      run(['iam', 'tag-user', '--user-name', 'tagged-user', '--tags', 'Key=a,Value=1', 'Key=b,Value=2']);
      run(['iam', 'untag-user', '--user-name', 'tagged-user', '--tag-keys', 'a']);
      assert.deepEqual(run(['iam', 'list-user-tags', '--user-name', 'tagged-user'])['Tags'], [{ Key: 'b', Value: '2' }]);
    });

    it('on a managed policy', () => {
      const arn = run(['iam', 'create-policy', '--policy-name', 'tagged-policy', '--policy-document', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), '--tags', 'Key=a,Value=1'])['Policy']['Arn'];
      run(['iam', 'tag-policy', '--policy-arn', arn, '--tags', 'Key=b,Value=2']);
      run(['iam', 'untag-policy', '--policy-arn', arn, '--tag-keys', 'a']);
      assert.deepEqual(run(['iam', 'list-policy-tags', '--policy-arn', arn])['Tags'], [{ Key: 'b', Value: '2' }]);
      assert.deepEqual(run(['iam', 'get-policy', '--policy-arn', arn])['Policy']['Tags'], [{ Key: 'b', Value: '2' }]);
    });

    it('on an OIDC provider, within the 50-tag quota', () => {
      const arn = run(['iam', 'create-open-id-connect-provider', '--url', 'https://oidc.example.com/id/TAGS', '--client-id-list', 'sts.amazonaws.com', '--tags', 'Key=cluster,Value=c1'])['OpenIDConnectProviderArn'];
      run(['iam', 'tag-open-id-connect-provider', '--open-id-connect-provider-arn', arn, '--tags', 'Key=env,Value=dev']);
      run(['iam', 'untag-open-id-connect-provider', '--open-id-connect-provider-arn', arn, '--tag-keys', 'cluster']);
      assert.deepEqual(run(['iam', 'list-open-id-connect-provider-tags', '--open-id-connect-provider-arn', arn])['Tags'], [{ Key: 'env', Value: 'dev' }]);
      const many = Array.from({ length: 50 }, (_, i) => `Key=k${i},Value=v`);
      const err = fail(['iam', 'tag-open-id-connect-provider', '--open-id-connect-provider-arn', arn, '--tags', ...many]);
      assert.match(err, /\(LimitExceeded\) when calling the TagOpenIDConnectProvider operation: The number of tags has reached the maximum limit\.$/);
    });
  });

  describe('managed policy versions', () => {
    const v = (n: number) => doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::versions/v${n}/*` });
    let arn: string;

    it('create-policy-version up to the quota of five', () => {
      arn = run(['iam', 'create-policy', '--policy-name', 'versioned', '--policy-document', file('v1.json', v(1))])['Policy']['Arn'];
      for (let n = 2; n <= 5; n++) {
        const out = run(['iam', 'create-policy-version', '--policy-arn', arn, '--policy-document', file(`v${n}.json`, v(n))]);
        assert.deepEqual({ id: out['PolicyVersion']['VersionId'], def: out['PolicyVersion']['IsDefaultVersion'] }, { id: `v${n}`, def: false });
      }
      const err = fail(['iam', 'create-policy-version', '--policy-arn', arn, '--policy-document', file('v6.json', v(6))]);
      assert.match(
        err,
        /\(LimitExceeded\) when calling the CreatePolicyVersion operation: A managed policy can have up to 5 versions\. Before you create a new version, you must delete an existing version\.$/,
      );
    });

    it('set-default-policy-version, then the default version cannot be deleted', () => {
      run(['iam', 'set-default-policy-version', '--policy-arn', arn, '--version-id', 'v3']);
      assert.equal(run(['iam', 'get-policy', '--policy-arn', arn])['Policy']['DefaultVersionId'], 'v3');
      const got = run(['iam', 'get-policy-version', '--policy-arn', arn, '--version-id', 'v3'])['PolicyVersion'];
      assert.equal(got['IsDefaultVersion'], true);
      assert.deepEqual(got['Document'], JSON.parse(v(3)));
      const err = fail(['iam', 'delete-policy-version', '--policy-arn', arn, '--version-id', 'v3']);
      assert.match(err, /\(DeleteConflict\) when calling the DeletePolicyVersion operation: Cannot delete the default version of a policy\.$/);
    });

    it('delete-policy-version frees a slot; version ids are never reused', () => {
      run(['iam', 'delete-policy-version', '--policy-arn', arn, '--version-id', 'v2']);
      const listed = run(['iam', 'list-policy-versions', '--policy-arn', arn])['Versions'] as Json[];
      assert.deepEqual(listed.map((x) => x['VersionId']).sort(), ['v1', 'v3', 'v4', 'v5']);
      const out = run(['iam', 'create-policy-version', '--policy-arn', arn, '--policy-document', file('v6.json', v(6)), '--set-as-default']);
      assert.deepEqual({ id: out['PolicyVersion']['VersionId'], def: out['PolicyVersion']['IsDefaultVersion'] }, { id: 'v6', def: true });
    });

    it('delete-policy conflicts while attached and while other versions remain', () => {
      run(['iam', 'create-role', '--role-name', 'versioned-user', '--assume-role-policy-document', doc({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' })]);
      run(['iam', 'attach-role-policy', '--role-name', 'versioned-user', '--policy-arn', arn]);
      assert.match(fail(['iam', 'delete-policy', '--policy-arn', arn]), /\(DeleteConflict\) when calling the DeletePolicy operation: Cannot delete a policy attached to entities\.$/);
      assert.match(fail(['iam', 'delete-role', '--role-name', 'versioned-user']), /\(DeleteConflict\) when calling the DeleteRole operation: Cannot delete entity, must detach all policies first\.$/);
      run(['iam', 'detach-role-policy', '--role-name', 'versioned-user', '--policy-arn', arn]);
      assert.match(fail(['iam', 'delete-policy', '--policy-arn', arn]), /\(DeleteConflict\) when calling the DeletePolicy operation: This policy has more than one version\./);
      for (const id of ['v1', 'v3', 'v4', 'v5']) run(['iam', 'delete-policy-version', '--policy-arn', arn, '--version-id', id]);
      run(['iam', 'delete-policy', '--policy-arn', arn]);
      assert.match(fail(['iam', 'get-policy', '--policy-arn', arn]), new RegExp(`\\(NoSuchEntity\\) when calling the GetPolicy operation: Policy ${arn} was not found\\.$`));
      run(['iam', 'delete-role', '--role-name', 'versioned-user']);
    });
  });
});
