/**
 * The real kubectl (1.32 through the dispatcher) exec'ing into pods of the embedded Kubernetes
 * API, with the exec handler wired through the harness's documented `exec` option. The pod's
 * tokens come through the API's real TokenRequest path, bound to the pod.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeApiClient } from '../../../src/kube/exec/api-client.js';
import { execPreparer } from '../../../src/kube/exec/pod-session.js';
import type { RequestToken } from '../../../src/kube/exec/token-projector.js';
import { execUpgradeHandler } from '../../../src/kube/exec/websocket.js';
import { irsaAsync } from '../../support/run-cli.js';
import { repoRoot } from '../../support/shared.js';
import { ROLE_ARN, alive, irsaPod } from './fixtures.js';
import { startStubSts, type StubSts } from './stub-sts.js';

const SUPPORT = join(repoRoot, 'test', 'support', 'kube.ts');
const skip = !existsSync(SUPPORT) ? 'needs test/support/kube.ts' : spawnSync('kubectl', ['version', '--client']).status !== 0 ? 'kubectl not installed' : false;
const hasAws = spawnSync('aws', ['--version']).status === 0;

type Harness = Awaited<ReturnType<typeof import('../../support/kube.js').startKubeApi>>;

let k: Harness;
let sts: StubSts;
const work = mkdtempSync(join(tmpdir(), 'irsa-kubectl-exec-'));
const podsRoot = join(work, 'pods');
const home = join(work, 'home');
const cacheDir = join(work, 'cache');

before(async () => {
  if (skip) return;
  mkdirSync(home, { recursive: true });
  sts = await startStubSts();
  const { startKubeApi } = await import('../../support/kube.js');
  let url = '';
  // The server's own TokenRequest path, over HTTP as the kubelet would call it.
  const requestToken: RequestToken = (...a) => new KubeApiClient({ server: url }).requestToken(...a);
  k = await startKubeApi({ exec: execUpgradeHandler(execPreparer({ podsRoot, awsEndpointUrl: sts.url, requestToken, defaultRegion: 'us-east-1' })) });
  url = k.url;
  for (const args of [
    ['create', 'namespace', 'demo'],
    ['create', 'serviceaccount', 'app', '-n', 'demo'],
  ]) {
    const r = await k.kubectl(args);
    assert.equal(r.status, 0, r.stderr);
  }
  const pod = irsaPod({ name: 'app', namespace: 'demo' });
  const meta = pod.metadata as Record<string, unknown>;
  delete meta['uid'];
  delete pod['status'];
  (pod['spec'] as Record<string, unknown>)['serviceAccountName'] = 'app';
  const r = await k.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(pod) });
  assert.equal(r.status, 0, r.stderr);
});

let closed = false;
after(async () => {
  if (!closed) await k?.close();
  await sts?.close();
  rmSync(work, { recursive: true, force: true });
});

function kubectlEnv(): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: k.kubeconfigPath };
}

describe('kubectl exec against the embedded API', { skip }, () => {
  it('stdout and stderr apart; exit 3 → `command terminated with exit code 3`, rc 3', async () => {
    const r = await k.kubectl(['exec', '-n', 'demo', 'app', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
  });

  it('the pod env: token file remapped, a JWT bound to the pod from TokenRequest; role and endpoint', async () => {
    const r = await k.kubectl(['exec', '-n', 'demo', 'app', '--', 'sh', '-c', 'echo $AWS_WEB_IDENTITY_TOKEN_FILE; echo $AWS_ROLE_ARN; echo $AWS_ENDPOINT_URL; echo $AWS_REGION; cat $AWS_WEB_IDENTITY_TOKEN_FILE']);
    assert.equal(r.status, 0, r.stderr);
    const [file, role, endpoint, region, token] = r.stdout.split('\n');
    assert.equal(file, join(podsRoot, 'demo', 'app', 'volumes', 'aws-iam-token', 'token'));
    assert.equal(role, ROLE_ARN);
    assert.equal(endpoint, sts.url);
    assert.equal(region, 'us-east-1');
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; aud: string[]; exp: number; iat: number; 'kubernetes.io': { pod?: { name: string } } };
    assert.equal(claims.sub, 'system:serviceaccount:demo:app');
    assert.deepEqual(claims.aud, ['sts.amazonaws.com']);
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims['kubernetes.io'].pod?.name, 'app');
    assert.equal(readFileSync(file ?? '', 'utf8'), token);
  });

  it('the real aws CLI in the pod calls AssumeRoleWithWebIdentity with the projected token', { skip: hasAws ? false : 'aws CLI not installed' }, async () => {
    const from = sts.calls.length;
    const r = await k.kubectl(['exec', '-n', 'demo', 'app', '--', 'aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'arn:aws:sts::111122223333:assumed-role/s3-reader/stub');
    const assume = sts.calls[from];
    assert.equal(assume?.action, 'AssumeRoleWithWebIdentity');
    assert.equal(assume?.params['RoleArn'], ROLE_ARN);
    assert.equal(assume?.params['WebIdentityToken'], readFileSync(join(podsRoot, 'demo', 'app', 'volumes', 'aws-iam-token', 'token'), 'utf8'));
  });

  it('-i: stdin reaches the command and EOF ends cat; 5 MB round trip', async () => {
    assert.equal((await k.kubectl(['exec', '-i', '-n', 'demo', 'app', '--', 'cat'], { stdin: 'hello\n' })).stdout, 'hello\n');
    const big = randomBytes(3_750_000).toString('base64');
    const r = await k.kubectl(['exec', '-i', '-n', 'demo', 'app', '--', 'cat'], { stdin: big });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.length, big.length);
    assert.ok(r.stdout === big);
  });

  it('-c nope → Error from server (BadRequest), rc 1', async () => {
    const r = await k.kubectl(['exec', '-n', 'demo', '-c', 'nope', 'app', '--', 'true']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Error from server \(BadRequest\): container nope is not valid for pod app/);
  });

  it('a command that cannot start → `error: failed to exec in container: …`, rc 1', async () => {
    const r = await k.kubectl(['exec', '-n', 'demo', 'app', '--', 'nosuchcmd-irsa']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: failed to exec in container: exec: "nosuchcmd-irsa": executable file not found in \$PATH/);
  });

  it('-it on a terminal: a pty with the terminal size, exit code kept', async () => {
    const cmd = `stty cols 120 rows 40; kubectl --cache-dir '${cacheDir}' exec -it -n demo app -- /bin/sh -c 'tty; stty size; exit 4'`;
    // Not spawnSync: the API server runs in this process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      // stdin stays an open pipe: at EOF `script` types an EOF character into the terminal, which
      // kubectl would forward as input (and the pty echo as `^@`).
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: kubectlEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(r.status, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r\n40 120\r\n/);
    assert.match(r.stdout, /command terminated with exit code 4/);
  });

  it('killing kubectl kills the command and its children', async () => {
    const child = spawn('kubectl', ['--cache-dir', cacheDir, 'exec', '-n', 'demo', 'app', '--', 'sh', '-c', 'sleep 300 & echo $!; wait'], { env: kubectlEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (c) => reject(new Error(`kubectl exited ${String(c)}`)));
    });
    assert.ok(alive(pid));
    child.kill('SIGKILL');
    const end = Date.now() + 10_000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false, 'the sleep died with the session');
  });

  it('irsa exec against the same API: TokenRequest over HTTP bound to the pod, the pod env', async () => {
    const dataDir = join(work, 'irsa-data');
    const r = await irsaAsync(['exec', '--data-dir', dataDir, '--kube-server', k.url, '--endpoint', sts.url, '-n', 'demo', 'app', '--', 'sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; cat $AWS_WEB_IDENTITY_TOKEN_FILE']);
    assert.equal(r.status, 0, r.stderr);
    const [service, token] = r.stdout.split('\n');
    assert.equal(service, new URL(k.url).host);
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as { 'kubernetes.io': { pod?: { name: string; uid: string } } };
    assert.equal(claims['kubernetes.io'].pod?.name, 'app');
    // No server state, so no kubeconfig naming the cluster: the pods of this API live under <host>_<port>.
    assert.equal(readFileSync(join(dataDir, 'pods', `127.0.0.1_${new URL(k.url).port}`, 'demo', 'app', 'volumes', 'aws-iam-token', 'token'), 'utf8'), token);
  });

  // Last: it stops the server.
  it('stopping the API server ends its exec sessions and kills their commands', async () => {
    const child = spawn('kubectl', ['--cache-dir', cacheDir, 'exec', '-n', 'demo', 'app', '--', 'sh', '-c', 'sleep 300 & echo $!; wait'], { env: kubectlEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (c) => reject(new Error(`kubectl exited ${String(c)}`)));
    });
    assert.ok(alive(pid));
    closed = true;
    await k.close(); // returns: the open session does not hold the server up
    const end = Date.now() + 10_000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false, 'the sleep died with the session');
    assert.notEqual(await exited, 0, 'kubectl saw the session end without success');
  });
});
