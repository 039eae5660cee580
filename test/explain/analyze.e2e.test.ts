/**
 * `irsa analyze` on a real export: an account set up through the aws CLI against `irsa up`,
 * exported with `aws iam get-account-authorization-details`, and the cluster's objects dumped with
 * `kubectl get … -o yaml`. Offline answers must agree with `irsa explain` on the live installation.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WhoCanReport } from '../../src/explain/analyze.js';
import type { ExplainReport } from '../../src/explain/report.js';
import { mustKubectl, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { irsaAsync } from '../support/run-cli.js';
import { WALKTHROUGH_POLICY } from '../support/walkthrough-policy.js';

describe('irsa analyze on an exported account and dumped manifests', { timeout: 600_000 }, () => {
  let srv: IrsaProcess;
  let work = '';
  let issuer = '';
  let walk: PodIdentity;
  const details = (): string => join(work, 'details.json');
  const manifests = (): string => join(work, 'k8s');

  before(async () => {
    srv = await startIrsa();
    work = mkdtempSync(join(tmpdir(), 'irsa-analyze-'));
    mustKubectl(srv, ['create', 'namespace', 'weasel']);
    walk = await podIdentity(srv, { roleName: 'weasel-eks-pod-role', namespace: 'weasel', serviceAccount: 'weasel-eks-pod-sa', policy: WALKTHROUGH_POLICY });
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'weasel-eks-pod-sa', `eks.amazonaws.com/role-arn=${walk.roleArn}`]);
    const objects = await podIdentity(srv, {
      roleName: 'objects-only',
      namespace: 'weasel',
      serviceAccount: 'objects-only',
      policy: { Version: '2012-10-17', Statement: [{ Sid: 'Objects', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: 'arn:aws:s3:::weasel-images/*' }] },
    });
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'objects-only', `eks.amazonaws.com/role-arn=${objects.roleArn}`]);
    issuer = aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], srv.env).stdout.trim();
    // The export and the dump, as a platform team would take them.
    const exported = aws(['iam', 'get-account-authorization-details'], srv.env, work);
    assert.equal(exported.status, 0, exported.stderr);
    writeFileSync(details(), exported.stdout);
    mkdirSync(manifests());
    writeFileSync(join(manifests(), 'serviceaccounts.yaml'), mustKubectl(srv, ['get', 'serviceaccounts', '-A', '-o', 'yaml']));
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work);
  });

  async function analyze(args: string[]): Promise<{ status: number | null; json: unknown; stderr: string }> {
    const r = await irsaAsync(['analyze', '--account-details', details(), '--output', 'json', ...args]);
    assert.ok(r.stdout.trim().startsWith('{'), `irsa analyze ${args.join(' ')}: ${r.stderr}`);
    return { status: r.status, json: JSON.parse(r.stdout), stderr: r.stderr };
  }

  async function explainLive(args: string[]): Promise<ExplainReport> {
    const r = await irsaAsync(['explain', '--data-dir', srv.dataDir, '--output', 'json', ...args]);
    return JSON.parse(r.stdout) as ExplainReport;
  }

  it('--can agrees with irsa explain on the live installation: allowed, and denied with the same fix', async () => {
    const allowed = await analyze(['--manifests', manifests(), '--issuer', issuer, '--can', 'weasel/weasel-eks-pod-sa', 's3:GetObject', 'arn:aws:s3:::weasel-images/a.png']);
    const a = allowed.json as ExplainReport;
    assert.equal(a.verdict, 'allowed', JSON.stringify(a, null, 2));
    assert.equal(allowed.status, 0);
    assert.match(allowed.stderr, /account details: \d+ roles, \d+ policies in \d+ ms/);
    assert.match(allowed.stderr, /answered in \d+ ms/);

    const args = ['s3:ListBucket', 'arn:aws:s3:::weasel-images'];
    const offline = (await analyze(['--manifests', manifests(), '--issuer', issuer, '--can', 'weasel/objects-only', ...args])).json as ExplainReport;
    const live = await explainLive(['--service-account', 'weasel/objects-only', '--action', args[0] as string, '--resource', args[1] as string]);
    assert.equal(offline.verdict, 'denied');
    assert.equal(live.verdict, 'denied');
    assert.equal(offline.fix, live.fix);
    assert.deepEqual(
      offline.links.map((l) => [l.id, l.status]),
      live.links.map((l) => [l.id, l.status]),
    );
  });

  it('--who-can: the ServiceAccounts (with manifests) or the trust subjects (without) that can', async () => {
    const withManifests = (await analyze(['--manifests', manifests(), '--issuer', issuer, '--who-can', 's3:ListBucket', 'arn:aws:s3:::weasel-images'])).json as WhoCanReport;
    assert.deepEqual(
      withManifests.entries.map((e) => [e.serviceAccount, e.role, e.annotated]),
      [['weasel/weasel-eks-pod-sa', walk.roleArn, true]],
    );
    assert.ok(withManifests.entries[0]?.allowedBy.length);
    const bare = await analyze(['--issuer', issuer, '--who-can', 's3:GetObject', 'arn:aws:s3:::weasel-images/a']);
    const subjects = (bare.json as WhoCanReport).entries.map((e) => e.serviceAccount).sort();
    assert.deepEqual(subjects, ['system:serviceaccount:weasel:objects-only', 'system:serviceaccount:weasel:weasel-eks-pod-sa']);
    const none = await analyze(['--issuer', issuer, '--who-can', 's3:PutBucketPolicy', 'arn:aws:s3:::weasel-images']);
    assert.equal((none.json as WhoCanReport).entries.length, 0);
    assert.equal(none.status, 1);
  });

  it('--role: what if a new ServiceAccount were annotated with an existing role (its trust does not admit it)', async () => {
    const r = (await analyze(['--manifests', manifests(), '--issuer', issuer, '--can', 'weasel/newcomer', 's3:GetObject', 'arn:aws:s3:::weasel-images/a', '--role', 'weasel-eks-pod-role'])).json as ExplainReport;
    assert.equal(r.brokenAt, 'trust');
    assert.match(r.fix ?? '', /system:serviceaccount:weasel:weasel-eks-pod-sa/);
    assert.match(r.fix ?? '', /system:serviceaccount:weasel:newcomer/);
  });

  it('bad input: a broken export names the path and exits 2; a question without its resource is a usage error', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ RoleDetailList: [{ RoleName: 'x', Arn: 'arn:aws:iam::123456789012:role/x', AssumeRolePolicyDocument: '%7Bnot json' }] }));
    const r = await irsaAsync(['analyze', '--account-details', bad, '--issuer', issuer, '--can', 'default/x', 's3:GetObject', 'arn:aws:s3:::b/k', '--role', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /RoleDetailList\[0\]/);
    const usage = await irsaAsync(['analyze', '--account-details', details(), '--who-can', 's3:GetObject']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /give the resource/);
  });
});
