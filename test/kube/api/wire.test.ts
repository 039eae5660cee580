// Wire shapes the clients depend on (kubectl-api.md §2): /version, both discovery flavours,
// OpenAPI v3 with fieldValidation, Tables with PartialObjectMetadata rows, lists and single GETs
// with kind/apiVersion, Status errors, optimistic concurrency, dry-run, scale.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startKubeApi, type KubeApiHarness } from '../../support/kube.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('wire shapes', () => {
  let k: KubeApiHarness;
  before(async () => {
    k = await startKubeApi();
  });
  after(async () => k.close());

  const req = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; headers: Headers }> => {
    const res = await fetch(`${k.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json, headers: res.headers };
  };

  it('/version reports 1.32 (the dispatcher then runs kubectl 1.32)', async () => {
    const { json } = await req('GET', '/version?timeout=5s');
    assert.equal(json['major'], '1');
    assert.equal(json['minor'], '32');
    assert.match(json['gitVersion'], /^v1\.32\./);
  });

  it('aggregated discovery with its content type, legacy discovery otherwise', async () => {
    const agg = await req('GET', '/api', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.match(agg.headers.get('content-type') ?? '', /^application\/json;g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList/);
    const core = agg.json['items'][0]['versions'][0]['resources'] as Json[];
    const ns = core.find((r) => r['resource'] === 'namespaces') as Json;
    assert.deepEqual(ns['shortNames'], ['ns']);
    assert.equal(ns['scope'], 'Cluster');
    const sa = core.find((r) => r['resource'] === 'serviceaccounts') as Json;
    assert.deepEqual(sa['subresources'][0], { subresource: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] });
    const apis = await req('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    assert.deepEqual((apis.json['items'] as Json[]).map((g) => g['metadata']['name']).sort(), ['admissionregistration.k8s.io', 'apps', 'authorization.k8s.io']);

    const legacy = await req('GET', '/api', undefined, { accept: 'application/json, */*' });
    assert.equal(legacy.json['kind'], 'APIVersions');
    const groups = await req('GET', '/apis');
    assert.equal(groups.json['kind'], 'APIGroupList');
    const v1 = await req('GET', '/api/v1');
    assert.equal(v1.json['kind'], 'APIResourceList');
    const names = (v1.json['resources'] as Json[]).map((r) => r['name']);
    for (const n of ['namespaces', 'serviceaccounts', 'serviceaccounts/token', 'pods', 'pods/exec', 'pods/status', 'events', 'secrets', 'configmaps']) assert.ok(names.includes(n), n);
    const apps = await req('GET', '/apis/apps/v1');
    assert.deepEqual((apps.json['resources'] as Json[]).find((r) => r['name'] === 'deployments')?.['shortNames'], ['deploy']);
  });

  it('OpenAPI v3: a root listing every group-version, PATCH ops with fieldValidation; v2 is 404', async () => {
    const root = await req('GET', '/openapi/v3');
    assert.deepEqual(Object.keys(root.json['paths']).sort(), ['api/v1', 'apis/admissionregistration.k8s.io/v1', 'apis/apps/v1', 'apis/authorization.k8s.io/v1']);
    const gv = await req('GET', root.json['paths']['api/v1']['serverRelativeURL']);
    const podPatch = gv.json['paths']['/api/v1/namespaces/{namespace}/pods/{name}']['patch'];
    assert.deepEqual(podPatch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.ok((podPatch['parameters'] as Json[]).some((p) => p['name'] === 'fieldValidation' && p['in'] === 'query'));
    assert.equal((await req('GET', '/openapi/v2')).status, 404);
  });

  it('Table responses carry column definitions and PartialObjectMetadata per row', async () => {
    const t = await req('GET', '/api/v1/namespaces?limit=500', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(t.json['kind'], 'Table');
    assert.deepEqual((t.json['columnDefinitions'] as Json[]).map((c) => c['name']), ['Name', 'Status', 'Age']);
    const row = (t.json['rows'] as Json[]).find((r) => r['cells'][0] === 'default') as Json;
    assert.equal(row['cells'][1], 'Active');
    assert.equal(row['object']['kind'], 'PartialObjectMetadata');
    assert.equal(row['object']['metadata']['name'], 'default');
    const one = await req('GET', '/api/v1/namespaces/default/serviceaccounts/default', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal((one.json['rows'] as Json[]).length, 1);
  });

  it('lists are <Kind>List; single objects carry kind and apiVersion', async () => {
    const list = await req('GET', '/api/v1/namespaces/default/serviceaccounts');
    assert.equal(list.json['kind'], 'ServiceAccountList');
    assert.equal(list.json['apiVersion'], 'v1');
    assert.match(list.json['metadata']['resourceVersion'], /^\d+$/);
    const one = await req('GET', '/api/v1/namespaces/default/serviceaccounts/default');
    assert.equal(one.json['kind'], 'ServiceAccount');
    assert.equal(one.json['apiVersion'], 'v1');
  });

  it('Status errors: NotFound, AlreadyExists, MethodNotAllowed, unknown resource, 415', async () => {
    const nf = await req('GET', '/api/v1/namespaces/default/pods/nosuch');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nosuch" not found', reason: 'NotFound', details: { name: 'nosuch', kind: 'pods' }, code: 404 });
    const dup = await req('POST', '/api/v1/namespaces', { metadata: { name: 'default' } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json['reason'], 'AlreadyExists');
    assert.equal((await req('PUT', '/api/v1/namespaces/default/pods')).status, 405);
    const unknown = await req('GET', '/api/v1/namespaces/default/widgets');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json['message'], 'the server could not find the requested resource');
    const deployNf = await req('GET', '/apis/apps/v1/namespaces/default/deployments/x');
    assert.equal(deployNf.json['message'], 'deployments.apps "x" not found');
    const yaml = await req('POST', '/api/v1/namespaces/default/configmaps', 'a: b', { 'content-type': 'text/plain' });
    assert.equal(yaml.status, 415);
  });

  it('PUT with a stale resourceVersion is a 409 Conflict; no-op updates keep the resourceVersion', async () => {
    const created = await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'rv' }, data: { a: '1' } });
    assert.equal(created.status, 201);
    const rv = created.json['metadata']['resourceVersion'];
    const same = await req('PUT', '/api/v1/namespaces/default/configmaps/rv', created.json);
    assert.equal(same.json['metadata']['resourceVersion'], rv);
    const changed = await req('PUT', '/api/v1/namespaces/default/configmaps/rv', { ...created.json, data: { a: '2' } });
    assert.ok(Number(changed.json['metadata']['resourceVersion']) > Number(rv));
    const stale = await req('PUT', '/api/v1/namespaces/default/configmaps/rv', { ...created.json, data: { a: '3' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json['message'], 'Operation cannot be fulfilled on configmaps "rv": the object has been modified; please apply your changes to the latest version and try again');
    assert.equal((await req('PUT', '/api/v1/namespaces/default/configmaps/rv', { metadata: { name: 'other' } })).status, 400);
  });

  it('dryRun=All writes nothing; fieldValidation=Warn answers with a Warning header', async () => {
    const dry = await req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { metadata: { name: 'dry' } });
    assert.equal(dry.status, 201);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
    const warn = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', { metadata: { name: 'warned' }, bogus: 1 });
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"bogus\\""');
  });

  it('status is only written through /status; generation bumps on spec changes', async () => {
    const d = await req('POST', '/apis/apps/v1/namespaces/default/deployments', {
      metadata: { name: 'g' },
      spec: { replicas: 0, selector: { matchLabels: { a: 'g' } }, template: { metadata: { labels: { a: 'g' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      status: { replicas: 99 },
    });
    assert.equal(d.status, 201);
    assert.equal(d.json['metadata']['generation'], 1);
    assert.equal(d.json['status']['replicas'], undefined);
    const p = await req('PATCH', '/apis/apps/v1/namespaces/default/deployments/g', { spec: { replicas: 1 }, status: { replicas: 42 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(p.json['metadata']['generation'], 2);
    assert.notEqual(p.json['status']?.['replicas'], 42);
    const scale = await req('GET', '/apis/apps/v1/namespaces/default/deployments/g/scale');
    assert.equal(scale.json['kind'], 'Scale');
    assert.equal(scale.json['spec']['replicas'], 1);
    assert.equal(scale.json['status']['selector'], 'a=g');
    const bad = await req('POST', '/apis/apps/v1/namespaces/default/deployments', { metadata: { name: 'neg' }, spec: { replicas: -1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    assert.equal(bad.status, 422);
    assert.equal(bad.json['message'], 'Deployment.apps "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('MutatingWebhookConfigurations are stored (cluster-scoped) with defaults', async () => {
    const mwc = await req('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
      metadata: { name: 'pod-identity-webhook' },
      webhooks: [{ name: 'iam-for-pods.amazonaws.com', clientConfig: { url: 'https://127.0.0.1/mutate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], sideEffects: 'None', admissionReviewVersions: ['v1beta1'] }],
    });
    assert.equal(mwc.status, 201);
    assert.equal(mwc.json['webhooks'][0]['failurePolicy'], 'Fail');
    const r = await k.kubectl(['get', 'mutatingwebhookconfigurations']);
    assert.match(r.stdout, /^NAME\s+WEBHOOKS\s+AGE$/m);
    assert.match(r.stdout, /^pod-identity-webhook\s+1\s/m);
  });
});
