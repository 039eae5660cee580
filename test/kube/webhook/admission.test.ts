import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { base64Utf8 } from '../../../src/kube/webhook/admission.js';
import { applyJsonPatch, type JsonPatchOp } from '../../../src/kube/webhook/json-patch.js';
import type { PatchStyle } from '../../../src/kube/webhook/mutate.js';
import { createPodIdentityWebhook } from '../../../src/kube/webhook/webhook.js';
import { SHARED_MISSING } from '../../support/shared.js';
import { fixtureDir, goRoundTripPod, serviceAccount, staticServiceAccounts } from './support.js';

/** The HTTP-level cases of upstream's handler_test.go (§4.3, §5.3), plus v1beta1 and hack/request.json. */
const UID = '918ef1dc-928f-4525-99ef-988389f263c3';
const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const rawPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'balajilovesoreos', uid: 'be8695c4-4ad0-4038-8786-c508853aa255' },
  spec: { containers: [{ image: 'amazonlinux', name: 'balajilovesoreos' }], serviceAccountName: 'default' },
};
const review = (typeMeta: Record<string, string>, object: unknown = rawPod): string =>
  JSON.stringify({
    ...typeMeta,
    request: {
      uid: UID,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'kubernetes-admin', uid: 'aws-iam-authenticator:111122223333:AROAR2TG44V5CLZCFPOQZ', groups: ['system:authenticated', 'system:masters'] },
      object,
    },
  });
/** upstream's validPatchIfNoVolumesPresent (619 bytes). */
const VALID_PATCH =
  '[{"op":"add","path":"/spec/volumes","value":[{"name":"aws-iam-token","projected":{"sources":[{"serviceAccountToken":{"audience":"sts.amazonaws.com","expirationSeconds":3600,"path":"token"}}]}}]},{"op":"add","path":"/spec/containers","value":[{"name":"balajilovesoreos","image":"amazonlinux","env":[{"name":"AWS_ROLE_ARN","value":"arn:aws:iam::111122223333:role/s3-reader"},{"name":"AWS_WEB_IDENTITY_TOKEN_FILE","value":"/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}],"resources":{},"volumeMounts":[{"name":"aws-iam-token","readOnly":true,"mountPath":"/var/run/secrets/eks.amazonaws.com/serviceaccount"}]}]}]';

