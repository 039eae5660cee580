/**
 * IRSA misconfigurations set up for real against `irsa up` (aws CLI, kubectl), then `irsa explain`
 * and `irsa doctor` must name the broken link and the fix. Each scenario is a separate
 * ServiceAccount/role in one server; the provider-less one has its own server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DoctorReport } from '../../src/explain/doctor.js';
import type { ExplainReport } from '../../src/explain/report.js';
import { mustKubectl, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { irsaAsync } from '../support/run-cli.js';
import { WALKTHROUGH_POLICY } from '../support/walkthrough-policy.js';

function podManifest(ns: string, name: string, sa: string, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, annotations },
    spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'amazon/aws-cli' }, { name: 'sidecar', image: 'busybox' }] },
  });
}

async function explainJson(srv: IrsaProcess, args: string[]): Promise<{ status: number | null; report: ExplainReport; stderr: string }> {
  const r = await irsaAsync(['explain', '--data-dir', srv.dataDir, '--output', 'json', ...args]);
  assert.ok(r.stdout.trim().startsWith('{'), `irsa explain ${args.join(' ')}: ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as ExplainReport, stderr: r.stderr };
}

const link = (r: ExplainReport, id: string) => r.links.find((l) => l.id === id);
const codes = (r: ExplainReport) => r.links.flatMap((l) => l.findings.map((f) => f.code));

describe('irsa explain and irsa doctor on real misconfigurations', { timeout: 600_000 }, () => {
  let srv: IrsaProcess;
  let account = '';
  let healthy: PodIdentity;
  /** A role trusting the cluster's provider with the given conditions (`URL` in a key stands for the provider's URL); its ARN. */
  function roleTrusting(name: string, condition: Record<string, Record<string, string>>): string {
    const url = aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], srv.env).stdout.trim().replace(/^https:\/\//, '');
    const withUrl = Object.fromEntries(Object.entries(condition).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k.replace('URL', url), v]))]));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${url}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: withUrl }] };
    const work = mkdtempSync(join(tmpdir(), 'irsa-explain-role-'));
    writeFileSync(join(work, 'trust.json'), JSON.stringify(trust));
    const created = aws(['iam', 'create-role', '--role-name', name, '--assume-role-policy-document', 'file://trust.json'], srv.env, work);
    removeDir(work);
    assert.equal(created.status, 0, created.stderr);
    return JSON.parse(created.stdout)['Role']['Arn'] as string;
  }
  before(async () => {
    srv = await startIrsa();
    account = JSON.parse(aws(['sts', 'get-caller-identity'], srv.env).stdout)['Account'] as string;
    mustKubectl(srv, ['create', 'namespace', 'weasel']);
    // The walkthrough, done right: role, ServiceAccount with the annotation, then the pod.
    healthy = await podIdentity(srv, { roleName: 'weasel-eks-pod-role', namespace: 'weasel', serviceAccount: 'weasel-eks-pod-sa', policy: WALKTHROUGH_POLICY });
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'weasel-eks-pod-sa', `eks.amazonaws.com/role-arn=${healthy.roleArn}`]);
    mustKubectl(srv, ['apply', '-f', '-'], podManifest('weasel', 'app', 'weasel-eks-pod-sa'));
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('a healthy pod: every link holds and the walkthrough policy allows s3:GetObject (exit 0)', async () => {
    const { status, report } = await explainJson(srv, ['--pod', 'weasel/app', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::weasel-images/cat.png']);
    assert.equal(report.verdict, 'allowed', JSON.stringify(report, null, 2));
    assert.equal(status, 0);
    assert.deepEqual(
      report.links.map((l) => [l.id, l.status]),
      [
        ['pod', 'ok'],
        ['serviceAccount', 'ok'],
        ['webhook', 'ok'],
        ['token', 'ok'],
        ['provider', 'ok'],
        ['role', 'ok'],
        ['trust', 'ok'],
        ['permissions', 'ok'],
      ],
    );
    assert.equal(report.schema, 'irsa.explain/v1');
  });

  it('policy on the object ARN only: s3:ListBucket is denied and the fix names the bucket ARN', async () => {
    const pod = await podIdentity(srv, {
      roleName: 'objects-only',
      namespace: 'weasel',
      serviceAccount: 'objects-only',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: 'arn:aws:s3:::weasel-images/*' }] },
    });
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'objects-only', `eks.amazonaws.com/role-arn=${pod.roleArn}`]);
    const { status, report } = await explainJson(srv, ['--service-account', 'weasel/objects-only', '--action', 's3:ListBucket', '--resource', 'arn:aws:s3:::weasel-images']);
    assert.equal(report.verdict, 'denied');
    assert.equal(status, 1);
    assert.equal(report.brokenAt, 'permissions');
    assert.match(report.fix ?? '', /arn:aws:s3:::weasel-images(?!\/)/, report.fix);
    assert.ok(codes(report).includes('permissions.resourceMismatch'), codes(report).join());
  });

  it('wrong namespace in the trust policy’s sub: the trust link breaks, naming expected and actual subjects', async () => {
    // The role trusts default/mover; the ServiceAccount and pod are in weasel.
    const pod = await podIdentity(srv, { roleName: 'mover', namespace: 'default', serviceAccount: 'mover', policy: WALKTHROUGH_POLICY });
    mustKubectl(srv, ['create', 'serviceaccount', 'mover', '-n', 'weasel']);
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'mover', `eks.amazonaws.com/role-arn=${pod.roleArn}`]);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/mover', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::weasel-images/a']);
    assert.equal(report.verdict, 'broken');
    assert.equal(report.brokenAt, 'trust');
    assert.match(report.fix ?? '', /system:serviceaccount:default:mover/);
    assert.match(report.fix ?? '', /system:serviceaccount:weasel:mover/);
  });

  it('annotation typo (role_arn): the ServiceAccount link breaks and the fix renames the annotation', async () => {
    mustKubectl(srv, ['create', 'serviceaccount', 'typo', '-n', 'weasel']);
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'typo', `eks.amazonaws.com/role_arn=${healthy.roleArn}`]);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/typo']);
    assert.equal(report.brokenAt, 'serviceAccount');
    assert.ok(codes(report).includes('serviceAccount.annotationTypo'));
    assert.match(report.fix ?? '', /eks\.amazonaws\.com\/role_arn- eks\.amazonaws\.com\/role-arn=/);
  });

  it('a role ARN of another account: the role link breaks', async () => {
    mustKubectl(srv, ['create', 'serviceaccount', 'foreign', '-n', 'weasel']);
    const other = account === '999999999999' ? '888888888888' : '999999999999';
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'foreign', `eks.amazonaws.com/role-arn=arn:aws:iam::${other}:role/weasel-eks-pod-role`]);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/foreign']);
    assert.equal(report.brokenAt, 'role');
    assert.ok(codes(report).includes('role.otherAccount'));
  });

  it('a pod created before the annotation: not mutated; explain and doctor say recreate it, doctor exits 1', async () => {
    const pod = await podIdentity(srv, { roleName: 'late', namespace: 'weasel', serviceAccount: 'late', policy: WALKTHROUGH_POLICY });
    mustKubectl(srv, ['apply', '-f', '-'], podManifest('weasel', 'early', 'late'));
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'late', `eks.amazonaws.com/role-arn=${pod.roleArn}`]);
    const { report } = await explainJson(srv, ['--pod', 'weasel/early']);
    assert.equal(report.brokenAt, 'webhook');
    assert.ok(codes(report).includes('webhook.notMutated'));
    assert.match(report.fix ?? '', /kubectl delete pod -n weasel early/);

    const d = await irsaAsync(['doctor', '--data-dir', srv.dataDir, '--namespace', 'weasel', '--output', 'json']);
    assert.equal(d.status, 1, d.stderr);
    const doc = JSON.parse(d.stdout) as DoctorReport;
    const early = doc.items.find((i) => i.subject === 'pod weasel/early');
    assert.equal(early?.status, 'broken');
    assert.ok(early?.findings.some((f) => f.code === 'webhook.notMutated'));
    assert.equal(doc.items.find((i) => i.subject === 'ServiceAccount weasel/weasel-eks-pod-sa')?.status, 'ok');
    // Text output names the fix too.
    const text = await irsaAsync(['doctor', '--data-dir', srv.dataDir, '--namespace', 'weasel']);
    assert.match(text.stdout, /fix: recreate the pod: kubectl delete pod -n weasel early/);
  });

  it('webhook skip-containers: the skipped container has no credentials', async () => {
    mustKubectl(srv, ['apply', '-f', '-'], podManifest('weasel', 'skipper', 'weasel-eks-pod-sa', { 'eks.amazonaws.com/skip-containers': 'sidecar' }));
    const ok = await explainJson(srv, ['--pod', 'weasel/skipper', '--container', 'app']);
    assert.equal(ok.report.verdict, 'ok', JSON.stringify(ok.report.links, null, 2));
    const skipped = await explainJson(srv, ['--pod', 'weasel/skipper', '--container', 'sidecar']);
    assert.equal(skipped.report.brokenAt, 'webhook');
    assert.ok(codes(skipped.report).includes('webhook.skippedContainer'));
  });

  it('wrong ServiceAccount name in the trust policy’s sub: the fix names both subjects', async () => {
    const pod = await podIdentity(srv, { roleName: 'renamed', namespace: 'weasel', serviceAccount: 'weasel-sa', policy: WALKTHROUGH_POLICY });
    mustKubectl(srv, ['create', 'serviceaccount', 'weasel-sa-v2', '-n', 'weasel']);
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'weasel-sa-v2', `eks.amazonaws.com/role-arn=${pod.roleArn}`]);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/weasel-sa-v2']);
    assert.equal(report.brokenAt, 'trust');
    assert.match(report.fix ?? '', /system:serviceaccount:weasel:weasel-sa\b/);
    assert.match(report.fix ?? '', /system:serviceaccount:weasel:weasel-sa-v2/);
  });

  it('a trust policy without an aud condition works, with a warning', async () => {
    const roleArn = roleTrusting('noaud', { StringEquals: { 'URL:sub': 'system:serviceaccount:weasel:noaud' } });
    mustKubectl(srv, ['create', 'serviceaccount', 'noaud', '-n', 'weasel']);
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'noaud', `eks.amazonaws.com/role-arn=${roleArn}`]);
    const { status, report } = await explainJson(srv, ['--service-account', 'weasel/noaud']);
    assert.equal(report.verdict, 'ok');
    assert.equal(status, 0);
    assert.equal(link(report, 'trust')?.status, 'warning');
    assert.ok(codes(report).includes('trust.noAudienceCondition'));
    // A role with no permissions policy: doctor warns that it grants nothing.
    const d = await irsaAsync(['doctor', '--data-dir', srv.dataDir, '--namespace', 'weasel', '--service-account', 'noaud', '--output', 'json']);
    const item = (JSON.parse(d.stdout) as DoctorReport).items[0];
    assert.ok(item?.findings.some((f) => f.code === 'role.grantsNothing'), d.stdout);
    assert.equal(d.status, 0, 'warnings do not fail doctor');
  });

  it('audience mismatch: the ServiceAccount asks for an audience the provider does not list', async () => {
    mustKubectl(srv, ['create', 'serviceaccount', 'aud', '-n', 'weasel']);
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'aud', `eks.amazonaws.com/role-arn=${healthy.roleArn}`, 'eks.amazonaws.com/audience=my-app']);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/aud']);
    assert.equal(report.brokenAt, 'provider');
    assert.ok(codes(report).includes('provider.audience'));
    assert.match(report.fix ?? '', /add-client-id-to-open-id-connect-provider .* --client-id my-app/);
  });

  it('explicit deny in the permissions boundary: denied, and the boundary is named', async () => {
    const work = mkdtempSync(join(tmpdir(), 'irsa-explain-boundary-'));
    writeFileSync(join(work, 'b.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'NoDeletes', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }] }));
    const made = aws(['iam', 'create-policy', '--policy-name', 'no-deletes', '--policy-document', 'file://b.json'], srv.env, work);
    assert.equal(made.status, 0, made.stderr);
    const boundaryArn = JSON.parse(made.stdout)['Policy']['Arn'] as string;
    const pod = await podIdentity(srv, { roleName: 'bounded', namespace: 'weasel', serviceAccount: 'bounded', policy: WALKTHROUGH_POLICY, boundaryArn });
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'bounded', `eks.amazonaws.com/role-arn=${pod.roleArn}`]);
    const del = await explainJson(srv, ['--service-account', 'weasel/bounded', '--action', 's3:DeleteObject', '--resource', 'arn:aws:s3:::weasel-images/a']);
    assert.equal(del.report.verdict, 'denied');
    assert.ok(codes(del.report).includes('permissions.explicitDeny'), codes(del.report).join());
    assert.match(JSON.stringify(link(del.report, 'permissions')), /NoDeletes/);
    const get = await explainJson(srv, ['--service-account', 'weasel/bounded', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::weasel-images/a']);
    assert.equal(get.report.verdict, 'allowed');
    removeDir(work);
  });

  it('a session policy that narrows the role: denied by the session policy', async () => {
    const work = mkdtempSync(join(tmpdir(), 'irsa-explain-session-'));
    writeFileSync(join(work, 'session.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
    const { report } = await explainJson(srv, ['--pod', 'weasel/app', '--action', 'bedrock:InvokeModel', '--resource', 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', '--session-policy', join(work, 'session.json')]);
    assert.equal(report.verdict, 'denied');
    assert.ok(codes(report).includes('permissions.sessionPolicy'), codes(report).join());
    removeDir(work);
  });

  it('a condition on aws:SourceIp: denied from another address, with the values compared', async () => {
    const pod = await podIdentity(srv, {
      roleName: 'office-only',
      namespace: 'weasel',
      serviceAccount: 'office-only',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] },
    });
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'office-only', `eks.amazonaws.com/role-arn=${pod.roleArn}`]);
    const args = ['--service-account', 'weasel/office-only', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'];
    const denied = await explainJson(srv, [...args, '--context', 'aws:SourceIp=ip:192.168.1.5']);
    assert.equal(denied.report.verdict, 'denied');
    assert.ok(codes(denied.report).includes('permissions.conditionFailed'));
    const text = JSON.stringify(denied.report);
    assert.match(text, /192\.168\.1\.5/);
    assert.match(text, /10\.0\.0\.0\/8/);
    const allowed = await explainJson(srv, [...args, '--context', 'aws:SourceIp=ip:10.1.2.3']);
    assert.equal(allowed.report.verdict, 'allowed');
  });

  it('an expired token (--token): the token link breaks with the time it expired', async () => {
    const real = mustKubectl(srv, ['create', 'token', 'weasel-eks-pod-sa', '-n', 'weasel', '--audience', 'sts.amazonaws.com']).trim();
    const [h, p] = real.split('.');
    const claims = JSON.parse(Buffer.from(p as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    const expired = { ...claims, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 };
    const work = mkdtempSync(join(tmpdir(), 'irsa-explain-token-'));
    writeFileSync(join(work, 'token'), `${h}.${Buffer.from(JSON.stringify(expired)).toString('base64url')}.c2ln`);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/weasel-eks-pod-sa', '--token', join(work, 'token')]);
    assert.equal(report.brokenAt, 'token');
    assert.ok(codes(report).includes('token.expired'));
    assert.match(report.fix ?? '', /kubectl create token weasel-eks-pod-sa -n weasel/);
    removeDir(work);
  });

  it('a StringLike wildcard that matches a whole namespace: allowed, with warnings from explain and doctor', async () => {
    const roleArn = roleTrusting('wild', { StringEquals: { 'URL:aud': 'sts.amazonaws.com' }, StringLike: { 'URL:sub': 'system:serviceaccount:weasel:*' } });
    mustKubectl(srv, ['create', 'serviceaccount', 'wild', '-n', 'weasel']);
    mustKubectl(srv, ['annotate', 'serviceaccount', '-n', 'weasel', 'wild', `eks.amazonaws.com/role-arn=${roleArn}`]);
    const { report } = await explainJson(srv, ['--service-account', 'weasel/wild']);
    assert.equal(report.verdict, 'ok');
    assert.ok(codes(report).includes('trust.broadSubject'), codes(report).join());
    const d = await irsaAsync(['doctor', '--data-dir', srv.dataDir, '--namespace', 'weasel', '--service-account', 'wild', '--output', 'json']);
    const item = (JSON.parse(d.stdout) as DoctorReport).items[0];
    assert.ok(item?.findings.some((f) => f.code === 'trust.admitsSeveral'), d.stdout);
  });

  it('doctor: a role whose trust policy admits no ServiceAccount of the cluster (a typo in :sub), with the likely one', async () => {
    roleTrusting('orphan', { StringEquals: { 'URL:aud': 'sts.amazonaws.com', 'URL:sub': 'system:serviceaccount:weasel:weasel-eks-pod-sx' } });
    const d = await irsaAsync(['doctor', '--data-dir', srv.dataDir, '--output', 'json']);
    const item = (JSON.parse(d.stdout) as DoctorReport).items.find((i) => i.subject === 'role orphan');
    assert.equal(item?.status, 'warning', d.stdout);
    assert.equal(item?.findings[0]?.code, 'trust.admitsNoServiceAccount');
    assert.match(item?.findings[0]?.fix ?? '', /did you mean weasel\/weasel-eks-pod-sa\?/);
  });

  it('a secret whose resource policy denies the role: denied by the resource-based policy', async () => {
    const made = aws(['secretsmanager', 'create-secret', '--name', 'weasel-db', '--secret-string', 's3cr3t'], srv.env);
    assert.equal(made.status, 0, made.stderr);
    const arn = JSON.parse(made.stdout)['ARN'] as string;
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'NotThePod', Effect: 'Deny', Principal: { AWS: healthy.roleArn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
    const put = aws(['secretsmanager', 'put-resource-policy', '--secret-id', 'weasel-db', '--resource-policy', JSON.stringify(policy)], srv.env);
    assert.equal(put.status, 0, put.stderr);
    const { report } = await explainJson(srv, ['--pod', 'weasel/app', '--action', 'secretsmanager:GetSecretValue', '--resource', arn]);
    assert.equal(report.verdict, 'denied');
    assert.ok(codes(report).includes('permissions.explicitDeny'), codes(report).join());
    assert.match(JSON.stringify(link(report, 'permissions')), /NotThePod/);
  });

  it('--request-id explains a denial that happened, from the decision log', async () => {
    const work = mkdtempSync(join(tmpdir(), 'irsa-explain-rid-'));
    writeFileSync(join(work, 'f'), 'x');
    // S3 answers NoSuchBucket before any policy is evaluated, so the bucket must exist.
    assert.equal(aws(['s3api', 'create-bucket', '--bucket', 'weasel-images'], srv.env).status, 0);
    const r = spawnSync('aws', ['s3api', 'put-bucket-policy', '--bucket', 'weasel-images', '--policy', '{}', '--debug'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...healthy.env },
      timeout: 60_000,
    });
    assert.notEqual(r.status, 0);
    const rid = /x-amz-request-id['"]?: ['"]?([0-9a-f-]{36})/i.exec(r.stderr)?.[1];
    assert.ok(rid, 'the request id is in the response headers');
    // The decision log flushes every 200 ms.
    await new Promise((res) => setTimeout(res, 500));
    const { report } = await explainJson(srv, ['--request-id', rid]);
    assert.equal(report.subject.requestId, rid);
    assert.equal(report.verdict, 'denied');
    assert.equal(report.subject.action, 's3:PutBucketPolicy');
    removeDir(work);
  });

  it('over HTTP with curl --aws-sigv4: the administrator gets doctor’s JSON; a user without iam:SimulatePrincipalPolicy is denied', () => {
    const curl = (user: string, path: string): { status: number; body: Record<string, unknown> } => {
      const r = spawnSync('curl', ['-s', '-w', '\n%{http_code}', '--aws-sigv4', `aws:amz:${srv.env['AWS_REGION']}:iam`, '--user', user, `${srv.url}${path}`], { encoding: 'utf8', timeout: 60_000 });
      const lines = r.stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      return { status, body: JSON.parse(lines.join('\n')) as Record<string, unknown> };
    };
    const admin = curl(`${srv.env['AWS_ACCESS_KEY_ID']}:${srv.env['AWS_SECRET_ACCESS_KEY']}`, '/_irsa/doctor?namespace=weasel');
    assert.equal(admin.status, 200);
    assert.equal(admin.body['schema'], 'irsa.doctor/v1');
    // curl before 8.1 signs the query parameters in the order given, not sorted as SigV4 says: sorted here.
    const explained = curl(`${srv.env['AWS_ACCESS_KEY_ID']}:${srv.env['AWS_SECRET_ACCESS_KEY']}`, '/_irsa/explain?action=s3:GetObject&pod=weasel/app&resource=arn:aws:s3:::weasel-images/k');
    assert.equal(explained.body['verdict'], 'allowed');
    const bad = curl(`${srv.env['AWS_ACCESS_KEY_ID']}:${'x'.repeat(40)}`, '/_irsa/doctor');
    assert.equal(bad.status, 403);
    assert.equal(bad.body['__type'], 'InvalidSignatureException');
    assert.equal(aws(['iam', 'create-user', '--user-name', 'viewer'], srv.env).status, 0);
    const key = JSON.parse(aws(['iam', 'create-access-key', '--user-name', 'viewer'], srv.env).stdout)['AccessKey'] as { AccessKeyId: string; SecretAccessKey: string };
    const denied = curl(`${key.AccessKeyId}:${key.SecretAccessKey}`, '/_irsa/doctor');
    assert.equal(denied.status, 403);
    assert.equal(denied.body['__type'], 'AccessDeniedException');
    assert.match(String(denied.body['message']), /user\/viewer is not authorized to perform: iam:SimulatePrincipalPolicy/);
    const invalid = curl(`${srv.env['AWS_ACCESS_KEY_ID']}:${srv.env['AWS_SECRET_ACCESS_KEY']}`, '/_irsa/explain?pod=nonamespace');
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body['__type'], 'ValidationException');
  });

  it('the HTTP endpoint refuses unsigned requests', async () => {
    const r = await fetch(`${srv.url}/_irsa/explain?serviceAccount=weasel/weasel-eks-pod-sa`);
    assert.equal(r.status, 403);
    const body = (await r.json()) as { __type: string };
    assert.match(body.__type, /MissingAuthenticationToken/);
  });
});

describe('irsa explain: no IAM OIDC provider for the cluster', { timeout: 300_000 }, () => {
  let srv: IrsaProcess;
  before(async () => {
    srv = await startIrsa();
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('names the missing provider and the command that creates it, and the provider it has for another issuer', async () => {
    const work = mkdtempSync(join(tmpdir(), 'irsa-explain-otherprovider-'));
    const made = aws(['iam', 'create-open-id-connect-provider', '--url', 'https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF', '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', '9e99a48a9960b14926bb7f3b02e22da2b0ab7280'], srv.env, work);
    assert.equal(made.status, 0, made.stderr);
    mustKubectl(srv, ['create', 'serviceaccount', 'app']);
    mustKubectl(srv, ['annotate', 'serviceaccount', 'app', 'eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/app']);
    const { report } = await explainJson(srv, ['--service-account', 'default/app']);
    assert.equal(report.brokenAt, 'provider');
    assert.ok(codes(report).includes('provider.missing'));
    assert.match(report.fix ?? '', /aws iam create-open-id-connect-provider --url https:\/\//);
    assert.equal(link(report, 'serviceAccount')?.status, 'ok');
    assert.match(JSON.stringify(link(report, 'provider')), /oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/0123456789ABCDEF/);
    removeDir(work);
  });
});
