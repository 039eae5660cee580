/**
 * `irsa exec` end to end against stand-ins for the embedded Kubernetes API and STS, with the real
 * `aws` CLI and boto3 inside the "pod": they must read the projected token from the remapped file
 * and call AssumeRoleWithWebIdentity at AWS_ENDPOINT_URL, exactly as in an EKS pod.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { irsaAsync } from '../../support/run-cli.js';
import { repoRoot } from '../../support/shared.js';
import { ROLE_ARN, irsaPod } from './fixtures.js';
import { key, startStubKubeApi, type StubKubeApi } from './stub-kube-api.js';
import { STUB_ACCESS_KEY, startStubSts, type StubSts } from './stub-sts.js';

const hasAws = spawnSync('aws', ['--version']).status === 0;
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3']).status === 0;

let kube: StubKubeApi;
let sts: StubSts;
const dataDir = mkdtempSync(join(tmpdir(), 'irsa-exec-cli-'));

before(async () => {
  sts = await startStubSts();
  kube = await startStubKubeApi({ podsRoot: join(dataDir, 'server-pods'), awsEndpointUrl: sts.url });
  // As `irsa up` writes them: the state, and a kubeconfig naming the cluster (its pods live in pods/<cluster>/).
  const kubeconfig = join(dataDir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: other', '  cluster:', '    server: http://127.0.0.1:1', '- name: local', '  cluster:', `    server: ${kube.url}`, 'contexts: []', ''].join('\n'),
  );
  writeFileSync(
    join(dataDir, 'server.json'),
    JSON.stringify({ pid: process.pid, endpoint: sts.url, region: 'us-west-2', account: '111122223333', store: 'stub', startedAt: new Date().toISOString(), kubeEndpoint: kube.url, kubeconfig }),
  );
  const app = irsaPod({ name: 'app', namespace: 'demo' });
  (app['spec'] as Record<string, unknown>)['serviceAccountName'] = 'app';
  kube.objects.set(key('Pod', 'demo', 'app'), app);
  kube.objects.set(key('ServiceAccount', 'demo', 'app'), { kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'demo' } });
  const two = irsaPod({ name: 'two', namespace: 'demo' });
  const spec = two['spec'] as { containers: Record<string, unknown>[]; serviceAccountName: string };
  spec.serviceAccountName = 'app';
  spec.containers.push({ name: 'side', env: [{ name: 'WHO', value: 'side' }] });
  kube.objects.set(key('Pod', 'demo', 'two'), two);
  kube.objects.set(key('Pod', 'demo', 'done'), { ...irsaPod({ name: 'done', namespace: 'demo' }), status: { phase: 'Succeeded' } });
});
after(async () => {
  await kube.close();
  await sts.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `irsa exec ARGS` from source, asynchronously (the stand-in servers live in this process). */
function irsaExec(args: string[], input?: string): Promise<Run> {
  return irsaAsync(['exec', '--data-dir', dataDir, ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAHOSTADMIN', AWS_SECRET_ACCESS_KEY: 'host-secret', AWS_PROFILE: 'nope' },
    ...(input === undefined ? {} : { input }),
  });
}

