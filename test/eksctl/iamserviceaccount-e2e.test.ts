import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, awsEnv, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { KUBECTL } from '../support/kube.js';
import { irsaAsync } from '../support/run-cli.js';
import { repoRoot } from '../support/shared.js';

/**
 * The eksctl-compatible commands end to end, as the walkthrough (../shared/seed/irsa-walkthrough.txt)
 * runs them with `irsa` for eksctl: against a real `irsa up` (IAM and EKS over its AWS endpoint,
 * its Kubernetes API through the kubeconfig it writes in the data directory), checked with the
 * real `aws` CLI and `kubectl`.
 */
const CLUSTER = 'weasel-eks';
const NS = 'weasel';
const SA = 'weasel-eks-pod-sa';
const ROLE = 'weasel-eks-pod-role';
const POLICY_DOC = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::weasel-images', 'arn:aws:s3:::weasel-images/*'] },
    { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:ListSecrets'], Resource: '*' },
  ],
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('irsa utils associate-iam-oidc-provider / create, get, delete iamserviceaccount against irsa up', () => {
  let srv: IrsaProcess;
  let kubeconfig: string;
  let work: string;
  let account: string;
  let issuer: string;
  let caPem: string;
  let policyArn: string;
  let fakeKube: Server | undefined;

  /** `irsa ARGS` (the eksctl commands, from source) pointed at this irsa up. */
  const run = (args: string[]): Run => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/irsa-cli.mts'), ...args, '--data-dir', srv.dataDir], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: cliEnv(),
      timeout: 120_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: string[]): Run => {
    const r = run(args);
    assert.equal(r.status, 0, `irsa ${args.join(' ')}\n${r.stderr}`);
    return r;
  };
  const awsOk = (args: string[]): string => {
    const r = aws(args, srv.env, work);
    assert.equal(r.status, 0, `aws ${args.join(' ')}\n${r.stderr}`);
    return r.stdout;
  };
  const kubectl = (args: string[]): Run => {
    const home = join(work, 'kube-home');
    mkdirSync(home, { recursive: true });
    const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache'), ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home }, timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const roleExists = (name: string): boolean => {
    const r = aws(['iam', 'get-role', '--role-name', name], srv.env, work);
    if (r.status === 0) return true;
    assert.match(r.stderr, /NoSuchEntity/);
    return false;
  };
  const roleNames = (): string[] => JSON.parse(awsOk(['iam', 'list-roles', '--query', 'Roles[].RoleName'])) as string[];

  /** Nothing from the developer's AWS or Kubernetes setup: the data directory alone says where to go. */
  const cliEnv = (): Record<string, string> => {
    const env = awsEnv({});
    delete env['KUBECONFIG'];
    return env;
  };

  before(async () => {
    srv = await startIrsa({ args: ['--cluster', CLUSTER, '--kube-port', '0', '--oidc-port', '0'] });
    work = mkdtempSync(join(tmpdir(), 'irsa-eksctl-'));
    writeFileSync(join(work, 'weasel-eks-pod-policy.json'), JSON.stringify(POLICY_DOC, null, 4));
    const cluster = JSON.parse(awsOk(['eks', 'describe-cluster', '--name', CLUSTER])).cluster as { arn: string; endpoint: string; identity: { oidc: { issuer: string } }; certificateAuthority: { data: string } };
    account = cluster.arn.split(':')[4] as string;
    issuer = cluster.identity.oidc.issuer;
    caPem = Buffer.from(cluster.certificateAuthority.data, 'base64').toString('utf8');
    kubeconfig = join(srv.dataDir, 'kubeconfig');
    assert.ok(existsSync(kubeconfig), 'irsa up writes a kubeconfig into its data directory');
    assert.match(cluster.endpoint, /^https?:\/\//, 'DescribeCluster reports the Kubernetes API');
  });
  after(async () => {
    fakeKube?.close();
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  it('create iamserviceaccount before the OIDC provider exists: eksctl warning with irsa, error, no role', () => {
    const r = run(['create', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', CLUSTER, '--role-name', ROLE, '--attach-policy-arn', `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`, '--approve']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`\\[!\\]  no IAM OIDC provider associated with cluster, try 'irsa utils associate-iam-oidc-provider --region=us-east-1 --cluster=${CLUSTER}'`));
    assert.match(r.stderr, /irsa create: unable to create iamserviceaccount\(s\) without IAM OIDC provider enabled/);
    assert.ok(!roleExists(ROLE));
  });

  it('associate-iam-oidc-provider without --approve only plans', () => {
    const r = ok(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER]);
    assert.match(r.stderr, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[ℹ\]  \(plan\) would create IAM Open ID Connect provider for cluster "weasel-eks" in "us-east-1"$/m);
    assert.match(r.stderr, /\[!\]  no changes were applied, run again with '--approve' to apply the changes/);
    assert.equal(r.stdout, '');
    assert.deepEqual(JSON.parse(awsOk(['iam', 'list-open-id-connect-providers'])).OpenIDConnectProviderList, []);
  });

  it('associate-iam-oidc-provider --approve creates the provider; the walkthrough finds it by the issuer id', () => {
    const r = ok(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER, '--approve']);
    assert.match(r.stderr, /\[ℹ\]  will create IAM Open ID Connect provider for cluster "weasel-eks" in "us-east-1"/);
    assert.match(r.stderr, /\[✔\]  created IAM Open ID Connect provider for cluster "weasel-eks" in "us-east-1"/);
    const hostPath = issuer.replace(/^https:\/\//, '');
    const arn = `arn:aws:iam::${account}:oidc-provider/${hostPath}`;
    assert.equal(r.stdout, `${arn}\n`);
    const provider = JSON.parse(awsOk(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', arn]));
    assert.equal(provider.Url, hostPath);
    assert.deepEqual(provider.ClientIDList, ['sts.amazonaws.com']);
    // The thumbprint of the issuer's CA, which DescribeCluster reports as certificateAuthority.data.
    assert.deepEqual(provider.ThumbprintList, [new X509Certificate(caPem).fingerprint.replaceAll(':', '').toLowerCase()]);
    // The walkthrough's check, through a shell as written there.
    const sh = spawnSync(
      'bash',
      ['-c', `oidc_id=$(aws eks describe-cluster --name ${CLUSTER} --query "cluster.identity.oidc.issuer" --output text | cut -d '/' -f 5)\necho $oidc_id\naws iam list-open-id-connect-providers | grep $oidc_id | cut -d "/" -f4`],
      { env: awsEnv(srv.env), encoding: 'utf8' },
    );
    assert.equal(sh.status, 0, sh.stderr);
    const oidcId = issuer.split('/')[4] as string;
    // `cut -d "/" -f4` of `"Arn": "arn:…:oidc-provider/HOST:PORT/id/<ID>"` is `<ID>"`, as in the walkthrough.
    assert.deepEqual(sh.stdout.trim().split('\n'), [oidcId, `${oidcId}"`]);
  });

  it('associate-iam-oidc-provider again: already associated, nothing changes', () => {
    const r = ok(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER, '--approve']);
    assert.match(r.stderr, /\[ℹ\]  IAM Open ID Connect provider is already associated with cluster "weasel-eks" in "us-east-1"/);
    assert.doesNotMatch(r.stderr, /created/);
    assert.equal(JSON.parse(awsOk(['iam', 'list-open-id-connect-providers'])).OpenIDConnectProviderList.length, 1);
  });

  it('a missing cluster is refused with eksctl error, nothing created', () => {
    const r = run(['utils', 'associate-iam-oidc-provider', '--cluster', 'no-such-cluster', '--approve']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /irsa utils: unable to describe cluster control plane: ResourceNotFoundException: No cluster found for name: no-such-cluster\./);
    const c = run(['create', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', 'no-such-cluster', '--role-name', ROLE, '--attach-policy-arn', `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`, '--approve']);
    assert.equal(c.status, 1);
    assert.match(c.stderr, /unable to describe cluster control plane: ResourceNotFoundException/);
    assert.ok(!roleExists(ROLE));
  });

  it('a missing policy is refused before anything is created', () => {
    const r = run(['create', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', CLUSTER, '--role-name', ROLE, '--attach-policy-arn', `arn:aws:iam::${account}:policy/weasel-eks-pod-policy`, '--approve']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`irsa create: policy arn:aws:iam::${account}:policy/weasel-eks-pod-policy does not exist or is not attachable`));
    assert.ok(!roleExists(ROLE));
    assert.notEqual(kubectl(['get', 'serviceaccount', '-n', NS, SA]).status, 0);
  });

  it('create iamserviceaccount without --approve only plans', () => {
    policyArn = JSON.parse(awsOk(['iam', 'create-policy', '--policy-name', 'weasel-eks-pod-policy', '--policy-document', 'file://weasel-eks-pod-policy.json'])).Policy.Arn as string;
    const r = ok(['create', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', CLUSTER, '--role-name', ROLE, '--attach-policy-arn', policyArn]);
    assert.match(r.stderr, /\[ℹ\]  1 iamserviceaccount \(weasel\/weasel-eks-pod-sa\) was included \(based on the include\/exclude rules\)/);
    assert.match(r.stderr, /\[ℹ\]  1 task: \{ \n {4}2 sequential sub-tasks: \{ \n {8}create IAM role for serviceaccount "weasel\/weasel-eks-pod-sa",\n {8}create serviceaccount "weasel\/weasel-eks-pod-sa",\n {4}\} \}\n/);
    assert.match(r.stderr, /no changes were applied, run again with '--approve' to apply the changes/);
    assert.equal(r.stdout, '');
    assert.ok(!roleExists(ROLE));
    assert.notEqual(kubectl(['get', 'serviceaccount', '-n', NS, SA]).status, 0);
  });

  it("the walkthrough's create iamserviceaccount: role with eksctl's trust policy, policy attached, ServiceAccount annotated and labelled", () => {
    const r = ok(['create', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', CLUSTER, '--role-name', ROLE, '--attach-policy-arn', policyArn, '--approve']);
    const roleArn = `arn:aws:iam::${account}:role/${ROLE}`;
    assert.equal(r.stdout, `${roleArn}\n`);
    assert.match(r.stderr, /\[ℹ\]  created serviceaccount "weasel\/weasel-eks-pod-sa"/);
    assert.doesNotMatch(r.stderr, /has no context/, "the kubeconfig's context is the cluster's endpoint");

    const hostPath = issuer.replace(/^https:\/\//, '');
    const trust = awsOk(['iam', 'get-role', '--role-name', ROLE, '--query', 'Role.AssumeRolePolicyDocument']);
    const expected = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${hostPath}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com', [`${hostPath}:sub`]: `system:serviceaccount:${NS}:${SA}` } },
        },
      ],
    };
    // Same document and the same key order as the walkthrough's output.
    assert.equal(JSON.stringify(JSON.parse(trust)), JSON.stringify(expected));
    assert.equal(awsOk(['iam', 'list-attached-role-policies', '--role-name', ROLE, '--query', 'AttachedPolicies[].PolicyArn', '--output', 'text']).trim(), policyArn);

    const d = kubectl(['describe', 'serviceaccount', '-n', NS, SA]);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /^Name:\s+weasel-eks-pod-sa$/m);
    assert.match(d.stdout, /^Namespace:\s+weasel$/m);
    assert.match(d.stdout, /^Labels:\s+app\.kubernetes\.io\/managed-by=eksctl$/m);
    assert.match(d.stdout, new RegExp(`^Annotations:\\s+eks\\.amazonaws\\.com/role-arn: ${roleArn.replace(/[/.]/g, '\\$&')}$`, 'm'));
  });

  it('create again: the existing iamserviceaccount is excluded and nothing changes', () => {
    const r = ok(['create', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', CLUSTER, '--role-name', ROLE, '--attach-policy-arn', policyArn, '--approve']);
    assert.match(r.stderr, /\[ℹ\]  1 existing iamserviceaccount\(s\) \(weasel\/weasel-eks-pod-sa\) will be excluded/);
    assert.match(r.stderr, /\[ℹ\]  no tasks/);
    assert.equal(r.stdout, '');
  });

  it('an existing ServiceAccount is left alone without --override-existing-serviceaccounts, annotated with it', () => {
    assert.equal(kubectl(['create', 'serviceaccount', 'app-sa', '-n', NS]).status, 0);
    assert.equal(kubectl(['label', 'serviceaccount', 'app-sa', '-n', NS, 'team=weasel']).status, 0);
    const skipped = ok(['create', 'iamserviceaccount', '--name', 'app-sa', '--namespace', NS, '--cluster', CLUSTER, '--attach-policy-arn', policyArn, '--approve']);
    assert.match(skipped.stderr, /\[ℹ\]  1 existing iamserviceaccount\(s\) \(weasel\/app-sa\) will be excluded/);
    assert.match(skipped.stderr, /\[!\]  serviceaccounts that exist in Kubernetes will be excluded, use --override-existing-serviceaccounts to override/);
    const before = roleNames();
    assert.ok(!before.some((n) => n.includes('Role1')), 'no role was created');
    assert.doesNotMatch(kubectl(['get', 'serviceaccount', 'app-sa', '-n', NS, '-o', 'json']).stdout, /role-arn/);

    const r = ok(['create', 'iamserviceaccount', '--name', 'app-sa', '--namespace', NS, '--cluster', CLUSTER, '--attach-policy-arn', policyArn, '--override-existing-serviceaccounts', '--approve']);
    assert.match(r.stderr, /\[!\]  metadata of serviceaccounts that exist in Kubernetes will be updated, as --override-existing-serviceaccounts was set/);
    assert.match(r.stderr, /\[ℹ\]  serviceaccount "weasel\/app-sa" already exists/);
    assert.match(r.stderr, /\[ℹ\]  updated serviceaccount "weasel\/app-sa"/);
    const roleArn = r.stdout.trim();
    const roleName = roleArn.split('/').pop() as string;
    // eksctl's generated name: eksctl-<cluster>-addon-iamserviceaccount-<ns>-<name> cut to fit, -Role1-, a suffix.
    assert.match(roleName, /^eksctl-weasel-eks-addon-iamserviceaccount-we-Role1-[A-Z0-9]{13}$/);
    assert.ok(roleName.length <= 64);
    const sa = JSON.parse(kubectl(['get', 'serviceaccount', 'app-sa', '-n', NS, '-o', 'json']).stdout) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    assert.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], roleArn);
    assert.equal(sa.metadata.labels['app.kubernetes.io/managed-by'], 'eksctl');
    assert.equal(sa.metadata.labels['team'], 'weasel', 'labels already there are kept');
  });

  it('get iamserviceaccount: table, filters and json, as eksctl prints them', () => {
    const t = ok(['get', 'iamserviceaccount', '--cluster', CLUSTER]);
    const lines = t.stdout.trimEnd().split('\n');
    assert.equal(lines[0]?.split(/\t+/).join('|'), 'NAMESPACE|NAME|ROLE ARN');
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\t+/).slice(0, 2).join('/')),
      ['weasel/app-sa', 'weasel/weasel-eks-pod-sa'],
    );
    assert.match(t.stdout, new RegExp(`weasel-eks-pod-sa\\t+arn:aws:iam::${account}:role/${ROLE}\\n`));
    const one = ok(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', NS, '--name', SA, '-o', 'json']);
    const cfg = JSON.parse(one.stdout) as { kind: string; iam: { serviceAccounts: { metadata: { name: string; namespace: string }; attachPolicyARNs: string[]; status: { roleARN: string } }[] } };
    assert.equal(cfg.kind, 'ClusterConfig');
    assert.equal(cfg.iam.serviceAccounts.length, 1);
    assert.deepEqual(cfg.iam.serviceAccounts[0]?.metadata, { name: SA, namespace: NS, labels: { 'app.kubernetes.io/managed-by': 'eksctl' } });
    assert.deepEqual(cfg.iam.serviceAccounts[0]?.attachPolicyARNs, [policyArn]);
    assert.equal(cfg.iam.serviceAccounts[0]?.status.roleARN, `arn:aws:iam::${account}:role/${ROLE}`);
    const missing = run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--name', 'nope']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /iamserviceaccount "default\/nope" not found/);
  });

  it('a failure after the role exists rolls everything back: no role is left', async () => {
    // A Kubernetes API that answers reads but fails to create the ServiceAccount.
    fakeKube = createServer((req, res) => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+$/.test(req.url ?? '')) return json(200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'broken' } });
      if (req.method === 'GET') return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
      return json(500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 });
    });
    await new Promise<void>((r) => fakeKube?.listen(0, '127.0.0.1', r));
    const port = (fakeKube.address() as AddressInfo).port;
    const broken = join(work, 'broken-kubeconfig');
    writeFileSync(
      broken,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: b\n  user:\n    token: x\ncontexts:\n- name: b\n  context:\n    cluster: b\n    user: b\ncurrent-context: b\n`,
    );
    const rolesBefore = roleNames();
    // Asynchronously: the fake API answers from this process, which spawnSync would block.
    const r = await irsaAsync(
      ['create', 'iamserviceaccount', '--name', 'doomed', '--namespace', 'broken', '--cluster', CLUSTER, '--role-name', 'doomed-role', '--attach-policy-arn', policyArn, '--approve', '--data-dir', srv.dataDir, '--kubeconfig', broken],
      { env: cliEnv() },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /\[✖\]  500: etcdserver: request timed out/);
    assert.match(r.stderr, /rolled back: detached policy "[^"]+" from IAM role "doomed-role"/);
    assert.match(r.stderr, /rolled back: deleted IAM role "doomed-role"/);
    assert.match(r.stderr, /irsa create: failed to create iamserviceaccount\(s\)/);
    assert.ok(!roleExists('doomed-role'));
    assert.deepEqual(roleNames(), rolesBefore);
    assert.equal(JSON.parse(awsOk(['iam', 'get-policy', '--policy-arn', policyArn])).Policy.AttachmentCount, 2, 'only the two live roles hold the policy');
  });

  it('--role-only creates the role and no ServiceAccount', () => {
    const r = ok(['create', 'iamserviceaccount', '--name', 'batch-sa', '--namespace', NS, '--cluster', CLUSTER, '--role-name', 'batch-role', '--role-only', '--attach-policy-arn', policyArn, '--approve']);
    assert.match(r.stderr, /\[ℹ\]  1 task: \{ create IAM role for serviceaccount "weasel\/batch-sa" \}/);
    assert.ok(roleExists('batch-role'));
    assert.notEqual(kubectl(['get', 'serviceaccount', '-n', NS, 'batch-sa']).status, 0);
  });

  it('delete iamserviceaccount removes the role (policies detached) and the ServiceAccount eksctl created', () => {
    const r = ok(['delete', 'iamserviceaccount', '--name', SA, '--namespace', NS, '--cluster', CLUSTER, '--approve']);
    assert.match(r.stderr, /\[ℹ\]  1 iamserviceaccount \(weasel\/weasel-eks-pod-sa\) was included \(based on the include\/exclude rules\)/);
    assert.match(r.stderr, /delete IAM role for serviceaccount "weasel\/weasel-eks-pod-sa",\n {8}delete serviceaccount "weasel\/weasel-eks-pod-sa",/);
    assert.match(r.stderr, /\[ℹ\]  deleted serviceaccount "weasel\/weasel-eks-pod-sa"/);
    assert.ok(!roleExists(ROLE));
    assert.notEqual(kubectl(['get', 'serviceaccount', '-n', NS, SA]).status, 0);
    // The overridden one carries eksctl's label now, so eksctl (and irsa) delete it too.
    ok(['delete', 'iamserviceaccount', '--name', 'app-sa', '--namespace', NS, '--cluster', CLUSTER]);
    assert.notEqual(kubectl(['get', 'serviceaccount', '-n', NS, 'app-sa']).status, 0);
    ok(['delete', 'iamserviceaccount', '--name', 'batch-sa', '--namespace', NS, '--cluster', CLUSTER]);
    assert.ok(!roleExists('batch-role'));
    assert.equal(JSON.parse(awsOk(['iam', 'get-policy', '--policy-arn', policyArn])).Policy.AttachmentCount, 0);
  });

  it('delete leaves a ServiceAccount it did not create', () => {
    assert.equal(kubectl(['create', 'serviceaccount', 'hand-made', '-n', NS]).status, 0);
    const r = ok(['delete', 'iamserviceaccount', '--name', 'hand-made', '--namespace', NS, '--cluster', CLUSTER]);
    assert.match(r.stderr, /\[ℹ\]  serviceaccount "weasel\/hand-made" was not created by eksctl; will not be deleted/);
    assert.equal(kubectl(['get', 'serviceaccount', '-n', NS, 'hand-made']).status, 0);
  });
});
