import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountDetailsError, loadAccountDetails, type AccountModel, type RoleModel } from '../../src/explain/account.js';
import { readAccountDetails } from '../../src/cli/analyze-io.js';
import { RequestContext, authorize, principalFromString, type DecisionKind, type RequestPrincipal } from '../../src/policy/index.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { rng } from '../support/generator.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURE = new URL('./fixtures/account-authorization-details.json', import.meta.url);
const fixture = (): Json => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

function session(role: RoleModel): RequestPrincipal {
  const p = principalFromString(`arn:aws:sts::${role.arn.split(':')[4]}:assumed-role/${role.name}/s`, role.arn);
  assert.ok(p);
  return p;
}

function decide(role: RoleModel, action: string, resource: string): DecisionKind {
  return authorize({ principal: session(role), action, resource, context: new RequestContext() }, { identity: role.identity, boundary: role.boundary }).decision;
}

/** The trust check STS makes for AssumeRoleWithWebIdentity (src/sts/operations.ts). */
function trusts(role: RoleModel, issuer: string, sub: string, aud = 'sts.amazonaws.com', account = '123456789012'): DecisionKind {
  const provider = `arn:aws:iam::${account}:oidc-provider/${issuer}`;
  const ctx = new RequestContext().set(`${issuer}:aud`, [aud]).set(`${issuer}:sub`, [sub]).set('aws:FederatedProvider', [provider]);
  const principal: RequestPrincipal = { kind: 'webIdentity', id: provider, account: undefined, roleArn: undefined, sessionName: undefined };
  return authorize({ principal, action: 'sts:AssumeRoleWithWebIdentity', resource: role.arn, context: ctx }, { resource: role.trust, resourceAccount: account, resourcePolicyRequired: true }).decision;
}

