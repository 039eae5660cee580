/**
 * Two `irsa up` replicas on one PostgreSQL behave as one service: real child processes, the real
 * aws CLI and kubectl. Credentials minted by one are accepted by the other, a policy changed
 * through one is enforced by the other within the documented bound, a pod created through one
 * replica's Kubernetes API is visible (and watched) through the other's, both serve the same
 * JWKS and CA, a replica with the wrong data key refuses to start, and a replica that loses the
 * database answers 503 and recovers by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHARED_CACHE_TTL_MS } from '../../src/server/app.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { KUBECTL } from '../support/kube.js';
import { kubectl, mustKubectl } from '../support/irsa-pod.js';
import { spawnCollect } from '../support/run-cli.js';
import { repoRoot } from '../support/shared.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const pgOrSkip = await startTestPostgres();
const skip = 'skip' in pgOrSkip ? pgOrSkip.skip : false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `deadlineMs` passes; resolves whether it did. */
async function eventually(probe: () => Promise<boolean> | boolean, deadlineMs: number, everyMs = 200): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}

describe('two irsa up replicas on one PostgreSQL', { skip }, () => {
  const pg = pgOrSkip as TestPostgres;
  const dataKey = randomBytes(32).toString('base64');
  let a: IrsaProcess;
  let b: IrsaProcess;
  let oidcA = 0;
  let oidcB = 0;
  let work: string;
  const dirs: string[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'irsa-replicas-'));
    oidcA = await freePort();
    oidcB = await freePort();
    a = await startIrsa({ store: pg.url, dataKey, args: ['--oidc-port', String(oidcA), '--issuer-url', `https://127.0.0.1:${oidcA}`] });
    dirs.push(a.dataDir);
    // B names no issuer URL: it uses the stored one.
    b = await startIrsa({ store: pg.url, dataKey, args: ['--oidc-port', String(oidcB)] });
    dirs.push(b.dataDir);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    for (const d of dirs) removeDir(d);
    if (work) rmSync(work, { recursive: true, force: true });
    await pg.stop();
  });

  it('serves the same CA, issuer URL and JWKS from both replicas', async () => {
    const caA = readFileSync(join(a.dataDir, 'ca.crt'), 'utf8');
    const caB = readFileSync(join(b.dataDir, 'ca.crt'), 'utf8');
    assert.equal(caA, caB);
    const issuerA = aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], a.env).stdout.trim();
    const issuerB = aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], b.env).stdout.trim();
    assert.match(issuerA, new RegExp(`^https://127\\.0\\.0\\.1:${oidcA}/id/[0-9A-F]{32}$`));
    assert.equal(issuerB, issuerA);
    const path = new URL(issuerA).pathname;
    const jwksA = await httpsGet(`https://127.0.0.1:${oidcA}${path}/keys`, caA);
    const jwksB = await httpsGet(`https://127.0.0.1:${oidcB}${path}/keys`, caA);
    assert.equal(jwksA.status, 200);
    assert.equal(jwksB.status, 200);
    assert.deepEqual(JSON.parse(jwksB.body), JSON.parse(jwksA.body));
    assert.ok((JSON.parse(jwksA.body) as { keys: unknown[] }).keys.length >= 1);
    const discoveryB = JSON.parse((await httpsGet(`https://127.0.0.1:${oidcB}${path}/.well-known/openid-configuration`, caA)).body) as { issuer: string };
    assert.equal(discoveryB.issuer, issuerA);
  });

  let roleArn = '';
  let tokenFile = '';

  it('accepts credentials minted by the other replica, and enforces a policy changed through it', async () => {
    const issuer = aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], a.env).stdout.trim();
    const thumbprint = createHash('sha1').update(new X509Certificate(readFileSync(join(a.dataDir, 'ca.crt'))).raw).digest('hex');
    const provider = aws(['iam', 'create-open-id-connect-provider', '--url', issuer, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', thumbprint], a.env);
    assert.equal(provider.status, 0, provider.stderr);
    const providerArn = (JSON.parse(provider.stdout) as { OpenIDConnectProviderArn: string }).OpenIDConnectProviderArn;
    const hostPath = issuer.replace(/^https:\/\//, '');
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:sub`]: 'system:serviceaccount:default:app', [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
        },
      ],
    };
    // The role is created through B, its permissions through A.
    const role = aws(['iam', 'create-role', '--role-name', 'replica-app', '--assume-role-policy-document', JSON.stringify(trust)], b.env);
    assert.equal(role.status, 0, role.stderr);
    roleArn = (JSON.parse(role.stdout) as { Role: { Arn: string } }).Role.Arn;
    const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }] };
    assert.equal(aws(['iam', 'put-role-policy', '--role-name', 'replica-app', '--policy-name', 'list', '--policy-document', JSON.stringify(allow)], a.env).status, 0);

    // A token from A's Kubernetes API (signed with the shared key), exchanged at B.
    mustKubectl(a, ['create', 'serviceaccount', 'app']);
    const token = mustKubectl(a, ['create', 'token', 'app', '--audience', 'sts.amazonaws.com']).trim();
    tokenFile = join(work, 'token');
    writeFileSync(tokenFile, token);
    const assumed = aws(['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'from-b', '--web-identity-token', `file://${tokenFile}`], {
      AWS_ENDPOINT_URL: b.url,
      AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1',
    });
    assert.equal(assumed.status, 0, assumed.stderr);
    const creds = (JSON.parse(assumed.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
    const session = (srv: IrsaProcess) => ({
      AWS_ENDPOINT_URL: srv.url,
      AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: creds.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
      AWS_SESSION_TOKEN: creds.SessionToken,
    });
    // Minted by B, accepted by A (and by B).
    const idA = aws(['sts', 'get-caller-identity'], session(a));
    assert.equal(idA.status, 0, idA.stderr);
    assert.match(idA.stdout, /assumed-role\/replica-app\/from-b/);
    assert.equal(aws(['iam', 'list-roles'], session(a)).status, 0);
    assert.equal(aws(['iam', 'list-roles'], session(b)).status, 0);

    // The aws CLI's own web identity provider (AWS_ROLE_ARN + token file), as in a pod, at A.
    const podEnv = { AWS_ENDPOINT_URL: a.url, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_SESSION_NAME: 'pod' };
    const pod = aws(['sts', 'get-caller-identity'], podEnv);
    assert.equal(pod.status, 0, pod.stderr);
    assert.match(pod.stdout, /assumed-role\/replica-app\/pod/);

    // B has the allow cached; the policy is removed through A: B denies within the bound.
    assert.equal(aws(['iam', 'delete-role-policy', '--role-name', 'replica-app', '--policy-name', 'list'], a.env).status, 0);
    let last = '';
    const denied = await eventually(() => {
      const r = aws(['iam', 'list-roles'], session(b));
      last = r.stderr;
      return r.status !== 0 && /AccessDenied/.test(r.stderr);
    }, SHARED_CACHE_TTL_MS + 20_000);
    assert.ok(denied, `B still allows iam:ListRoles after the policy was deleted through A: ${last}`);
  });

  it('shows a pod created through one replica in the other (get and watch)', async () => {
    // A watch on B started before the pod exists.
    const home = mkdtempSync(join(tmpdir(), 'irsa-replica-watch-'));
    const watch = spawn(KUBECTL, ['--cache-dir', join(home, 'cache'), 'get', 'pods', '--watch', '--output', 'name'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: b.env['KUBECONFIG'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let watched = '';
    watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    watch.stderr.on('data', (d: Buffer) => (watched += d.toString()));
    try {
      // Let the watch be established (its initial list is empty) before the pod is created.
      await eventually(() => kubectl(b, ['get', 'pods']).status === 0, 10_000);
      await sleep(1000);
      mustKubectl(
        a,
        ['apply', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'made-on-a', namespace: 'default' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'busybox' }] } }),
      );
      const got = mustKubectl(b, ['get', 'pod', 'made-on-a', '--output', 'json']);
      assert.equal((JSON.parse(got) as { metadata: { name: string } }).metadata.name, 'made-on-a');
      const seen = await eventually(() => watched.includes('pod/made-on-a'), 20_000);
      assert.ok(seen, `kubectl get pods --watch on B did not see the pod created through A:\n${watched}`);
    } finally {
      watch.kill('SIGTERM');
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('irsa env --store prints the shared endpoint and the administrator; both need the data key; no password is ever printed', async () => {
    const cli = (args: string[], env: Record<string, string>) =>
      spawnCollect(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/irsa-cli.mts'), ...args], { env: { ...process.env, IRSA_DATA_KEY: '', IRSA_STORE: '', ...env } });
    const out = await cli(['env', '--store', pg.url], { IRSA_DATA_KEY: dataKey });
    assert.equal(out.status, 0, out.stderr);
    // No --public-url was given: the first replica's address was recorded for all.
    assert.match(out.stdout, new RegExp(`^export AWS_ENDPOINT_URL='${a.url}'$`, 'm'));
    assert.match(out.stdout, new RegExp(`^export AWS_ACCESS_KEY_ID='${a.env['AWS_ACCESS_KEY_ID']}'$`, 'm'));
    assert.match(out.stdout, new RegExp(`^export AWS_SECRET_ACCESS_KEY='${(a.env['AWS_SECRET_ACCESS_KEY'] ?? '').replace(/[+/]/g, '\\$&')}'$`, 'm'));
    const noKey = await cli(['env', '--store', pg.url], {});
    assert.equal(noKey.status, 1);
    assert.match(noKey.stderr, /needs the data key/);
    // A connection string with a password, to a database that is not there.
    const secretUrl = 'postgres://irsa:hunter2-secret@127.0.0.1:1/irsa';
    const up = await cli(['up', '--store', secretUrl, '--port', '0', '--oidc-port', '0', '--kube-port', '0', '--data-dir', join(work, 'nodb')], { IRSA_DATA_KEY: dataKey });
    assert.equal(up.status, 1, up.stderr);
    assert.match(up.stderr, /cannot open the PostgreSQL store/);
    assert.doesNotMatch(up.stdout + up.stderr, /hunter2/);
    const env = await cli(['env', '--store', secretUrl], { IRSA_DATA_KEY: dataKey });
    assert.notEqual(env.status, 0);
    assert.doesNotMatch(env.stdout + env.stderr, /hunter2/);
  });

  it('refuses to start a replica with another data key', async () => {
    const wrong = randomBytes(32).toString('base64');
    await assert.rejects(startIrsa({ store: pg.url, dataKey: wrong }), (e: Error) => {
      assert.match(e.message, /data key does not match/);
      assert.doesNotMatch(e.message, /internal error/);
      return true;
    });
    await assert.rejects(startIrsa({ store: pg.url }), /needs the data key/);
  });

  it('answers 503 while PostgreSQL is down and recovers by itself', async () => {
    assert.ok(pg.halt && pg.resume, 'this PostgreSQL cannot be stopped and started by the test (IRSA_PG_URL)');
    const health = async (srv: IrsaProcess) => {
      const r = await fetch(`${srv.url}/_irsa/health`);
      return { status: r.status, body: (await r.json()) as { status: string; store: string } };
    };
    assert.deepEqual((await health(b)).body.status, 'ok');
    assert.equal((await health(b)).body.store, 'postgres');
    await pg.halt();
    try {
      assert.ok(await eventually(async () => (await health(b)).status === 503, 30_000), 'health never turned 503');
      assert.equal((await health(b)).body.status, 'unavailable');
      // An AWS request: ServiceUnavailable in the query protocol.
      const sts = await fetch(`${b.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
      assert.equal(sts.status, 503);
      assert.match(await sts.text(), /<Code>ServiceUnavailable<\/Code>/);
      // A Kubernetes request: a Status with code 503.
      const r = kubectl(b, ['get', 'pods', '--request-timeout', '5s']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /ServiceUnavailable|unable to handle the request|503/);
    } finally {
      await pg.resume();
    }
    assert.ok(await eventually(async () => (await health(b)).status === 200, 60_000), 'health never recovered');
    assert.ok(await eventually(async () => (await health(a)).status === 200, 60_000), 'health of A never recovered');
    const id = aws(['sts', 'get-caller-identity'], b.env);
    assert.equal(id.status, 0, id.stderr);
    assert.match(mustKubectl(b, ['get', 'pod', 'made-on-a', '--output', 'name']), /pod\/made-on-a/);
    // Writes work again, and the other replica hears of them.
    assert.equal(aws(['iam', 'create-role', '--role-name', 'after-outage', '--assume-role-policy-document', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] })], a.env).status, 0);
    assert.equal(aws(['iam', 'get-role', '--role-name', 'after-outage'], b.env).status, 0);
  });
});