describe('irsa exec', () => {
  it('runs with the pod env: token file remapped (0600, fresh from TokenRequest bound to the pod), AWS_ENDPOINT_URL, HOME', async () => {
    const before = kube.tokenRequests.length;
    const r = await irsaExec(['-n', 'demo', 'app', '--', 'sh', '-c', 'echo "$AWS_WEB_IDENTITY_TOKEN_FILE"; cat "$AWS_WEB_IDENTITY_TOKEN_FILE"; echo; stat -c %a "$AWS_WEB_IDENTITY_TOKEN_FILE"; echo "$AWS_ENDPOINT_URL $HOME $HOSTNAME $AWS_REGION ${AWS_ACCESS_KEY_ID:-none}"']);
    assert.equal(r.status, 0, r.stderr);
    const [file, token, mode, rest] = r.stdout.trim().split('\n');
    assert.equal(file, join(dataDir, 'pods', 'local', 'demo', 'app', 'volumes', 'aws-iam-token', 'token'));
    const tr = kube.tokenRequests[before];
    assert.ok(tr);
    assert.equal(token, tr.token);
    assert.equal(mode, '600');
    assert.equal(rest, `${sts.url} ${join(dataDir, 'pods', 'local', 'demo', 'app', 'home')} app us-west-2 none`);
    assert.deepEqual(tr.body.spec, {
      audiences: ['sts.amazonaws.com'],
      expirationSeconds: 3600,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'app', uid: 'be8695c4-4ad0-4038-8786-c508853aa255' },
    });
    assert.equal(tr.serviceAccount, 'app');
    assert.equal(statSync(join(dataDir, 'pods', 'local', 'demo', 'app', 'home')).mode & 0o777, 0o700);
  });

  it('the real aws CLI gets credentials through AssumeRoleWithWebIdentity at AWS_ENDPOINT_URL', { skip: hasAws ? false : 'aws CLI not installed' }, async () => {
    const from = sts.calls.length;
    const r = await irsaExec(['-n', 'demo', 'app', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Arn: string }).Arn, 'arn:aws:sts::111122223333:assumed-role/s3-reader/stub');
    const calls = sts.calls.slice(from);
    assert.deepEqual(
      calls.map((c) => c.action),
      ['AssumeRoleWithWebIdentity', 'GetCallerIdentity'],
    );
    const assume = calls[0];
    assert.equal(assume?.params['RoleArn'], ROLE_ARN);
    assert.equal(assume?.params['WebIdentityToken'], kube.tokenRequests.at(-1)?.token);
    assert.equal(assume?.authorization, undefined, 'AssumeRoleWithWebIdentity is unsigned');
    assert.match(calls[1]?.authorization ?? '', new RegExp(`Credential=${STUB_ACCESS_KEY}/`), 'signed with the web-identity credentials, not the host admin keys');
    assert.equal(calls[1]?.securityToken, 'stub-session-token');
  });

  it('boto3 does the same', { skip: hasBoto3 ? false : 'boto3 not installed' }, async () => {
    const from = sts.calls.length;
    const r = await irsaExec(['-n', 'demo', 'app', '--', 'python3', '-c', 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'arn:aws:sts::111122223333:assumed-role/s3-reader/stub');
    assert.equal(sts.calls[from]?.params['WebIdentityToken'], kube.tokenRequests.at(-1)?.token);
  });

  it("exits with the command's exit code (and 128+signal)", async () => {
    assert.equal((await irsaExec(['-n', 'demo', 'app', '--', 'sh', '-c', 'exit 7'])).status, 7);
    assert.equal((await irsaExec(['-n', 'demo', 'app', '--', 'sh', '-c', 'kill -TERM $$'])).status, 143);
  });

  it('-i passes stdin; without -i the command sees an empty stdin', async () => {
    assert.equal((await irsaExec(['-i', '-n', 'demo', 'app', '--', 'cat'], 'hello\n')).stdout, 'hello\n');
    assert.equal((await irsaExec(['-n', 'demo', 'app', '--', 'cat'], 'hello\n')).stdout, '');
  });

  it('-it without a terminal falls back like kubectl', async () => {
    const r = await irsaExec(['-it', '-n', 'demo', 'app', '--', 'sh', '-c', 'cat; tty || true'], 'x\n');
    assert.match(r.stderr, /Unable to use a TTY - input is not a terminal or the right kind of file/);
    assert.equal(r.stdout, 'x\nnot a tty\n');
  });

  it('-it on a terminal runs on a pty of the terminal size and keeps the exit code', async () => {
    const runner = join(repoRoot, 'test/support/irsa-cli.mts');
    const cmd = `stty cols 100 rows 33; '${process.execPath}' --import tsx '${runner}' exec --data-dir '${dataDir}' -it -n demo app -- sh -c 'tty; stty size; read line; echo "got $line"; sleep 0.3; exit 6'`;
    // (The pause keeps the check off the race of two pty layers, `script`'s and ours, draining at exit.)
    const r = await new Promise<Run>((resolve) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let typed = false;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!typed && /33 100/.test(stdout)) {
          typed = true;
          child.stdin.write('hi\r');
        }
      });
      child.on('close', (status) => resolve({ status, stdout, stderr: '' }));
    });
    assert.equal(r.status, 6, r.stdout);
    // Node's raw mode keeps ONLCR on irsa's own terminal, so the pty's \r\n shows as \r\r\n here (same on screen).
    assert.match(r.stdout, /\/dev\/pts\/\d+\r\r?\n33 100\r\r?\n/);
    assert.match(r.stdout, /got hi/);
    assert.doesNotMatch(r.stdout, /Unhandled|Error/);
  });

  it('-c picks a container; several containers default to the first with a notice', async () => {
    const side = await irsaExec(['-n', 'demo', '-c', 'side', 'two', '--', 'sh', '-c', 'echo $WHO; echo ${AWS_WEB_IDENTITY_TOKEN_FILE:-unset}']);
    assert.equal(side.stdout, 'side\nunset\n');
    const first = await irsaExec(['-n', 'demo', 'two', '--', 'true']);
    assert.equal(first.status, 0);
    assert.match(first.stderr, /Defaulted container "balajilovesoreos" out of: balajilovesoreos, side/);
  });

  const failures: [string, string[], number, RegExp][] = [
    ['an unknown container', ['-n', 'demo', '-c', 'nope', 'app', '--', 'true'], 1, /container nope is not valid for pod app/],
    ['an unknown pod', ['-n', 'demo', 'ghost', '--', 'true'], 1, /pods "ghost" not found/],
    ['a completed pod', ['-n', 'demo', 'done', '--', 'true'], 1, /cannot exec into a container in a completed pod; current phase is Succeeded/],
    ['a missing command', ['-n', 'demo', 'app', '--', 'nosuchcmd-irsa'], 127, /exec: "nosuchcmd-irsa": executable file not found in \$PATH/],
    ['no `--`', ['-n', 'demo', 'app', 'true'], 2, /exec POD COMMAND is not supported: use exec POD -- COMMAND/],
    ['a pod of another namespace', ['-n', 'other', 'app', '--', 'true'], 1, /pods "app" not found/],
  ];
  for (const [name, args, code, message] of failures) {
    it(`fails clearly for ${name}`, async () => {
      const r = await irsaExec(args);
      assert.equal(r.status, code, r.stderr);
      assert.match(r.stderr, message);
    });
  }

  it('fails clearly when TokenRequest fails', async () => {
    const orphan = irsaPod({ name: 'orphan', namespace: 'demo' });
    (orphan['spec'] as Record<string, unknown>)['serviceAccountName'] = 'missing-sa';
    kube.objects.set(key('Pod', 'demo', 'orphan'), orphan);
    const r = await irsaExec(['-n', 'demo', 'orphan', '--', 'true']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /token for projected volume aws-iam-token \(serviceaccount demo\/missing-sa\): serviceaccounts "missing-sa" not found/);
  });

  it('fails clearly without a running server', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'irsa-exec-empty-'));
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/irsa-cli.mts'), 'exec', '--data-dir', empty, 'app', '--', 'true'], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(child.status, 1);
      assert.match(child.stderr, /irsa-local is not running with data directory .*irsa up.*--kube-server/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('writes nothing but 0700/0600 files in the data directory', () => {
    const token = join(dataDir, 'pods', 'local', 'demo', 'app', 'volumes', 'aws-iam-token', 'token');
    assert.equal(statSync(token).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'pods', 'local', 'demo', 'app', 'volumes')).mode & 0o777, 0o700);
    assert.ok(readFileSync(token, 'utf8').split('.').length === 3);
  });
});