function loadError(json: unknown): AccountDetailsError {
  try {
    loadAccountDetails(json);
  } catch (e) {
    assert.ok(e instanceof AccountDetailsError, `expected AccountDetailsError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the export to be rejected');
}

describe('loadAccountDetails: an export shaped as AWS documents it', () => {
  const m = loadAccountDetails(fixture());
  const weasel = m.role('weasel-eks-pod-role') as RoleModel;

  it('reads the account, counts and entities', () => {
    assert.equal(m.account, '123456789012');
    assert.equal(m.partition, 'aws');
    assert.deepEqual(m.counts, { roles: 2, users: 2, groups: 1, policies: 4 });
    assert.deepEqual([...m.roles()].map((r) => r.name), ['EC2role', 'weasel-eks-pod-role']);
    assert.equal(weasel.arn, 'arn:aws:iam::123456789012:role/eks/weasel-eks-pod-role');
    assert.equal(weasel.roleId, 'AROA6666666666EXAMPLE');
    assert.equal(weasel.path, '/eks/');
    assert.deepEqual(weasel.tags, { team: 'weasel' });
    assert.equal(weasel.source, 'RoleDetailList[1]');
    assert.deepEqual(weasel.attachedPolicyArns, ['arn:aws:iam::123456789012:policy/weasel-s3']);
    assert.deepEqual(weasel.inlinePolicyNames, ['weasel-secrets']);
    assert.equal(weasel.boundaryArn, 'arn:aws:iam::123456789012:policy/eks-pod-boundary');
    assert.deepEqual(weasel.missingPolicyArns, []);
  });

  it('finds roles by name (case-insensitive) and by exact ARN only', () => {
    assert.equal(m.role('WEASEL-EKS-POD-ROLE'), weasel);
    assert.equal(m.role('arn:aws:iam::123456789012:role/eks/weasel-eks-pod-role'), weasel);
    assert.equal(m.role('arn:aws:iam::123456789012:role/weasel-eks-pod-role'), undefined, 'another path is another role');
    assert.equal(m.role('arn:aws:iam::210987654321:role/eks/weasel-eks-pod-role'), undefined, 'another account');
    assert.equal(m.role('nope'), undefined);
  });

  it('compiles the trust policy: the IRSA subject and audience as STS checks them', () => {
    assert.equal(trusts(weasel, ISSUER, 'system:serviceaccount:weasel:weasel-eks-pod-sa'), 'allowed');
    assert.equal(trusts(weasel, ISSUER, 'system:serviceaccount:default:weasel-eks-pod-sa'), 'implicitDeny');
    assert.equal(trusts(weasel, ISSUER, 'system:serviceaccount:weasel:weasel-eks-pod-sa', 'other'), 'implicitDeny');
    assert.equal(JSON.parse(weasel.trustDocument).Statement[0].Action, 'sts:AssumeRoleWithWebIdentity');
    assert.equal(weasel.trust.policies[0]?.id, `${weasel.arn}:trust`);
  });

  it('evaluates the default version of attached policies, inline policies and the boundary', () => {
    // v2 (default) names the bucket for ListBucket and objects for GetObject; v1 allowed dynamodb.
    assert.equal(decide(weasel, 's3:GetObject', 'arn:aws:s3:::weasel-images/cat.png'), 'allowed');
    assert.equal(decide(weasel, 's3:ListBucket', 'arn:aws:s3:::weasel-images'), 'allowed');
    assert.equal(decide(weasel, 's3:ListBucket', 'arn:aws:s3:::weasel-images/x'), 'implicitDeny');
    assert.equal(decide(weasel, 'dynamodb:GetItem', 'arn:aws:dynamodb:us-west-2:123456789012:table/t'), 'implicitDeny', 'v1 is not the default version');
    assert.equal(decide(weasel, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:us-west-2:123456789012:secret:weasel/db-AbCdEf'), 'allowed', 'inline policy');
    assert.equal(decide(weasel, 'secretsmanager:DeleteSecret', 'arn:aws:secretsmanager:us-west-2:123456789012:secret:weasel/db-AbCdEf'), 'implicitDeny', 'the boundary does not allow it');
    assert.equal(decide(weasel, 's3:DeleteObject', 'arn:aws:s3:::weasel-images/cat.png'), 'explicitDeny', 'the boundary denies it');
    assert.deepEqual(weasel.identity.policies.map((p) => p.id), ['arn:aws:iam::123456789012:policy/weasel-s3:v2', `${weasel.arn}:inline/weasel-secrets`]);
    assert.deepEqual(weasel.boundary?.policies.map((p) => p.id), ['arn:aws:iam::123456789012:policy/eks-pod-boundary:v1']);
    const ec2 = m.role('EC2role') as RoleModel;
    assert.equal(ec2.boundary, undefined);
    assert.equal(decide(ec2, 's3-object-lambda:GetObject', '*'), 'allowed', 'AmazonS3FullAccess v2 is the default');
  });

  it('exposes managed policies with their versions', () => {
    const p = m.policy('arn:aws:iam::123456789012:policy/weasel-s3');
    assert.ok(p);
    assert.equal(p.defaultVersionId, 'v2');
    assert.equal(p.awsManaged, false);
    assert.deepEqual(p.versions.map((v) => [v.versionId, v.isDefaultVersion]), [['v2', true], ['v1', false]]);
    assert.equal(p.compiled('identity', 'v1').id, 'arn:aws:iam::123456789012:policy/weasel-s3:v1');
    assert.equal(m.policy('arn:aws:iam::aws:policy/AdministratorAccess')?.awsManaged, true);
    assert.equal(m.policy('arn:aws:iam::aws:policy/Nope'), undefined);
  });

  it('loads users with their groups’ policies', () => {
    const adele = m.user('Adele');
    const bob = m.user('arn:aws:iam::123456789012:user/Bob');
    assert.ok(adele && bob);
    assert.deepEqual(adele.groups, ['Admins']);
    assert.deepEqual(adele.identity.policies.map((p) => p.id), ['arn:aws:iam::aws:policy/AdministratorAccess:v1']);
    assert.deepEqual(bob.identity.policies.map((p) => p.id), ['arn:aws:iam::123456789012:user/Bob:inline/ReadWeaselBucket']);
  });

  it('lists candidate roles per action', () => {
    const names = (a: string) => m.candidateRoles(a).map((r) => r.name);
    assert.deepEqual(names('s3:GetObject'), ['EC2role', 'weasel-eks-pod-role']);
    assert.deepEqual(names('S3:LISTBUCKET'), ['EC2role', 'weasel-eks-pod-role']);
    assert.deepEqual(names('s3-object-lambda:GetObject'), ['EC2role']);
    assert.deepEqual(names('secretsmanager:GetSecretValue'), ['weasel-eks-pod-role']);
    assert.deepEqual(names('dynamodb:GetItem'), [], 'only default versions count');
    assert.deepEqual(names('kms:Decrypt'), []);
  });

  it('reports progress up to the total', () => {
    const seen: [number, number][] = [];
    loadAccountDetails(fixture(), { onProgress: (d, t) => seen.push([d, t]) });
    assert.deepEqual(seen.at(0), [0, 9]);
    assert.deepEqual(seen.at(-1), [9, 9]);
  });
});

describe('loadAccountDetails: document encodings and defaults', () => {
  it('accepts URL-encoded documents (the raw API) and plain JSON strings', () => {
    const j = fixture();
    const trust = j.RoleDetailList[1].AssumeRolePolicyDocument;
    j.RoleDetailList[1].AssumeRolePolicyDocument = encodeURIComponent(JSON.stringify(trust));
    j.RoleDetailList[1].RolePolicyList[0].PolicyDocument = JSON.stringify(j.RoleDetailList[1].RolePolicyList[0].PolicyDocument, null, 2);
    j.Policies[2].PolicyVersionList[0].Document = encodeURIComponent(JSON.stringify(j.Policies[2].PolicyVersionList[0].Document));
    const m = loadAccountDetails(j);
    const r = m.role('weasel-eks-pod-role') as RoleModel;
    assert.equal(trusts(r, ISSUER, 'system:serviceaccount:weasel:weasel-eks-pod-sa'), 'allowed');
    assert.deepEqual(JSON.parse(r.trustDocument), trust);
    assert.equal(decide(r, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:us-west-2:123456789012:secret:weasel/x'), 'allowed');
    assert.equal(decide(r, 's3:ListBucket', 'arn:aws:s3:::weasel-images'), 'allowed');
    assert.deepEqual(m.candidateRoles('s3:putobject').map((x) => x.name), ['EC2role', 'weasel-eks-pod-role']);
  });

  it('selects the default version from IsDefaultVersion when DefaultVersionId is absent, and from a sole version', () => {
    const j = fixture();
    delete j.Policies[2].DefaultVersionId;
    j.Policies[2].PolicyVersionList[0].IsDefaultVersion = false;
    j.Policies[2].PolicyVersionList[1].IsDefaultVersion = true;
    const r = loadAccountDetails(j).role('weasel-eks-pod-role') as RoleModel;
    assert.equal(decide(r, 's3:ListBucket', 'arn:aws:s3:::weasel-images/x'), 'allowed', 'v1 (Resource *) is now the default');
    const j2 = fixture();
    delete j2.Policies[3].DefaultVersionId;
    delete j2.Policies[3].PolicyVersionList[0].IsDefaultVersion;
    assert.equal(loadAccountDetails(j2).policy('arn:aws:iam::123456789012:policy/eks-pod-boundary')?.defaultVersionId, 'v1');
  });

  it('merges a list of pages', () => {
    const j = fixture();
    const pages = [
      { RoleDetailList: j.RoleDetailList, IsTruncated: true, Marker: 'm' },
      { Policies: j.Policies, UserDetailList: j.UserDetailList, GroupDetailList: j.GroupDetailList, IsTruncated: false },
    ];
    const m = loadAccountDetails(pages);
    assert.deepEqual(m.counts, { roles: 2, users: 2, groups: 1, policies: 4 });
    assert.equal((m.role('weasel-eks-pod-role') as RoleModel).source, '[0].RoleDetailList[1]');
  });

  it('records attached policies missing from a filtered export; a missing boundary allows nothing', () => {
    const j = fixture();
    j.Policies = j.Policies.filter((p: Json) => !p.Arn.endsWith('/eks-pod-boundary') && !p.Arn.endsWith('/weasel-s3'));
    const m = loadAccountDetails(j);
    const r = m.role('weasel-eks-pod-role') as RoleModel;
    assert.deepEqual(r.missingPolicyArns, ['arn:aws:iam::123456789012:policy/weasel-s3', 'arn:aws:iam::123456789012:policy/eks-pod-boundary']);
    assert.deepEqual(r.identity.policies.map((p) => p.id), [`${r.arn}:inline/weasel-secrets`]);
    assert.equal(r.boundary?.policies.length, 0);
    assert.equal(decide(r, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:us-west-2:123456789012:secret:weasel/x'), 'implicitDeny');
  });
});

describe('loadAccountDetails: malformed exports name the path', () => {
  const cases: [string, (j: Json) => unknown, RegExp][] = [
    ['not an object', () => 'hello', /^expected the output of `aws iam get-account-authorization-details`/],
    ['null', () => null, /got null/],
    ['empty list', () => [], /empty list/],
    ['unrelated object', () => ({ foo: 1 }), /none of RoleDetailList, Policies/],
    ['camelCase', (j) => ({ roleDetailList: j.RoleDetailList }), /not camelCase/],
    ['RoleDetailList not a list', (j) => ((j.RoleDetailList = {}), j), /^RoleDetailList: expected a list, got an object$/],
    ['role not an object', (j) => ((j.RoleDetailList[1] = 7), j), /^RoleDetailList\[1\]: expected an object, got number 7$/],
    ['trust not valid JSON', (j) => ((j.RoleDetailList[1].AssumeRolePolicyDocument = '{"Version": '), j), /^RoleDetailList\[1\]\.AssumeRolePolicyDocument: not valid JSON/],
    ['trust URL-encoded, truncated', (j) => ((j.RoleDetailList[0].AssumeRolePolicyDocument = '%7B%22Version%22%3A'), j), /^RoleDetailList\[0\]\.AssumeRolePolicyDocument: not valid JSON/],
    ['trust bad URL-encoding', (j) => ((j.RoleDetailList[0].AssumeRolePolicyDocument = '%E0%A4%A'), j), /^RoleDetailList\[0\]\.AssumeRolePolicyDocument: not valid JSON, and not a URL-encoded JSON document$/],
    ['trust missing', (j) => (delete j.RoleDetailList[1].AssumeRolePolicyDocument, j), /^RoleDetailList\[1\]\.AssumeRolePolicyDocument: missing$/],
    ['trust a number', (j) => ((j.RoleDetailList[1].AssumeRolePolicyDocument = 3), j), /^RoleDetailList\[1\]\.AssumeRolePolicyDocument: expected a policy document/],
    ['RoleName not a string', (j) => ((j.RoleDetailList[0].RoleName = 5), j), /^RoleDetailList\[0\]\.RoleName: expected a non-empty string, got number 5$/],
    ['Arn of another role', (j) => ((j.RoleDetailList[0].Arn = 'arn:aws:iam::123456789012:role/Other'), j), /^RoleDetailList\[0\]\.Arn: .* is not the ARN of role EC2role$/],
    ['Arn of another account', (j) => ((j.RoleDetailList[1].Arn = 'arn:aws:iam::999999999999:role/eks/weasel-eks-pod-role'), j), /^RoleDetailList\[1\]\.Arn: ARN .* is not in account 123456789012 \(Policies\[2\]\.Arn\)/],
    ['Arn not an ARN', (j) => ((j.RoleDetailList[0].Arn = 'EC2role'), j), /^RoleDetailList\[0\]\.Arn: not an IAM role ARN: EC2role$/],
    ['role twice', (j) => (j.RoleDetailList.push(j.RoleDetailList[0]), j), /^RoleDetailList\[2\]\.RoleName: role EC2role is listed twice$/],
    ['inline document a number', (j) => ((j.RoleDetailList[1].RolePolicyList[0].PolicyDocument = 42), j), /^RoleDetailList\[1\]\.RolePolicyList\[0\]\.PolicyDocument: expected a policy document/],
    ['inline name missing', (j) => (delete j.RoleDetailList[1].RolePolicyList[0].PolicyName, j), /^RoleDetailList\[1\]\.RolePolicyList\[0\]\.PolicyName: missing$/],
    ['attached not a list', (j) => ((j.RoleDetailList[1].AttachedManagedPolicies = 'x'), j), /^RoleDetailList\[1\]\.AttachedManagedPolicies: expected a list/],
    ['attached ARN bad', (j) => ((j.RoleDetailList[1].AttachedManagedPolicies[0].PolicyArn = 'weasel-s3'), j), /^RoleDetailList\[1\]\.AttachedManagedPolicies\[0\]\.PolicyArn: not an ARN/],
    ['boundary ARN missing', (j) => ((j.RoleDetailList[1].PermissionsBoundary = { PermissionsBoundaryType: 'Policy' }), j), /^RoleDetailList\[1\]\.PermissionsBoundary\.PermissionsBoundaryArn: missing$/],
    ['tag not an object', (j) => ((j.RoleDetailList[1].Tags[0] = 'x'), j), /^RoleDetailList\[1\]\.Tags\[0\]: expected an object/],
    ['DefaultVersionId disagrees', (j) => ((j.Policies[2].DefaultVersionId = 'v9'), j), /^Policies\[2\]\.DefaultVersionId: is v9, but PolicyVersionList marks v2 as the default version$/],
    ['DefaultVersionId not listed', (j) => ((j.Policies[2].DefaultVersionId = 'v9'), (j.Policies[2].PolicyVersionList[0].IsDefaultVersion = false), j), /^Policies\[2\]\.DefaultVersionId: version v9 is not in PolicyVersionList$/],
    ['two defaults', (j) => ((j.Policies[2].PolicyVersionList[1].IsDefaultVersion = true), j), /^Policies\[2\]\.PolicyVersionList\[1\]\.IsDefaultVersion: both v2 and v1/],
    ['no default', (j) => (delete j.Policies[2].DefaultVersionId, (j.Policies[2].PolicyVersionList[0].IsDefaultVersion = false), j), /^Policies\[2\]\.PolicyVersionList: no version is marked IsDefaultVersion/],
    ['no versions', (j) => ((j.Policies[2].PolicyVersionList = []), j), /^Policies\[2\]\.PolicyVersionList: no policy versions/],
    ['version document missing', (j) => (delete j.Policies[2].PolicyVersionList[1].Document, j), /^Policies\[2\]\.PolicyVersionList\[1\]\.Document: missing$/],
    ['IsDefaultVersion a string', (j) => ((j.Policies[2].PolicyVersionList[1].IsDefaultVersion = 'false'), j), /^Policies\[2\]\.PolicyVersionList\[1\]\.IsDefaultVersion: expected true or false/],
    ['policy twice', (j) => (j.Policies.push(j.Policies[0]), j), /^Policies\[4\]\.Arn: policy .*AdministratorAccess is listed twice$/],
    ['GroupList member not a string', (j) => ((j.UserDetailList[0].GroupList = [{}]), j), /^UserDetailList\[0\]\.GroupList\[0\]: expected a group name/],
    ['deeply nested document', (j) => ((j.RoleDetailList[0].AssumeRolePolicyDocument = nest(100)), j), /^RoleDetailList\[0\]\.AssumeRolePolicyDocument: document nested too deeply$/],
    ['huge document', (j) => ((j.RoleDetailList[0].AssumeRolePolicyDocument = `{"a":"${'x'.repeat(200_000)}"}`), j), /^RoleDetailList\[0\]\.AssumeRolePolicyDocument: document longer than 131072 characters$/],
    ['page not an object', (j) => [j, 5], /^\[1\]: expected an object, got number 5$/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => assert.match(loadError(mutate(fixture())).message, expected));
  }

  it('a cyclic object is rejected, not followed', () => {
    const j = fixture();
    const doc: Json = { Version: '2012-10-17' };
    doc.Statement = doc;
    j.RoleDetailList[0].AssumeRolePolicyDocument = doc;
    assert.match(loadError(j).message, /^RoleDetailList\[0\]\.AssumeRolePolicyDocument: document nested too deeply$/);
  });

  it('a document that is JSON but not a valid policy fails when compiled, with its path', () => {
    const j = fixture();
    j.RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[0].Effect = 'Maybe';
    j.RoleDetailList[1].AssumeRolePolicyDocument.Statement[0].Resource = '*';
    const r = loadAccountDetails(j).role('weasel-eks-pod-role') as RoleModel;
    assert.throws(() => r.identity, (e: unknown) => e instanceof AccountDetailsError && /^RoleDetailList\[1\]\.RolePolicyList\[0\]\.PolicyDocument: MalformedPolicyDocument: Syntax errors in policy\.$/.test(e.message));
    assert.throws(() => r.trust, (e: unknown) => e instanceof AccountDetailsError && /^RoleDetailList\[1\]\.AssumeRolePolicyDocument: MalformedPolicyDocument: Has prohibited field Resource\.$/.test(e.message));
  });

  it('a huge document given as an object is rejected', () => {
    const j = fixture();
    j.RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[0].Resource = Array.from({ length: 20_000 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`);
    assert.match(loadError(j).message, /^RoleDetailList\[1\]\.RolePolicyList\[0\]\.PolicyDocument: document longer than 131072 characters$/);
  });

  it('compileAll lists every document in force that does not validate, with its path', () => {
    const j = fixture();
    j.RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[0].Effect = 'Maybe';
    j.Policies[3].PolicyVersionList[0].Document.Statement[0].Principal = '*';
    j.Policies[2].PolicyVersionList[1].Document = { Statement: 'not checked: v1 is not the default version' };
    const m = loadAccountDetails(j);
    const progress: number[] = [];
    const problems = m.compileAll({ onProgress: (d) => progress.push(d) });
    assert.deepEqual(problems.map((e) => e.path), ['RoleDetailList[1].RolePolicyList[0].PolicyDocument', 'Policies[3].PolicyVersionList[0].Document']);
    assert.match(problems[1]?.message ?? '', /Policy document should not specify a principal/);
    // 8 documents in force (2 trust, 2 inline, 2 attached to roles, 1 boundary, 1 attached to a group) and 2 roles.
    assert.deepEqual([progress.at(0), progress.at(-1)], [0, 10]);
    const ec2 = m.role('EC2role') as RoleModel;
    assert.equal(decide(ec2, 's3:GetObject', 'arn:aws:s3:::b/k'), 'allowed');
    assert.equal(m.compileAll({ limit: 1 }).length, 1);
  });

  it('random corruption never crashes: it loads, or fails with AccountDetailsError', () => {
    const rand = rng(7);
    const junk = [null, 0, -1, '', 'x', '%', '{', [], {}, [null], { Statement: 5 }, true, 'arn:aws:iam::123456789012:role/x'];
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const j = fixture();
      corrupt(j, rand, junk[Math.floor(rand() * junk.length)]);
      try {
        const m = loadAccountDetails(j);
        for (const r of m.roles()) {
          try {
            void r.trust;
            void r.identity;
            void r.boundary;
            decide(r, 's3:GetObject', 'arn:aws:s3:::b/k');
          } catch (e) {
            assert.ok(e instanceof AccountDetailsError, String(e));
          }
        }
        m.candidateRoles('s3:GetObject');
      } catch (e) {
        assert.ok(e instanceof AccountDetailsError, `${String(e)}\n${(e as Error).stack}`);
        rejected++;
      }
    }
    assert.ok(rejected > 50, `only ${rejected} corruptions were rejected`);
  });
});

