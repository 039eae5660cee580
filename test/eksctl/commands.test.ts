import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { associateIamOidcProvider } from '../../src/eksctl/associate.js';
import { createIamServiceAccount, type CreateOptions } from '../../src/eksctl/create.js';
import { roleTags } from '../../src/eksctl/create-plan.js';
import { deleteIamServiceAccount } from '../../src/eksctl/delete.js';
import { getIamServiceAccounts, mergeEntries } from '../../src/eksctl/get.js';
import { memoryLogger } from '../../src/eksctl/logger.js';
import { EksctlError } from '../../src/eksctl/ports.js';
import { ACCOUNT, FakeIam, FakeKube, fakeEks, ISSUER, PROVIDER_ARN } from './fakes.js';

const POLICY = `arn:aws:iam::${ACCOUNT}:policy/weasel-eks-pod-policy`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/weasel-eks-pod-role`;
const opts: CreateOptions = {
  cluster: 'weasel-eks',
  region: 'us-east-1',
  namespace: 'weasel',
  name: 'weasel-eks-pod-sa',
  roleName: 'weasel-eks-pod-role',
  policyArns: [POLICY],
  tags: [],
  overrideExisting: false,
  roleOnly: false,
  approve: true,
};

function world() {
  const iam = new FakeIam();
  iam.policies.add(POLICY);
  iam.providers.set(PROVIDER_ARN, { arn: PROVIDER_ARN, url: ISSUER, clientIds: ['sts.amazonaws.com'], thumbprints: ['aa'], tags: [] });
  const kube = new FakeKube();
  const log = memoryLogger();
  const deps = { eks: fakeEks(), iam, kube: () => kube, log, suffix: () => 'ABCDEFGHIJKLM' };
  return { iam, kube, log, deps, text: () => log.lines.map((l) => `[${l.level}] ${l.msg}`).join('\n') };
}

const MUTATING_IAM = ['createRole', 'attachRolePolicy', 'detachRolePolicy', 'deleteRole', 'createOidcProvider', 'deleteRolePolicy'];
const MUTATING_KUBE = ['createNamespace', 'createServiceAccount', 'updateServiceAccountMetadata', 'deleteServiceAccount', 'deleteNamespace'];
const mutations = (w: ReturnType<typeof world>) => [...w.iam.calls.filter((c) => MUTATING_IAM.includes(c)), ...w.kube.calls.filter((c) => MUTATING_KUBE.includes(c))];

describe('create iamserviceaccount (against fakes)', () => {
  it('creates the role, attaches the policy, creates namespace and ServiceAccount, with eksctl messages', async () => {
    const w = world();
    const r = await createIamServiceAccount(w.deps, opts);
    assert.deepEqual(r, { outcome: 'created', roleArn: ROLE_ARN });
    const role = w.iam.roles.get('weasel-eks-pod-role');
    assert.ok(role);
    assert.deepEqual(role.attached, [POLICY]);
    assert.deepEqual(role.tags, roleTags('weasel-eks', 'weasel', 'weasel-eks-pod-sa', []));
    assert.deepEqual(w.kube.serviceAccounts.get('weasel/weasel-eks-pod-sa'), {
      namespace: 'weasel',
      name: 'weasel-eks-pod-sa',
      labels: { 'app.kubernetes.io/managed-by': 'eksctl' },
      annotations: { 'eks.amazonaws.com/role-arn': ROLE_ARN },
    });
    const t = w.text();
    assert.match(t, /\[info\] 1 iamserviceaccount \(weasel\/weasel-eks-pod-sa\) was included \(based on the include\/exclude rules\)/);
    assert.match(t, /\[warning\] serviceaccounts that exist in Kubernetes will be excluded, use --override-existing-serviceaccounts to override/);
    assert.match(t, /\[info\] created namespace "weasel"/);
    assert.match(t, /\[info\] created serviceaccount "weasel\/weasel-eks-pod-sa"/);
  });

  it('without --approve only plans: no change anywhere', async () => {
    const w = world();
    const r = await createIamServiceAccount(w.deps, { ...opts, approve: false });
    assert.equal(r.outcome, 'planned');
    assert.deepEqual(mutations(w), []);
    assert.match(w.text(), /\[warning\] no changes were applied, run again with '--approve' to apply the changes/);
  });

  it('a missing cluster, a missing provider, a missing policy: refused before any change', async () => {
    const w = world();
    await assert.rejects(createIamServiceAccount(w.deps, { ...opts, cluster: 'nope' }), { message: 'unable to describe cluster control plane: ResourceNotFoundException: No cluster found for name: nope.' });
    await assert.rejects(createIamServiceAccount(w.deps, { ...opts, policyArns: [`arn:aws:iam::${ACCOUNT}:policy/missing`] }), {
      message: `policy arn:aws:iam::${ACCOUNT}:policy/missing does not exist or is not attachable`,
    });
    w.iam.providers.clear();
    await assert.rejects(createIamServiceAccount(w.deps, opts), { message: 'unable to create iamserviceaccount(s) without IAM OIDC provider enabled' });
    assert.match(w.text(), /\[warning\] no IAM OIDC provider associated with cluster, try 'irsa utils associate-iam-oidc-provider --region=us-east-1 --cluster=weasel-eks'/);
    assert.deepEqual(mutations(w), []);
  });

  it('an unreachable Kubernetes API is found before anything is created', async () => {
    const w = world();
    w.kube.failOn('getServiceAccount');
    await assert.rejects(createIamServiceAccount(w.deps, opts), /checking whether serviceaccount "weasel\/weasel-eks-pod-sa" exists/);
    assert.deepEqual(mutations(w), []);
  });

  it('a failure creating the ServiceAccount rolls back namespace, attachment and role', async () => {
    const w = world();
    w.kube.failOn('createServiceAccount');
    await assert.rejects(createIamServiceAccount(w.deps, opts), (e: unknown) => e instanceof EksctlError && e.message === 'failed to create iamserviceaccount(s)');
    assert.equal(w.iam.roles.size, 0);
    assert.ok(!w.kube.namespaces.has('weasel'));
    assert.equal(w.kube.serviceAccounts.size, 0);
    const t = w.text();
    assert.match(t, /\[critical\] 500: injected failure in createServiceAccount/);
    assert.match(t, /rolled back: deleted namespace "weasel"/);
    assert.match(t, /rolled back: detached policy "arn:aws:iam::123456789012:policy\/weasel-eks-pod-policy" from IAM role "weasel-eks-pod-role"/);
    assert.match(t, /rolled back: deleted IAM role "weasel-eks-pod-role"/);
    assert.match(t, /rolled back every change; nothing was left half-created/);
  });

  it('a failure attaching the second policy rolls back the first attachment and the role', async () => {
    const w = world();
    const second = `arn:aws:iam::${ACCOUNT}:policy/second`;
    w.iam.policies.add(second);
    let attaches = 0;
    const attach = w.iam.attachRolePolicy.bind(w.iam);
    w.iam.attachRolePolicy = async (role, arn) => {
      if (++attaches === 2) throw new Error('connection reset');
      return attach(role, arn);
    };
    await assert.rejects(createIamServiceAccount(w.deps, { ...opts, policyArns: [POLICY, second] }), /failed to create iamserviceaccount/);
    assert.equal(w.iam.roles.size, 0);
    assert.ok(!w.kube.calls.includes('createNamespace'));
  });

  it('an override that fails restores the ServiceAccount as it was', async () => {
    const w = world();
    w.kube.namespaces.add('weasel');
    const before = { namespace: 'weasel', name: 'weasel-eks-pod-sa', labels: { team: 'a' }, annotations: {} };
    w.kube.serviceAccounts.set('weasel/weasel-eks-pod-sa', before);
    // The update lands, then reading it back fails: the run must still undo its change.
    const update = w.kube.updateServiceAccountMetadata.bind(w.kube);
    let updates = 0;
    w.kube.updateServiceAccountMetadata = async (sa) => {
      await update(sa);
      if (++updates === 1) throw new Error('watch closed');
    };
    await assert.rejects(createIamServiceAccount(w.deps, { ...opts, overrideExisting: true }), /failed to create/);
    assert.deepEqual(w.kube.serviceAccounts.get('weasel/weasel-eks-pod-sa'), before);
    assert.equal(w.iam.roles.size, 0);
  });

  it('a role created by someone else between the checks and CreateRole is left alone', async () => {
    const w = world();
    const create = w.iam.createRole.bind(w.iam);
    w.iam.createRole = async (input) => {
      await create({ ...input, tags: [] }); // the other party's role, same name
      return create(input); // ours: EntityAlreadyExists
    };
    await assert.rejects(createIamServiceAccount(w.deps, opts), /failed to create/);
    assert.ok(w.iam.roles.has('weasel-eks-pod-role'), 'the other party keeps its role');
    assert.match(w.text(), /\[info\] nothing was changed/);
  });

  it('re-running is a no-op: the existing iamserviceaccount is excluded (eksctl wording)', async () => {
    const w = world();
    await createIamServiceAccount(w.deps, opts);
    const calls = mutations(w).length;
    const r = await createIamServiceAccount(w.deps, { ...opts, overrideExisting: true });
    assert.equal(r.outcome, 'excluded');
    assert.equal(mutations(w).length, calls);
    assert.match(w.text(), /\[info\] 1 existing iamserviceaccount\(s\) \(weasel\/weasel-eks-pod-sa\) will be excluded/);
    assert.match(w.text(), /\[info\] 1 iamserviceaccount \(weasel\/weasel-eks-pod-sa\) was excluded \(based on the include\/exclude rules\)/);
    assert.match(w.text(), /\[info\] no tasks/);
  });

  it('--role-only never touches Kubernetes', async () => {
    const w = world();
    const r = await createIamServiceAccount({ ...w.deps, kube: () => assert.fail('no Kubernetes client expected') }, { ...opts, roleOnly: true });
    assert.equal(r.outcome, 'created');
    assert.equal(w.iam.roles.size, 1);
  });
});

describe('utils associate-iam-oidc-provider (against fakes)', () => {
  const deps = (iam: FakeIam, log = memoryLogger()) => ({ eks: fakeEks(), iam, log, thumbprint: async () => '9e99a48a9960b14926bb7f3b02e22da2b0ab7280' });

  it('plans, creates with sts.amazonaws.com and the thumbprint, then says it is already associated', async () => {
    const iam = new FakeIam();
    const log = memoryLogger();
    assert.deepEqual(await associateIamOidcProvider(deps(iam, log), { cluster: 'weasel-eks', region: 'us-east-1', approve: false }), { providerArn: undefined, created: false });
    assert.equal(iam.providers.size, 0);
    assert.deepEqual(await associateIamOidcProvider(deps(iam, log), { cluster: 'weasel-eks', region: 'us-east-1', approve: true }), { providerArn: PROVIDER_ARN, created: true });
    assert.deepEqual(iam.providers.get(PROVIDER_ARN)?.clientIds, ['sts.amazonaws.com']);
    assert.deepEqual(iam.providers.get(PROVIDER_ARN)?.thumbprints, ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280']);
    assert.equal(iam.providers.get(PROVIDER_ARN)?.url, ISSUER);
    assert.deepEqual(await associateIamOidcProvider(deps(iam, log), { cluster: 'weasel-eks', region: 'us-east-1', approve: true }), { providerArn: PROVIDER_ARN, created: false });
    assert.deepEqual(
      log.lines.filter((l) => l.msg !== 'using region us-east-1').map((l) => `[${l.level}] ${l.msg}`),
      [
        '[info] (plan) would create IAM Open ID Connect provider for cluster "weasel-eks" in "us-east-1"',
        "[warning] no changes were applied, run again with '--approve' to apply the changes",
        '[info] will create IAM Open ID Connect provider for cluster "weasel-eks" in "us-east-1"',
        '[success] created IAM Open ID Connect provider for cluster "weasel-eks" in "us-east-1"',
        '[info] IAM Open ID Connect provider is already associated with cluster "weasel-eks" in "us-east-1"',
      ],
    );
  });

  it('a provider created concurrently counts as associated', async () => {
    const iam = new FakeIam();
    const get = iam.getOidcProvider.bind(iam);
    iam.getOidcProvider = async (arn) => {
      const r = await get(arn);
      await iam.createOidcProvider({ url: ISSUER, clientIds: ['sts.amazonaws.com'], thumbprints: ['x'], tags: [] });
      return r;
    };
    assert.deepEqual(await associateIamOidcProvider(deps(iam), { cluster: 'weasel-eks', region: 'us-east-1', approve: true }), { providerArn: PROVIDER_ARN, created: false });
  });

  it('a missing cluster is eksctl error', async () => {
    await assert.rejects(associateIamOidcProvider(deps(new FakeIam()), { cluster: 'nope', region: 'us-east-1', approve: true }), {
      message: 'unable to describe cluster control plane: ResourceNotFoundException: No cluster found for name: nope.',
    });
  });
});

describe('delete and get iamserviceaccount (against fakes)', () => {
  it('delete removes the role (policies detached) and the eksctl-managed ServiceAccount', async () => {
    const w = world();
    await createIamServiceAccount(w.deps, opts);
    const r = await deleteIamServiceAccount(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', namespace: 'weasel', name: 'weasel-eks-pod-sa' });
    assert.deepEqual(r, { deletedRole: 'weasel-eks-pod-role', deletedServiceAccount: true });
    assert.equal(w.iam.roles.size, 0);
    assert.equal(w.kube.serviceAccounts.size, 0);
    assert.match(w.text(), /delete IAM role for serviceaccount "weasel\/weasel-eks-pod-sa",\n {8}delete serviceaccount "weasel\/weasel-eks-pod-sa",/);
    assert.match(w.text(), /\[info\] deleted serviceaccount "weasel\/weasel-eks-pod-sa"/);
  });

  it('delete leaves a ServiceAccount eksctl did not create, and says so', async () => {
    const w = world();
    w.kube.serviceAccounts.set('default/mine', { namespace: 'default', name: 'mine', labels: {}, annotations: { 'eks.amazonaws.com/role-arn': ROLE_ARN } });
    const r = await deleteIamServiceAccount(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', namespace: 'default', name: 'mine' });
    assert.deepEqual(r, { deletedRole: undefined, deletedServiceAccount: false });
    assert.ok(w.kube.serviceAccounts.has('default/mine'));
    assert.match(w.text(), /\[info\] serviceaccount "default\/mine" was not created by eksctl; will not be deleted/);
  });

  it('delete of something absent: "was already deleted", exit 0', async () => {
    const w = world();
    await deleteIamServiceAccount(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', namespace: 'default', name: 'ghost' });
    assert.match(w.text(), /\[info\] 1 task: \{ delete serviceaccount "default\/ghost" \}/);
    assert.match(w.text(), /\[info\] serviceaccount "default\/ghost" was already deleted/);
  });

  it('get lists annotated ServiceAccounts and role-only roles, filters by namespace and name', async () => {
    const w = world();
    await createIamServiceAccount(w.deps, opts);
    await createIamServiceAccount(w.deps, { ...opts, namespace: 'batch', name: 'job', roleName: undefined, roleOnly: true });
    w.kube.serviceAccounts.set('default/hand-made', { namespace: 'default', name: 'hand-made', labels: {}, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/x' } });
    w.kube.serviceAccounts.set('default/plain', { namespace: 'default', name: 'plain', labels: {}, annotations: {} });
    const all = await getIamServiceAccounts(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', output: 'table' });
    assert.deepEqual(
      all.map((e) => [e.namespace, e.name, e.roleArn]),
      [
        ['batch', 'job', `arn:aws:iam::${ACCOUNT}:role/eksctl-weasel-eks-addon-iamserviceaccount-ba-Role1-ABCDEFGHIJKLM`],
        ['default', 'hand-made', 'arn:aws:iam::123456789012:role/x'],
        ['weasel', 'weasel-eks-pod-sa', ROLE_ARN],
      ],
    );
    assert.equal((await getIamServiceAccounts(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', namespace: 'weasel', output: 'table' })).length, 1);
    await assert.rejects(getIamServiceAccounts(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', name: 'nope', output: 'table' }), { message: 'iamserviceaccount "default/nope" not found' });
    await assert.rejects(getIamServiceAccounts(w.deps, { cluster: 'weasel-eks', region: 'us-east-1', namespace: 'empty', output: 'table' }), { message: 'no iamserviceaccounts found in namespace "empty"' });
  });

  it('roles of other clusters are not listed', () => {
    const other = { name: 'r', arn: 'arn:aws:iam::123456789012:role/r', tags: roleTags('other', 'a', 'b', []) };
    assert.deepEqual(mergeEntries('weasel-eks', [other], []), []);
  });
});
