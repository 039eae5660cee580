import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { PodRunnerError } from '../../../src/kube/exec/errors.js';
import { execPreparer, podDirectory, startPodSession } from '../../../src/kube/exec/pod-session.js';
import type { RequestToken } from '../../../src/kube/exec/token-projector.js';
import { irsaPod } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'irsa-session-'));
after(() => rmSync(root, { recursive: true, force: true }));

const calls: Parameters<RequestToken>[] = [];
const requestToken: RequestToken = async (...a) => {
  calls.push(a);
  return { token: `token-for-${a[2].audiences.join(',') || 'default'}`, expirationTimestamp: new Date(Date.now() + 3600_000) };
};

function kubeApiAccessPod(): KubeObject {
  const pod = irsaPod({ name: 'web', namespace: 'shop' });
  const spec = pod['spec'] as { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] };
  spec.volumes.push({
    name: 'kube-api-access',
    projected: {
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { secret: { name: 'extra', optional: true } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  });
  spec.containers[0]?.volumeMounts.push({ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
  return pod;
}

describe('startPodSession', () => {
  it('writes HOME (0700), the tokens (0600) and the static projected files; stop() ends refreshing', async () => {
    const s = await startPodSession(kubeApiAccessPod(), undefined, false, {
      podsRoot: root,
      awsEndpointUrl: 'http://127.0.0.1:1',
      requestToken,
      resolve: async (kind, ns, name) => (kind === 'ConfigMap' && ns === 'shop' && name === 'kube-root-ca.crt' ? { data: { 'ca.crt': 'PEM' } } : undefined),
    });
    const dir = join(root, 'shop', 'web');
    assert.equal(s.podDir, dir);
    assert.equal(s.cwd, join(dir, 'home'));
    assert.equal(statSync(join(dir, 'home')).mode & 0o777, 0o700);
    assert.equal(readFileSync(s.env['AWS_WEB_IDENTITY_TOKEN_FILE'] ?? '', 'utf8'), 'token-for-sts.amazonaws.com');
    assert.equal(statSync(s.env['AWS_WEB_IDENTITY_TOKEN_FILE'] ?? '').mode & 0o777, 0o600);
    const api = join(dir, 'volumes', 'kube-api-access');
    assert.equal(readFileSync(join(api, 'token'), 'utf8'), 'token-for-default');
    assert.equal(readFileSync(join(api, 'ca.crt'), 'utf8'), 'PEM');
    assert.equal(readFileSync(join(api, 'namespace'), 'utf8'), 'shop');
    assert.deepEqual(s.warnings, []);
    assert.deepEqual(
      calls.map((c) => [c[0], c[1], c[2].expirationSeconds, c[2].boundPod.name]),
      [
        ['shop', 'default', 3600, 'web'],
        ['shop', 'default', 3607, 'web'],
      ],
    );
    s.stop();
  });

  it('a missing, non-optional projected source is a warning, not a failure', async () => {
    const s = await startPodSession(kubeApiAccessPod(), undefined, false, { podsRoot: join(root, 'b'), awsEndpointUrl: 'x', requestToken });
    assert.deepEqual(s.warnings, ['projected volume: configmap "kube-root-ca.crt" not found; its files are missing']);
    s.stop();
  });

  it('a failed first TokenRequest fails the session', async () => {
    await assert.rejects(
      startPodSession(irsaPod(), undefined, false, { podsRoot: join(root, 'c'), awsEndpointUrl: 'x', requestToken: () => Promise.reject(new Error('forbidden')) }),
      (e: unknown) => e instanceof PodRunnerError && e.code === 'TokenRequestFailed',
    );
  });

  it('execPreparer gives the API the env, cwd and stop of a session', async () => {
    const prepare = execPreparer({ podsRoot: join(root, 'd'), awsEndpointUrl: 'http://e', requestToken, kubeApi: { host: '127.0.0.1', port: 6443 } });
    const s = await prepare(irsaPod(), 'balajilovesoreos', { tty: true });
    assert.equal(s.env['TERM'], 'xterm');
    assert.equal(s.env['KUBERNETES_SERVICE_PORT'], '6443');
    assert.equal(s.cwd, join(root, 'd', 'default', 'balajilovesoreos', 'home'));
    await s.stop?.();
    await assert.rejects(prepare(irsaPod(), 'nope', { tty: false }), /container nope is not valid for pod balajilovesoreos/);
  });

  it('podDirectory keeps odd names inside the root', () => {
    assert.equal(podDirectory('/r', { metadata: { name: '..', namespace: 'a/b' } }), '/r/a_b/_..');
  });
});