function webhook(style: PatchStyle = 'fine-grained', failLookups = false) {
  const sas = staticServiceAccounts([serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/token-expiration': '3600' })]);
  const serviceAccounts = failLookups ? { get: () => Promise.reject(new Error('connection refused')) } : sas;
  return createPodIdentityWebhook({ sources: { serviceAccounts }, style });
}

async function post(body: string, contentType: string | undefined = 'application/json', style: PatchStyle = 'fine-grained', query?: string) {
  return webhook(style).handle({ contentType, body, ...(query === undefined ? {} : { query }) });
}

function decodePatch(responseBody: string): JsonPatchOp[] {
  const r = JSON.parse(responseBody) as { response: { patch: string; patchType: string } };
  assert.equal(r.response.patchType, 'JSONPatch');
  assert.equal(base64Utf8(Buffer.from(r.response.patch, 'base64').toString('utf8')), r.response.patch, 'standard padded base64');
  return JSON.parse(Buffer.from(r.response.patch, 'base64').toString('utf8')) as JsonPatchOp[];
}

describe('AdmissionReview over HTTP (upstream TestModifierHandler)', () => {
  it('nilBody and NoRequest: allowed false, "bad content", empty uid', async () => {
    for (const body of ['', '{}', 'null']) {
      const r = await post(body);
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"response":{"uid":"","allowed":false,"status":{"metadata":{},"message":"bad content"}}}', JSON.stringify(body));
    }
    assert.equal((await post('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}')).body, '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"","allowed":false,"status":{"metadata":{},"message":"bad content"}}}');
  });

  it('BadContentType: 415 plain text; exactly application/json only (no charset)', async () => {
    for (const ct of ['application/xml', 'application/json; charset=utf-8', undefined]) {
      const r = await webhook().handle({ contentType: ct, body: '{}' });
      assert.equal(r.status, 415);
      assert.equal(r.body, 'Invalid Content-Type, expected `application/json`\n');
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    }
  });

  it('InvalidJSON: truncated body', async () => {
    const r = await post('{"request": {"object": "\\"metadata\\":{\\"name\\":\\"fake\\""}');
    assert.equal(r.body, '{"response":{"uid":"","allowed":false,"status":{"metadata":{},"message":"couldn\'t get version/kind; json parse error: unexpected end of JSON input"}}}');
  });

  it('InvalidPodBytes: object is not a Pod', async () => {
    const r = await post('{"request": {"object": "\\"metadata\\":{\\"name\\":\\"fake\\""}}');
    assert.equal(r.body, '{"response":{"uid":"","allowed":false,"status":{"metadata":{},"message":"json: cannot unmarshal string into Go value of type v1.Pod"}}}');
  });

  it('ValidRequestSuccessWithoutVolumes (no TypeMeta): uid echoed, patch gives upstream’s pod', async () => {
    for (const style of ['fine-grained', 'whole-array'] as const) {
      const r = await post(review({}), 'application/json', style);
      assert.equal(r.status, 200);
      assert.match(r.body, new RegExp(`^\\{"response":\\{"uid":"${UID}","allowed":true,"patch":"[A-Za-z0-9+/]+=*","patchType":"JSONPatch"\\}\\}$`));
      assert.deepEqual(goRoundTripPod(applyJsonPatch(rawPod, decodePatch(r.body))), goRoundTripPod(applyJsonPatch(rawPod, JSON.parse(VALID_PATCH) as JsonPatchOp[])), style);
    }
  });

  it('ValidRequestV1TypeMetaEchoed (#225): kind and apiVersion first; whole-array patch bytes match upstream up to the containers', async () => {
    const r = await post(review({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }), 'application/json', 'whole-array');
    assert.ok(r.body.startsWith(`{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"${UID}","allowed":true,"patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL3NwZWMvdm9sdW1lcyIs`), r.body);
    assert.ok(r.body.endsWith('","patchType":"JSONPatch"}}'));
    const patch = JSON.stringify(decodePatch(r.body));
    const cut = VALID_PATCH.indexOf('"value":[{"name":"balajilovesoreos"');
    assert.equal(patch.slice(0, cut), VALID_PATCH.slice(0, cut));
  });

  it('v1beta1 requests get a v1beta1 response', async () => {
    const r = await post(review({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1beta1' }));
    assert.ok(r.body.startsWith('{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","response":{'), r.body);
  });

  it('TestMutatePod_MutationNotNeeded: unknown SA → allowed, no patch', async () => {
    const r = await post(review({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }, { ...rawPod, spec: { ...rawPod.spec, serviceAccountName: 'nobody' } }));
    assert.equal(r.body, `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"${UID}","allowed":true}}`);
  });

  it('a lookup failure fails open: allowed, no patch', async () => {
    const r = await webhook('fine-grained', true).handle({ contentType: 'application/json', body: review({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }) });
    assert.equal(r.body, `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"${UID}","allowed":true}}`);
  });

  it('malformed requests: missing object, wrongly typed fields, a non-object body, a bad query', async () => {
    const tm = { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' };
    let r = await post(JSON.stringify({ ...tm, request: { uid: 'u1', namespace: 'default' } }));
    assert.equal(r.body, '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"u1","allowed":false,"status":{"metadata":{},"message":"unexpected end of JSON input"}}}');
    r = await post(review(tm, { ...rawPod, spec: { containers: 'oops' } }));
    assert.match(r.body, /"allowed":false,"status":\{"metadata":\{\},"message":"json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type \[\]v1.Container"\}/);
    r = await post(review(tm, { ...rawPod, spec: { containers: [{ name: 'a', env: [{ name: 5 }] }] } }));
    assert.match(r.body, /Go struct field EnvVar.spec.containers.env.name of type string/);
    r = await post('[1]');
    assert.match(r.body, /^\{"response":\{"uid":"","allowed":false,"status":\{"metadata":\{\},"message":"couldn't get version\/kind; json parse error: json: cannot unmarshal array into Go value of type struct/);
    r = await post('xyz');
    assert.match(r.body, /invalid character 'x' looking for beginning of value/);
    r = await post(review(tm), 'application/json', 'fine-grained', 'timeout=10s%zz');
    assert.equal(r.status, 400);
    assert.equal((await post(review(tm), 'application/json', 'fine-grained', 'timeout=10s')).status, 200);
  });

  it('hack/request.json (kind but no apiVersion; pod with a scratch volume)', { skip: fixtureDir() ? false : SHARED_MISSING }, async () => {
    const body = readFileSync(join(fixtureDir() as string, 'hack', 'request.json'), 'utf8');
    for (const style of ['fine-grained', 'whole-array'] as const) {
      const r = await post(body, 'application/json', style);
      assert.ok(r.body.startsWith(`{"kind":"AdmissionReview","response":{"uid":"${UID}","allowed":true,"patch":`), r.body);
      const ops = decodePatch(r.body);
      assert.equal(ops[0]?.path, '/spec/volumes/0');
      const pod = applyJsonPatch((JSON.parse(body) as { request: { object: unknown } }).request.object, ops) as { spec: { volumes: { name: string }[]; containers: { volumeMounts: { name: string }[] }[] } };
      assert.deepEqual(pod.spec.volumes.map((v) => v.name), ['aws-iam-token', 'scratch']);
      assert.deepEqual(pod.spec.containers[0]?.volumeMounts.map((m) => m.name), ['scratch', 'aws-iam-token']);
    }
  });

  it('patch base64 is UTF-8', () => {
    assert.equal(base64Utf8('[]'), 'W10=');
    for (const s of ['é€', '😀 x', 'a\ud800b']) assert.equal(base64Utf8(s), Buffer.from(s, 'utf8').toString('base64'), s);
    assert.equal(base64Utf8('ab'), 'YWI=');
  });
});

describe('PodAdmission (the embedded API’s in-process seam)', () => {
  it('admitPod returns the mutated pod, or the same pod when nothing applies', async () => {
    const w = webhook();
    const out = (await w.admitPod(rawPod, 'default')) as typeof rawPod & { spec: { volumes: unknown[] } };
    assert.equal(out.spec.volumes.length, 1);
    assert.equal((rawPod.spec as Record<string, unknown>)['volumes'], undefined, 'input untouched');
    assert.equal(await w.admitPod(rawPod, 'other-namespace'), rawPod);
  });
});
