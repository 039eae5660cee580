import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCreate, rollbackOf, roleTags, type CreateObservation, type CreateRequest, type CreateStep } from '../../src/eksctl/create-plan.js';
import { ACCOUNT, HOST_PATH, PROVIDER_ARN } from './fakes.js';

const req: CreateRequest = {
  cluster: 'weasel-eks',
  region: 'us-east-1',
  namespace: 'weasel',
  name: 'weasel-eks-pod-sa',
  roleName: 'weasel-eks-pod-role',
  policyArns: [`arn:aws:iam::${ACCOUNT}:policy/weasel-eks-pod-policy`],
  tags: [],
  overrideExisting: false,
  roleOnly: false,
};
const obs: CreateObservation = {
  cluster: { partition: 'aws', account: ACCOUNT, hostPath: HOST_PATH, providerArn: PROVIDER_ARN },
  providerExists: true,
  missingPolicies: [],
  namespaceExists: false,
  suffix: 'ABCDEFGHIJKLM',
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/weasel-eks-pod-role`;

describe('planning create iamserviceaccount', () => {
  it('without an OIDC provider: eksctl warning (with irsa) and error, nothing planned', () => {
    const p = planCreate(req, { ...obs, providerExists: false });
    assert.equal(p.outcome, 'refused');
    assert.deepEqual(p.outcome === 'refused' && p.warnings, ["no IAM OIDC provider associated with cluster, try 'irsa utils associate-iam-oidc-provider --region=us-east-1 --cluster=weasel-eks'"]);
    assert.deepEqual(p.outcome === 'refused' && p.errors, ['unable to create iamserviceaccount(s) without IAM OIDC provider enabled']);
  });

  it('the walkthrough: role with trust policy and tags, policy, namespace, annotated and labelled ServiceAccount', () => {
    const p = planCreate(req, obs);
    assert.equal(p.outcome, 'included');
    if (p.outcome !== 'included') return;
    assert.equal(p.roleArn, ROLE_ARN);
    assert.deepEqual(
      p.steps.map((s) => s.kind),
      ['createRole', 'attachPolicy', 'createNamespace', 'createServiceAccount'],
    );
    const create = p.steps[0] as Extract<CreateStep, { kind: 'createRole' }>;
    assert.deepEqual(JSON.parse(create.trustPolicy), {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER_ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${HOST_PATH}:aud`]: 'sts.amazonaws.com', [`${HOST_PATH}:sub`]: 'system:serviceaccount:weasel:weasel-eks-pod-sa' } },
        },
      ],
    });
    assert.deepEqual(create.tags, roleTags('weasel-eks', 'weasel', 'weasel-eks-pod-sa', []));
    assert.deepEqual(create.tags, [
      { key: 'alpha.eksctl.io/cluster-name', value: 'weasel-eks' },
      { key: 'eksctl.cluster.k8s.io/v1alpha1/cluster-name', value: 'weasel-eks' },
      { key: 'alpha.eksctl.io/iamserviceaccount-name', value: 'weasel/weasel-eks-pod-sa' },
    ]);
    assert.deepEqual(p.steps[3], {
      kind: 'createServiceAccount',
      sa: { namespace: 'weasel', name: 'weasel-eks-pod-sa', labels: { 'app.kubernetes.io/managed-by': 'eksctl' }, annotations: { 'eks.amazonaws.com/role-arn': ROLE_ARN } },
    });
  });

  it('generates the role name when --role-name is absent', () => {
    const p = planCreate({ ...req, roleName: undefined }, obs);
    assert.equal(p.outcome === 'included' && p.roleName, 'eksctl-weasel-eks-addon-iamserviceaccount-we-Role1-ABCDEFGHIJKLM');
  });

  it('excludes an iamserviceaccount whose role exists, even with --override-existing-serviceaccounts', () => {
    const existingRole = { name: 'weasel-eks-pod-role', arn: ROLE_ARN, tags: roleTags('weasel-eks', 'weasel', 'weasel-eks-pod-sa', []) };
    assert.deepEqual(planCreate({ ...req, overrideExisting: true }, { ...obs, existingRole }), { outcome: 'excluded', existing: 'weasel/weasel-eks-pod-sa', reason: 'role' });
  });

  it('excludes an existing ServiceAccount unless --override-existing-serviceaccounts, then merges its metadata', () => {
    const sa = { namespace: 'weasel', name: 'weasel-eks-pod-sa', labels: { team: 'a' }, annotations: { note: 'x' } };
    assert.equal(planCreate(req, { ...obs, namespaceExists: true, serviceAccount: sa }).outcome, 'excluded');
    const p = planCreate({ ...req, overrideExisting: true }, { ...obs, namespaceExists: true, serviceAccount: sa });
    assert.equal(p.outcome, 'included');
    assert.deepEqual(p.outcome === 'included' && p.steps.slice(2), [
      {
        kind: 'updateServiceAccount',
        sa: { namespace: 'weasel', name: 'weasel-eks-pod-sa', labels: { team: 'a', 'app.kubernetes.io/managed-by': 'eksctl' }, annotations: { note: 'x', 'eks.amazonaws.com/role-arn': ROLE_ARN } },
        previous: sa,
      },
    ]);
  });

  it('--role-only plans the role alone and ignores the ServiceAccount', () => {
    const p = planCreate({ ...req, roleOnly: true }, { ...obs, namespaceExists: undefined });
    assert.deepEqual(p.outcome === 'included' && p.steps.map((s) => s.kind), ['createRole', 'attachPolicy']);
    assert.deepEqual(p.outcome === 'included' && p.tasks, { parallel: true, tasks: [{ subTask: true, tasks: ['create IAM role for serviceaccount "weasel/weasel-eks-pod-sa"'] }] });
  });

  it('refuses with every reason at once: missing policies, a taken role name, invalid names', () => {
    const p = planCreate(
      { ...req, name: 'Bad_Name', policyArns: ['arn:aws:iam::123456789012:policy/a', 'arn:aws:iam::123456789012:policy/b'] },
      { ...obs, missingPolicies: ['arn:aws:iam::123456789012:policy/a', 'arn:aws:iam::123456789012:policy/b'], namedRole: { name: 'weasel-eks-pod-role', arn: ROLE_ARN, tags: [] } },
    );
    assert.equal(p.outcome, 'refused');
    assert.deepEqual(p.outcome === 'refused' && p.errors, [
      'invalid serviceaccount name "Bad_Name": must be a lowercase RFC 1123 subdomain',
      'policy arn:aws:iam::123456789012:policy/a does not exist or is not attachable',
      'policy arn:aws:iam::123456789012:policy/b does not exist or is not attachable',
      `IAM role "weasel-eks-pod-role" already exists (${ROLE_ARN}); choose another --role-name, or delete the role first`,
    ]);
  });

  it('rolls back in reverse: ServiceAccount, namespace, attachments, then the role', () => {
    const p = planCreate({ ...req, policyArns: ['arn:aws:iam::123456789012:policy/a', 'arn:aws:iam::123456789012:policy/b'] }, obs);
    assert.equal(p.outcome, 'included');
    if (p.outcome !== 'included') return;
    assert.deepEqual(rollbackOf(p.steps), [
      { kind: 'deleteServiceAccount', namespace: 'weasel', name: 'weasel-eks-pod-sa' },
      { kind: 'deleteNamespace', namespace: 'weasel' },
      { kind: 'detachPolicy', roleName: 'weasel-eks-pod-role', policyArn: 'arn:aws:iam::123456789012:policy/b' },
      { kind: 'detachPolicy', roleName: 'weasel-eks-pod-role', policyArn: 'arn:aws:iam::123456789012:policy/a' },
      { kind: 'deleteRole', roleName: 'weasel-eks-pod-role' },
    ]);
    // A failure at the second attachment undoes the first and the role only.
    assert.deepEqual(rollbackOf(p.steps.slice(0, 2)), [
      { kind: 'detachPolicy', roleName: 'weasel-eks-pod-role', policyArn: 'arn:aws:iam::123456789012:policy/a' },
      { kind: 'deleteRole', roleName: 'weasel-eks-pod-role' },
    ]);
    // An update of an existing ServiceAccount is undone by restoring its previous metadata.
    const previous = { namespace: 'weasel', name: 'weasel-eks-pod-sa', labels: {}, annotations: {} };
    const q = planCreate({ ...req, overrideExisting: true }, { ...obs, namespaceExists: true, serviceAccount: previous });
    assert.deepEqual(q.outcome === 'included' && rollbackOf(q.steps)[0], { kind: 'restoreServiceAccount', sa: previous });
  });
});