function nest(n: number): Json {
  let v: Json = 'x';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}


/** Replaces one randomly chosen node of `j` with `value`. */
function corrupt(j: Json, rand: () => number, value: unknown): void {
  const nodes: [Json, string | number][] = [];
  const walk = (v: Json): void => {
    if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        nodes.push([v, Array.isArray(v) ? Number(k) : k]);
        walk(v[k]);
      }
    }
  };
  walk(j);
  const [parent, key] = nodes[Math.floor(rand() * nodes.length)] as [Json, string | number];
  parent[key] = value;
}

describe('candidateRoles: a superset of what the engine allows (property)', () => {
  const EXACT = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject', 'dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt', 'secretsmanager:GetSecretValue', 'sqs:SendMessage', 'ec2:DescribeInstances'];
  const PATTERNS = [...EXACT, 'S3:getobject', 's3:Get*', 's3:*', '*', 'dynamodb:*Item', '*:Get*', 's3:Get?bject', 'kms:*', 'secretsmanager:Get*', 'ec2:Describe*', 'sqs:*Message*'];
  const RESOURCES = ['*', 'arn:aws:s3:::b', 'arn:aws:s3:::b/*', 'arn:aws:dynamodb:us-east-1:123456789012:table/t', 'arn:aws:kms:us-east-1:123456789012:key/k', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-*'];
  const REQUEST_RESOURCES = ['arn:aws:s3:::b', 'arn:aws:s3:::b/k', 'arn:aws:dynamodb:us-east-1:123456789012:table/t', 'arn:aws:kms:us-east-1:123456789012:key/k', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf', '*'];
  const ACTIONS = [...EXACT, 's3:GetObjectTagging', 's3:getbucketpolicy', 'dynamodb:PutItem', 'dynamodb:BatchGetItem', 'sns:Publish', 'KMS:DECRYPT', 'iam:PassRole', 'sqs:ReceiveMessage', 'secretsmanager:DescribeSecret'];

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}`, () => {
      const rand = rng(seed);
      const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
      const some = <T>(a: readonly T[], max: number): T[] => Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(a));
      const statement = (): Json => {
        const s: Json = { Effect: rand() < 0.8 ? 'Allow' : 'Deny', Resource: some(RESOURCES, 2) };
        if (rand() < 0.15) s.NotAction = some(PATTERNS, 3);
        else s.Action = rand() < 0.3 ? pick(PATTERNS) : some(PATTERNS, 3);
        if (rand() < 0.2) s.Condition = { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } };
        return s;
      };
      const doc = (): Json => ({ Version: '2012-10-17', Statement: rand() < 0.2 ? statement() : Array.from({ length: 1 + Math.floor(rand() * 3) }, statement) });
      const policies = Array.from({ length: 40 }, (_, i) => ({
        PolicyName: `p${i}`,
        PolicyId: `ANPA${i}`,
        Arn: `arn:aws:iam::123456789012:policy/p${i}`,
        Path: '/',
        DefaultVersionId: 'v2',
        PolicyVersionList: [
          { VersionId: 'v2', IsDefaultVersion: true, Document: rand() < 0.5 ? doc() : encodeURIComponent(JSON.stringify(doc())) },
          { VersionId: 'v1', IsDefaultVersion: false, Document: doc() },
        ],
      }));
      const roles = Array.from({ length: 60 }, (_, i) => ({
        RoleName: `r${i}`,
        RoleId: `AROA${i}`,
        Arn: `arn:aws:iam::123456789012:role/r${i}`,
        Path: '/',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        RolePolicyList: rand() < 0.5 ? [{ PolicyName: 'inline', PolicyDocument: doc() }] : [],
        AttachedManagedPolicies: Array.from({ length: Math.floor(rand() * 4) }, () => ({ PolicyArn: pick(policies).Arn })),
        ...(rand() < 0.3 ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: pick(policies).Arn } } : {}),
      }));
      const m: AccountModel = loadAccountDetails({ RoleDetailList: roles, Policies: policies });
      let allowedSeen = 0;
      for (const action of ACTIONS) {
        const candidates = new Set(m.candidateRoles(action).map((r) => r.name));
        for (const role of m.roles()) {
          // Exactly the roles whose compiled identity policies have an Allow statement for the action.
          const hasAllow = role.identity.candidates(action.toLowerCase()).some((st) => st.effect === 'Allow');
          assert.equal(candidates.has(role.name), hasAllow, `${role.name} ${action}`);
          for (const resource of REQUEST_RESOURCES) {
            const ctx = new RequestContext().set('aws:RequestedRegion', ['us-east-1']);
            const d = authorize({ principal: session(role), action, resource, context: ctx }, { identity: role.identity, boundary: role.boundary });
            if (d.decision === 'allowed') {
              allowedSeen++;
              assert.ok(candidates.has(role.name), `${role.name} is allowed ${action} on ${resource} but is not a candidate`);
            }
          }
        }
      }
      assert.ok(allowedSeen > 20, `the generated accounts allowed only ${allowedSeen} requests`);
    });
  }
});

describe('readAccountDetails: the export of our own server, written by the aws CLI', () => {
  let srv: IrsaProcess;
  let dir: string;
  before(async () => {
    srv = await startIrsa();
    dir = mkdtempSync(join(tmpdir(), 'irsa-analyze-'));
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(dir ?? '');
  });

  it('loads roles, policies with versions, inline policies and boundaries', async () => {
    const run = (args: string[]): Json => {
      const r = aws(args, srv.env);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim() ? JSON.parse(r.stdout) : {};
    };
    const account = run(['sts', 'get-caller-identity']).Account as string;
    const issuer = 'oidc.example.test/id/ABC';
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${issuer}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${issuer}:sub`]: 'system:serviceaccount:shop:*' } } }],
    };
    const p = (statement: Json) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    const policyArn = run(['iam', 'create-policy', '--policy-name', 'shop-read', '--policy-document', p({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' })]).Policy.Arn as string;
    run(['iam', 'create-policy-version', '--policy-arn', policyArn, '--policy-document', p({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: '*' }), '--set-as-default']);
    const boundaryArn = run(['iam', 'create-policy', '--policy-name', 'shop-boundary', '--policy-document', p({ Effect: 'Allow', Action: ['dynamodb:*', 's3:*'], Resource: '*' })]).Policy.Arn as string;
    run(['iam', 'create-role', '--role-name', 'shop', '--path', '/apps/', '--assume-role-policy-document', JSON.stringify(trust), '--permissions-boundary', boundaryArn, '--tags', 'Key=team,Value=shop']);
    run(['iam', 'attach-role-policy', '--role-name', 'shop', '--policy-arn', policyArn]);
    run(['iam', 'put-role-policy', '--role-name', 'shop', '--policy-name', 'kms', '--policy-document', p({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' })]);

    const file = join(dir, 'details.json');
    const r = aws(['iam', 'get-account-authorization-details'], srv.env);
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(file, r.stdout);
    const m = await readAccountDetails(file);
    assert.equal(m.account, account);
    const role = m.role('shop') as RoleModel;
    assert.ok(role);
    assert.equal(role.arn, `arn:aws:iam::${account}:role/apps/shop`);
    assert.deepEqual(role.tags, { team: 'shop' });
    assert.equal(m.policy(policyArn)?.defaultVersionId, 'v2');
    assert.equal(trusts(role, issuer, 'system:serviceaccount:shop:cart', 'sts.amazonaws.com', account), 'allowed');
    assert.equal(trusts(role, issuer, 'system:serviceaccount:other:cart', 'sts.amazonaws.com', account), 'implicitDeny');
    const table = `arn:aws:dynamodb:us-east-1:${account}:table/orders`;
    assert.equal(decide(role, 'dynamodb:Query', table), 'allowed', 'v2 is the default version');
    assert.equal(decide(role, 'kms:Decrypt', '*'), 'implicitDeny', 'the inline policy allows it, the boundary does not');
    assert.deepEqual(role.identity.policies.map((x) => x.id), [`${policyArn}:v2`, `${role.arn}:inline/kms`]);
    assert.ok(m.candidateRoles('kms:Decrypt').includes(role));
    assert.ok(!m.candidateRoles('s3:GetObject').includes(role), 'the boundary alone grants nothing');
  });

  it('a file that is not JSON is a clear error', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"RoleDetailList": [');
    await assert.rejects(readAccountDetails(file), (e: unknown) => e instanceof AccountDetailsError && e.message.startsWith(`${file} is not valid JSON`));
    await assert.rejects(readAccountDetails(join(dir, 'missing.json')), (e: unknown) => e instanceof AccountDetailsError && /cannot read .*missing\.json: ENOENT/.test(e.message));
  });
});
