import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWebhook, type RunningWebhook } from '../../../src/cli/webhook.js';
import { ExitError, UsageError } from '../../../src/cli/errors.js';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { loadKubeConfig } from '../../../src/kube/webhook/kube-client.js';
import { createTestCa, issueCert, type TestCa } from '../../support/tls.js';
import { startFakeKubeApi, type FakeKubeApi } from './fake-kube-api.js';
import { httpsRequest, serviceAccount } from './support.js';

/**
 * `irsa webhook` as it runs in a cluster: HTTPS with its own certificate, ServiceAccounts from an
 * informer on a Kubernetes API (here a minimal fake over HTTPS with a bearer token), and the live
 * GET on a miss (#174).
 */
const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';

function tlsFiles(ca: TestCa): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-webhook-tls-'));
  const c = issueCert(ca, ['127.0.0.1']);
  writeFileSync(join(dir, 'tls.crt'), c.fullChainPem);
  writeFileSync(join(dir, 'tls.key'), c.keyPem);
  return { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

function admissionReview(namespace: string, serviceAccountName: string, uid = 'req-1'): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, namespace, operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', labels: { app: 'x' } }, spec: { serviceAccountName, containers: [{ name: 'app', image: 'amazonlinux' }] } } },
  });
}

interface Review {
  apiVersion: string;
  response: { uid: string; allowed: boolean; patch?: string };
}

async function admit(webhook: RunningWebhook, ca: TestCa, namespace: string, sa: string): Promise<{ review: Review; patch: string }> {
  const r = await httpsRequest(`https://127.0.0.1:${webhook.port}/mutate`, ca.certPem, { method: 'POST', body: admissionReview(namespace, sa), contentType: 'application/json' });
  assert.equal(r.status, 200, r.body);
  const review = JSON.parse(r.body) as Review;
  return { review, patch: review.response.patch ? Buffer.from(review.response.patch, 'base64').toString('utf8') : '' };
}

