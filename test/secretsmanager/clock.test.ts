import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { startServer, type RunningServer } from '../../src/server/app.js';
import { clientEnvironment } from '../../src/server/client-env.js';
import type { Logger } from '../../src/server/log.js';
import { KUBECTL } from '../support/kube.js';
import { irsaAsync, spawnCollect } from '../support/run-cli.js';

/**
 * Secrets Manager with a clock the test moves (an in-process `irsa up`), for what needs time to
 * pass: a session that expires, clock skew, a recovery window that ends. Credentials come through
 * IRSA as in a pod: the cluster's issuer is an IAM OIDC provider, a role trusts the
 * ServiceAccount, and the cluster's API mints the token exchanged with AssumeRoleWithWebIdentity.
 * The server's log is captured to check that no secret value reaches it.
 */
const MIN = 60_000;
const DAY = 86_400_000;
const SENTINEL = `clock-secret-${Date.now()}-value`;

describe('Secrets Manager over time (in-process server, movable clock)', () => {
  let dir: string;
  let home: string;
  let srv: RunningServer;
  let offset = 0;
  const logLines: string[] = [];
  let roleArn: string;
  let env: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; kubeconfig: string | undefined };

  const log: Logger = {
    info: (m) => logLines.push(m),
    error: (m, e) => logLines.push(`${m} ${e instanceof Error ? (e.stack ?? e.message) : String(e ?? '')}`),
  };

  const kubectl = async (args: string[]) => {
    const r = await spawnCollect(KUBECTL, ['--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: env.kubeconfig ?? '' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  /** What a pod's SDK does: read the projected token, exchange it (unsigned) for a session. */
  const podCredentials = async (durationSeconds: number) => {
    const token = await kubectl(['create', 'token', 'clock-sa', '-n', 'default', '--audience', 'sts.amazonaws.com']);
    const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'clock-pod', WebIdentityToken: token, DurationSeconds: String(durationSeconds) });
    const r = await fetch(`${srv.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const field = (n: string) => (new RegExp(`<${n}>([^<]+)</${n}>`).exec(text)?.[1] ?? '').trim();
    return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
  };

  /** A client whose clock agrees with the server's (systemClockOffset), no retries: the first answer is the one seen. */
  const client = (credentials: Awaited<ReturnType<typeof podCredentials>>, clockOffset = offset) =>
    new SecretsManagerClient({ endpoint: srv.url, region: 'us-east-1', credentials, systemClockOffset: clockOffset, maxAttempts: 1 });

  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      const err = e as { name: string; message: string; $metadata: { httpStatusCode?: number } };
      return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
    }
    assert.fail('expected the call to fail');
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-sm-clock-'));
    home = mkdtempSync(join(tmpdir(), 'irsa-sm-clock-home-'));
    srv = await startServer({ dataDir: dir, port: 0, oidcPort: 0, kubePort: 0, log, now: () => new Date(Date.now() + offset) });
    const e = await clientEnvironment(dir);
    if (typeof e === 'string') throw new Error(e);
    env = e;
    const assoc = await irsaAsync(['utils', 'associate-iam-oidc-provider', '--cluster', 'local', '--approve', '--data-dir', dir]);
    assert.equal(assoc.status, 0, assoc.stderr);
    const hostPath = (srv.clusters.get('local')?.issuerUrl ?? '').replace(/^https:\/\//, '');
    const iam = new IAMClient({ endpoint: srv.url, region: 'us-east-1', credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${srv.account}:oidc-provider/${hostPath}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com', [`${hostPath}:sub`]: 'system:serviceaccount:default:clock-sa' } },
        },
      ],
    };
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'clock-role', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn as string;
    await iam.send(new PutRolePolicyCommand({ RoleName: 'clock-role', PolicyName: 'sm', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] }) }));
    iam.destroy();
    await kubectl(['create', 'serviceaccount', 'clock-sa', '-n', 'default']);
  });

  after(async () => {
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('an expired session gets ExpiredTokenException; a skewed clock gets InvalidSignatureException (5 minutes)', async () => {
    const creds = await podCredentials(900);
    const sm = client(creds);
    await sm.send(new CreateSecretCommand({ Name: 'clock/short-lived', SecretString: SENTINEL }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'clock/short-lived' }))).SecretString, SENTINEL);
    sm.destroy();

    offset += 6 * MIN;
    const skewed = client(creds, 0);
    const skew = await failure(skewed.send(new GetSecretValueCommand({ SecretId: 'clock/short-lived' })));
    skewed.destroy();
    assert.equal(skew.name, 'InvalidSignatureException');
    assert.equal(skew.status, 400);
    assert.match(skew.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);

    offset += 10 * MIN;
    const late = client(creds);
    const expired = await failure(late.send(new GetSecretValueCommand({ SecretId: 'clock/short-lived' })));
    late.destroy();
    assert.deepEqual(expired, { name: 'ExpiredTokenException', message: 'The security token included in the request is expired', status: 400 });
  });

  it('a secret whose recovery window has ended is gone; the name can be used again with a new ARN', async () => {
    let sm = client(await podCredentials(3600));
    const created = await sm.send(new CreateSecretCommand({ Name: 'clock/doomed', SecretString: SENTINEL }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'clock/doomed', SecretString: `${SENTINEL}-2` }));
    const del = await sm.send(new DeleteSecretCommand({ SecretId: 'clock/doomed', RecoveryWindowInDays: 7 }));
    assert.ok(Math.abs((del.DeletionDate?.getTime() ?? 0) - (Date.now() + offset + 7 * DAY)) < MIN, 'DeletionDate is seven days on');
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'clock/doomed' }));
    assert.ok(described.DeletedDate, 'DescribeSecret shows DeletedDate');
    const refused = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'clock/doomed' })));
    assert.deepEqual(refused, { name: 'InvalidRequestException', message: "You can't perform this operation on the secret because it was marked for deletion.", status: 400 });
    sm.destroy();

    offset += 7 * DAY + MIN;
    sm = client(await podCredentials(3600));
    const gone = await failure(sm.send(new DescribeSecretCommand({ SecretId: 'clock/doomed' })));
    assert.deepEqual(gone, { name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret.", status: 400 });
    const again = await sm.send(new CreateSecretCommand({ Name: 'clock/doomed', SecretString: 'fresh' }));
    assert.notEqual(again.ARN, created.ARN);
    const old = await failure(sm.send(new GetSecretValueCommand({ SecretId: created.ARN })));
    assert.equal(old.name, 'ResourceNotFoundException');
    await sm.send(new UpdateSecretCommand({ SecretId: 'clock/doomed', SecretString: `${SENTINEL}-3` }));
    // A request that fails inside the service after the value was decoded.
    const bad = await failure(sm.send(new PutSecretValueCommand({ SecretId: 'clock/nope', SecretString: `${SENTINEL}-4` })));
    assert.equal(bad.name, 'ResourceNotFoundException');
    sm.destroy();
  });

  it('no secret value reaches the server log or the store file in clear', async () => {
    assert.ok(logLines.some((l) => /^secretsmanager\.GetSecretValue 200 /.test(l)), 'the request log is on');
    assert.ok(!logLines.some((l) => l.includes(SENTINEL)), 'a value in the log');
    await srv.close();
    for (const f of readdirSync(dir).filter((n) => n.startsWith('store.db'))) {
      const bytes = readFileSync(join(dir, f));
      assert.ok(!bytes.includes(SENTINEL), `${f} holds a value in clear`);
      assert.ok(!bytes.includes(Buffer.from(SENTINEL).toString('base64').slice(0, 24)), `${f} holds a value in base64`);
    }
  });
});
