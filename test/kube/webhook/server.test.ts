import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWebhookServer, type WebhookServer } from '../../../src/kube/webhook/server.js';
import { createPodIdentityWebhook } from '../../../src/kube/webhook/webhook.js';
import { SHARED_MISSING } from '../../support/shared.js';
import { createTestCa, issueCert, type TestCa } from '../../support/tls.js';
import { fixtureDir, httpsRequest, serviceAccount, staticServiceAccounts } from './support.js';

/** The HTTPS listener with a static ServiceAccount source: what kube-apiserver sees. */
const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';

describe('webhook HTTPS server (static ServiceAccount source)', () => {
  let ca: TestCa;
  let server: WebhookServer;
  let url: string;
  let ready = false;

  before(async () => {
    ca = createTestCa();
    const cert = issueCert(ca, ['127.0.0.1', 'localhost']);
    const webhook = createPodIdentityWebhook({ sources: { serviceAccounts: staticServiceAccounts([serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE })]) } });
    server = await startWebhookServer({ handle: (r) => webhook.handle(r), tls: { cert: cert.fullChainPem, key: cert.keyPem }, host: '127.0.0.1', port: 0, ready: () => ready });
    url = `https://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  it('POST /mutate with hack/request.json over TLS gives a JSONPatch', { skip: fixtureDir() ? false : SHARED_MISSING }, async () => {
    const body = readFileSync(join(fixtureDir() as string, 'hack', 'request.json'), 'utf8');
    const r = await httpsRequest(`${url}/mutate`, ca.certPem, { method: 'POST', body, contentType: 'application/json' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const review = JSON.parse(r.body) as { kind: string; response: { uid: string; allowed: boolean; patch: string } };
    assert.equal(review.kind, 'AdmissionReview');
    assert.equal(review.response.uid, '918ef1dc-928f-4525-99ef-988389f263c3');
    assert.equal(review.response.allowed, true);
    assert.match(Buffer.from(review.response.patch, 'base64').toString(), /AWS_ROLE_ARN/);
  });

  it('a v1 AdmissionReview gets a v1 answer', async () => {
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'abc', namespace: 'default', object: { metadata: { name: 'p' }, spec: { serviceAccountName: 'default', containers: [{ name: 'c' }] } } },
    });
    const r = await httpsRequest(`${url}/mutate`, ca.certPem, { method: 'POST', body, contentType: 'application/json' });
    assert.match(r.body, /^\{"kind":"AdmissionReview","apiVersion":"admission.k8s.io\/v1","response":\{"uid":"abc","allowed":true,"patch":"/);
  });

  it('wrong content type → 415; unknown path → 404; /healthz ok; /readyz follows readiness', async () => {
    const bad = await httpsRequest(`${url}/mutate`, ca.certPem, { method: 'POST', body: '{}', contentType: 'text/plain' });
    assert.equal(bad.status, 415);
    assert.equal(bad.body, 'Invalid Content-Type, expected `application/json`\n');
    assert.equal((await httpsRequest(`${url}/nope`, ca.certPem)).status, 404);
    const health = await httpsRequest(`${url}/healthz`, ca.certPem);
    assert.deepEqual([health.status, health.body], [200, 'ok']);
    assert.equal((await httpsRequest(`${url}/readyz`, ca.certPem)).status, 503);
    ready = true;
    assert.equal((await httpsRequest(`${url}/readyz`, ca.certPem)).status, 200);
  });

  it('rejects a client that does not trust its CA, and swaps certificates without a restart', async () => {
    const other = createTestCa({ commonName: 'rotated CA' });
    await assert.rejects(httpsRequest(`${url}/healthz`, other.certPem));
    const rotated = issueCert(other, ['127.0.0.1']);
    server.setTls({ cert: rotated.fullChainPem, key: rotated.keyPem });
    assert.equal((await httpsRequest(`${url}/healthz`, other.certPem)).status, 200);
    await assert.rejects(httpsRequest(`${url}/healthz`, ca.certPem));
  });
});