async function eventually(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('irsa webhook with a ServiceAccount informer (fake Kubernetes API)', () => {
  let api: FakeKubeApi;
  let ca: TestCa;
  let tls: { cert: string; key: string };
  let webhook: RunningWebhook;
  const lines: string[] = [];

  before(async () => {
    api = await startFakeKubeApi();
    ca = createTestCa();
    tls = tlsFiles(ca);
    api.putServiceAccount(serviceAccount('team-a', 'reader', { 'eks.amazonaws.com/role-arn': ROLE }));
    api.putServiceAccount(serviceAccount('team-a', 'plain'));
    const running = await startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--kubeconfig', api.writeKubeconfig(), '--host', '127.0.0.1', '--port', '0', '--sts-regional-endpoint=false'], {
      log: (l) => lines.push(l),
    });
    assert.ok(running);
    webhook = running;
    await webhook.whenSynced();
  });
  after(async () => {
    await webhook?.close();
    await api?.close();
  });

  it('syncs the ServiceAccounts by list+watch and mutates from the cache, without a GET', async () => {
    assert.equal(webhook.ready(), true);
    const { review, patch } = await admit(webhook, ca, 'team-a', 'reader');
    assert.equal(review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(review.response.allowed, true);
    assert.match(patch, /"name":"AWS_ROLE_ARN","value":"arn:aws:iam::111122223333:role\/s3-reader"/);
    assert.doesNotMatch(patch, /AWS_STS_REGIONAL_ENDPOINTS/, '--sts-regional-endpoint=false');
    assert.deepEqual(api.gets, []);
    const plain = await admit(webhook, ca, 'team-a', 'plain');
    assert.equal(plain.review.response.patch, undefined, 'an SA without role-arn: allowed, no patch');
  });

  it('picks up a ServiceAccount added through the watch', async () => {
    api.putServiceAccount(serviceAccount('team-b', 'writer', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/writer' }));
    await eventually('the watch event', () => webhook.cached('team-b', 'writer') !== undefined);
    assert.match((await admit(webhook, ca, 'team-b', 'writer')).patch, /role\/writer/);
    assert.ok(!api.gets.includes('team-b/writer'));
  });

  it('#174: a ServiceAccount whose watch event has not arrived is fetched with a GET', async () => {
    api.putServiceAccount(serviceAccount('team-c', 'fresh', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/fresh' }), { watch: false });
    assert.match((await admit(webhook, ca, 'team-c', 'fresh')).patch, /role\/fresh/);
    assert.deepEqual(api.gets, ['team-c/fresh']);
    await admit(webhook, ca, 'team-c', 'fresh');
    assert.deepEqual(api.gets, ['team-c/fresh'], 'cached after the GET');
  });

  it('follows updates (annotation removed) and deletes', async () => {
    api.putServiceAccount(serviceAccount('team-b', 'writer'));
    await eventually('the update', () => webhook.cached('team-b', 'writer')?.metadata?.annotations?.['eks.amazonaws.com/role-arn'] === undefined);
    assert.equal((await admit(webhook, ca, 'team-b', 'writer')).review.response.patch, undefined);
    api.deleteServiceAccount('team-a', 'reader');
    await eventually('the delete', () => webhook.cached('team-a', 'reader') === undefined);
    assert.equal((await admit(webhook, ca, 'team-a', 'reader')).review.response.patch, undefined);
    assert.ok(api.gets.includes('team-a/reader'), 'a miss asks the API, which says 404');
  });

  it('re-watches when the API server ends the watch', async () => {
    api.dropWatches();
    await new Promise((r) => setTimeout(r, 100));
    api.putServiceAccount(serviceAccount('team-d', 'after-restart', { 'eks.amazonaws.com/role-arn': ROLE }));
    await eventually('the event on the new watch', () => webhook.cached('team-d', 'after-restart') !== undefined);
  });
});

describe('irsa webhook options', () => {
  let api: FakeKubeApi;
  let ca: TestCa;
  let tls: { cert: string; key: string };
  const started: RunningWebhook[] = [];
  const quiet = { log: () => undefined };

  before(async () => {
    api = await startFakeKubeApi();
    ca = createTestCa();
    tls = tlsFiles(ca);
  });
  after(async () => {
    for (const w of started) await w.close();
    await api.close();
  });

  async function start(extra: string[]): Promise<RunningWebhook> {
    const w = await startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--kubeconfig', api.writeKubeconfig(), '--host', '127.0.0.1', '--port', '0', ...extra], quiet);
    assert.ok(w);
    started.push(w);
    await w.whenSynced();
    return w;
  }

  it('--watch-config-map reads "ns/name" mappings from ConfigMap pod-identity-webhook in --namespace', async () => {
    api.putServiceAccount(serviceAccount('apps', 'mapped'));
    api.putConfigMap('irsa-system', 'pod-identity-webhook', {
      config: JSON.stringify({ 'apps/mapped': { RoleARN: 'arn:aws:iam::111122223333:role/from-cm', Audience: 'sts.amazonaws.com', UseRegionalSTS: true, TokenExpiration: 3600 } }),
    });
    api.putConfigMap('irsa-system', 'unrelated', { config: '{}' });
    const w = await start(['--watch-config-map', '--namespace', 'irsa-system']);
    // The ConfigMap informer syncs on its own; readiness only waits for the ServiceAccounts.
    let patch = '';
    for (const end = Date.now() + 5000; !patch.includes('from-cm') && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      patch = (await admit(w, ca, 'apps', 'mapped')).patch;
    }
    assert.match(patch, /role\/from-cm/);
    assert.match(patch, /"expirationSeconds":3600/);
    assert.match(patch, /AWS_STS_REGIONAL_ENDPOINTS/);
  });

  it('--watch-container-credentials-config switches listed SAs to EKS Pod Identity', async () => {
    api.putServiceAccount(serviceAccount('apps', 'pi', { 'eks.amazonaws.com/role-arn': ROLE }));
    const file = join(mkdtempSync(join(tmpdir(), 'irsa-pi-')), 'config.json');
    writeFileSync(file, JSON.stringify({ identities: [{ namespace: 'apps', serviceAccount: 'pi' }] }));
    const w = await start(['--watch-container-credentials-config', file, '--aws-default-region', 'eu-west-1', '--fs-group', '65534']);
    const { patch } = await admit(w, ca, 'apps', 'pi');
    assert.match(patch, /"path":"\/metadata\/labels\/eks.amazonaws.com~1pod-identity","value":"enabled"/);
    assert.match(patch, /AWS_CONTAINER_CREDENTIALS_FULL_URI","value":"http:\/\/169.254.170.23\/v1\/credentials"/);
    assert.match(patch, /"AWS_REGION","value":"eu-west-1"/);
    assert.match(patch, /"path":"\/spec\/securityContext","value":\{"fsGroup":65534\}/);
    assert.doesNotMatch(patch, /AWS_ROLE_ARN/);
  });

  it('with the API unreachable: serves, is not ready, and fails open', async () => {
    const closed = await startFakeKubeApi();
    const kubeconfig = closed.writeKubeconfig();
    await closed.close();
    const w = await startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--kubeconfig', kubeconfig, '--host', '127.0.0.1', '--port', '0'], quiet);
    assert.ok(w);
    started.push(w);
    assert.equal(w.ready(), false);
    const base = `https://127.0.0.1:${w.port}`;
    assert.equal((await httpsRequest(`${base}/healthz`, ca.certPem)).status, 200);
    assert.equal((await httpsRequest(`${base}/readyz`, ca.certPem)).status, 503);
    const { review } = await admit(w, ca, 'apps', 'anything');
    assert.deepEqual(review.response, { uid: 'req-1', allowed: true });
  });

  it('a plain-HTTP API server (the embedded one) is accepted as kubectl accepts it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'irsa-kc-')), 'config');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:6443' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
        'current-context': 'x',
      }),
    );
    const kc = loadKubeConfig(file);
    assert.equal(kc.getCurrentCluster()?.server, 'http://127.0.0.1:6443');
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, true);
    assert.equal(kc.getCurrentUser()?.token, 't');
  });

  it('--help prints every flag; bad arguments are usage errors; unreadable inputs are exit errors', async () => {
    const write = process.stdout.write.bind(process.stdout);
    let help = '';
    process.stdout.write = ((chunk: string) => ((help += chunk), true)) as typeof process.stdout.write;
    try {
      assert.equal(await startWebhook(['--help']), undefined);
    } finally {
      process.stdout.write = write;
    }
    for (const flag of ['--tls-cert', '--tls-key', '--kubeconfig', '--port', '--host', '--annotation-prefix', '--token-audience', '--token-mount-path', '--token-expiration', '--aws-default-region', '--sts-regional-endpoint', '--watch-container-credentials-config', '--service-account-lookup-grace-period', '--fs-group']) {
      assert.match(help, new RegExp(`^  ${flag}\\b`, 'm'), flag);
    }
    await assert.rejects(startWebhook([]), UsageError);
    await assert.rejects(startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--port', 'x']), UsageError);
    await assert.rejects(startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--service-account-lookup-grace-period', '5']), UsageError);
    await assert.rejects(startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--sts-regional-endpoint=maybe']), UsageError);
    await assert.rejects(startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--fs-group', '-3']), UsageError);
    await assert.rejects(startWebhook(['--tls-cert', '/nonexistent/tls.crt', '--tls-key', tls.key]), ExitError);
    await assert.rejects(startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--kubeconfig', '/nonexistent/kubeconfig']), ExitError);
  });
});

/**
 * The same against the embedded Kubernetes API (plain HTTP, kubectl-driven): `startKubeApi()` of
 * test/support/kube.ts, imported lazily so this file does not depend on it while it is built.
 */
interface KubeSupport {
  startKubeApi(): Promise<{
    url: string;
    kubeconfigPath: string;
    kubectl(args: readonly string[], options?: { stdin?: string }): Promise<{ status: number | null; stdout: string; stderr: string }>;
    close(): Promise<void>;
  }>;
}
const KUBE_SUPPORT = '../../support/kube.js';

describe('irsa webhook with the embedded Kubernetes API', () => {
  it('keeps its ServiceAccount cache from the API and finds an SA created just before its pod', async () => {
    const { startKubeApi } = (await import(KUBE_SUPPORT)) as KubeSupport;
    const kube = await startKubeApi();
    const ca = createTestCa();
    const tls = tlsFiles(ca);
    const apply = async (sa: KubeObject): Promise<void> => {
      const r = await kube.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(sa) });
      assert.equal(r.status, 0, r.stderr);
    };
    const webhook = await startWebhook(['--tls-cert', tls.cert, '--tls-key', tls.key, '--kubeconfig', kube.kubeconfigPath, '--host', '127.0.0.1', '--port', '0'], { log: () => undefined });
    assert.ok(webhook);
    try {
      await webhook.whenSynced();
      assert.equal(webhook.apiServer, kube.url);
      await apply(serviceAccount('default', 'reader', { 'eks.amazonaws.com/role-arn': ROLE }));
      await eventually('the watch event', () => webhook.cached('default', 'reader') !== undefined);
      assert.match((await admit(webhook, ca, 'default', 'reader')).patch, /s3-reader/);
      // #174: create and admit at once; the GET fallback covers a watch event still in flight.
      await apply(serviceAccount('default', 'instant', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/instant' }));
      assert.match((await admit(webhook, ca, 'default', 'instant')).patch, /role\/instant/);
      await apply(serviceAccount('default', 'reader'));
      await eventually('the update', () => webhook.cached('default', 'reader')?.metadata?.annotations?.['eks.amazonaws.com/role-arn'] === undefined);
      assert.equal((await admit(webhook, ca, 'default', 'reader')).review.response.patch, undefined);
    } finally {
      await webhook.close();
      await kube.close();
    }
  });
});
