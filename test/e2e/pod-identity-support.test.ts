import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { podEnv, podIdentity } from '../support/irsa-pod.js';
import { removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/** The harness the service e2e tests build on: a pod's credentials, through the default chains. */
describe('pod identity harness', () => {
  let srv: IrsaProcess;
  before(async () => {
    srv = await startIrsa();
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('the aws CLI and boto3 find role credentials from the token file alone', async () => {
    const pod = await podIdentity(srv, { roleName: 'harness-role', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] } });
    const cli = spawnSync('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: podEnv(pod), encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout.trim(), /^arn:aws:sts::\d{12}:assumed-role\/harness-role\/botocore-session-\d+$/);
    const py = spawnSync('python3', ['-c', 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])'], { env: podEnv(pod), encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    assert.match(py.stdout.trim(), /assumed-role\/harness-role\//);
    const creds = await pod.credentials();
    assert.match(creds.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(creds.expiration.getTime() > Date.now());
  });

  it('a second role in another namespace gets its own session', async () => {
    const pod = await podIdentity(srv, { roleName: 'other-role', namespace: 'team-b', serviceAccount: 'svc', policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}' });
    const cli = spawnSync('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: podEnv(pod), encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout.trim(), /assumed-role\/other-role\//);
  });
});
