import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseManifestText, readManifestDir } from '../../src/cli/analyze-io.js';
import { ManifestError, loadManifests, type ClusterModel } from '../../src/explain/manifests.js';
import { removeDir } from '../support/irsa-server.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROLE = 'arn:aws:iam::123456789012:role/shop';

const APP = `# the shop
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: cart
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: ${ROLE}
    eks.amazonaws.com/token-expiration: "3600"
---
# a comment-only document is not a document
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
  creationTimestamp: "2024-05-01T10:00:00Z"
spec:
  replicas: 2
  selector: {matchLabels: {app: cart}}
  template:
    metadata:
      labels: {app: cart}
      annotations:
        eks.amazonaws.com/skip-containers: sidecar
    spec:
      serviceAccountName: cart
      containers:
      - name: app
        image: cart:1
        env:
        - {name: AWS_REGION, value: us-east-1}
      - name: sidecar
        image: proxy:1
        restartPolicy: Always
      volumes:
      - name: cache
        emptyDir: {}
--- # a CronJob without a namespace lands in default
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: batch
          restartPolicy: OnFailure
          containers: [{name: job, image: job:1}]
`;

const LIST = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: batch}
- apiVersion: v1
  kind: Pod
  metadata: {name: debug, namespace: shop}
  spec:
    containers: [{name: sh, image: busybox}]
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db, namespace: shop}
  spec:
    template:
      spec:
        serviceAccountName: cart
        containers: [{name: pg, image: postgres}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: ignored, namespace: shop}
`;

function load(files: Record<string, string>): ClusterModel {
  return loadManifests(Object.entries(files).flatMap(([path, text]) => parseManifestText(path, text)));
}

function manifestError(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected ManifestError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ManifestError');
}

describe('parseManifestText + loadManifests', () => {
  const m = load({ 'app.yaml': APP, 'list.yaml': LIST });

  it('keeps ServiceAccounts with their annotations, defaulting the namespace', () => {
    const sa = m.serviceAccount('shop', 'cart');
    assert.ok(sa);
    assert.equal(sa.metadata?.annotations?.['eks.amazonaws.com/role-arn'], ROLE);
    assert.equal(sa.metadata?.annotations?.['eks.amazonaws.com/token-expiration'], '3600');
    assert.equal(m.serviceAccount('default', 'batch')?.metadata?.namespace, 'default');
    assert.deepEqual(m.serviceAccounts().map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`), ['shop/cart', 'default/batch']);
    assert.deepEqual(m.serviceAccounts('shop').length, 1);
    assert.equal(m.serviceAccount('shop', 'nope'), undefined);
  });

  it('turns workloads into pseudo-pods named after them, with the template’s metadata and spec', () => {
    const cart = m.pod('shop', 'cart') as Json;
    assert.ok(cart);
    assert.equal(cart.kind, 'Pod');
    assert.equal(cart.metadata.name, 'cart');
    assert.equal(cart.metadata.namespace, 'shop');
    assert.equal(cart.metadata.annotations['eks.amazonaws.com/skip-containers'], 'sidecar');
    assert.deepEqual(cart.metadata.labels, { app: 'cart' });
    assert.equal(cart.spec.serviceAccountName, 'cart');
    assert.deepEqual(cart.spec.containers.map((c: Json) => c.name), ['app', 'sidecar']);
    assert.equal(cart.spec.containers[1].restartPolicy, 'Always', 'native sidecars keep restartPolicy');
    assert.deepEqual(cart.spec.containers[0].env, [{ name: 'AWS_REGION', value: 'us-east-1' }]);
    assert.deepEqual(cart.spec.volumes, [{ name: 'cache', emptyDir: {} }]);
    assert.deepEqual(m.origin(cart), { path: 'app.yaml', document: 3, line: 18, kind: 'Deployment', namespace: 'shop', name: 'cart' });
    const nightly = m.pod('default', 'nightly') as Json;
    assert.equal(nightly.spec.serviceAccountName, 'batch');
    assert.equal(m.origin(nightly)?.kind, 'CronJob');
    assert.equal(m.origin(nightly)?.document, 4);
  });

  it('reads List items, pods, StatefulSets; defaults serviceAccountName; ignores other kinds', () => {
    const debug = m.pod('shop', 'debug') as Json;
    assert.equal(debug.spec.serviceAccountName, 'default');
    assert.equal(m.origin(debug)?.kind, 'Pod');
    assert.deepEqual(m.podsUsing('shop', 'cart').map((p) => `${m.origin(p)?.kind}/${p.metadata?.name}`), ['Deployment/cart', 'StatefulSet/db']);
    assert.deepEqual(m.podsUsing('default', 'batch').map((p) => p.metadata?.name), ['nightly']);
    assert.deepEqual(m.podsUsing('shop', 'nope'), []);
    assert.deepEqual(m.pods().length, 4);
    assert.deepEqual(m.namespaces(), ['default', 'shop']);
    assert.deepEqual(m.counts, { serviceAccounts: 2, pods: 4, namespaces: 2, documents: 5 });
    assert.deepEqual(m.warnings, []);
  });

  it('reads JSON files and every workload kind', () => {
    const kinds = ['DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'];
    const list = { apiVersion: 'v1', kind: 'List', items: kinds.map((kind) => ({ kind, apiVersion: 'apps/v1', metadata: { name: kind.toLowerCase(), namespace: 'x' }, spec: { template: { spec: { serviceAccountName: 'sa', containers: [{ name: 'c' }] } } } })) };
    const j = load({ 'w.json': JSON.stringify(list) });
    assert.deepEqual(j.podsUsing('x', 'sa').map((p) => j.origin(p)?.kind), kinds);
  });

  it('notes duplicates (the later wins) and documents without a kind', () => {
    const twice = load({ 'a.yaml': 'kind: ServiceAccount\napiVersion: v1\nmetadata: {name: s, annotations: {k: one}}\n', 'b.yaml': 'kind: ServiceAccount\napiVersion: v1\nmetadata: {name: s, annotations: {k: two}}\n---\nfoo: bar\n' });
    assert.equal(twice.serviceAccount('default', 's')?.metadata?.annotations?.['k'], 'two');
    assert.deepEqual(twice.warnings, ['ServiceAccount default/s is defined twice: a.yaml document 1 and b.yaml document 1; using the latter', 'b.yaml: document 2: no kind, skipped']);
  });

  it('keeps directives with their document and handles CRLF', () => {
    const d = load({ 'd.yaml': '%YAML 1.2\n---\r\nkind: ServiceAccount\r\napiVersion: v1\r\nmetadata: {name: s}\r\n' });
    assert.ok(d.serviceAccount('default', 's'));
  });
});

describe('manifest errors name the file and the document', () => {
  const cases: [string, string, RegExp][] = [
    ['bad YAML', 'kind: ServiceAccount\napiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: [\n  name: x\n', /^bad\.yaml: document 2 \(line 5\): invalid YAML at line 8, column 1: unexpected end of the stream within a flow collection$/],
    ['bad indentation', 'kind: Pod\napiVersion: v1\nmetadata:\n  name: x\n   namespace: y\n', /^bad\.yaml: document 1 \(line 1\): invalid YAML at line 5, column \d+: bad indentation/],
    ['annotation not a string', 'kind: ServiceAccount\napiVersion: v1\nmetadata:\n  name: a\n  annotations:\n    eks.amazonaws.com/sts-regional-endpoints: true\n', /^bad\.yaml: document 1 \(line 1\): ServiceAccount: metadata\.annotations\["eks\.amazonaws\.com\/sts-regional-endpoints"\] must be a string, got boolean \(quote the value in YAML\)$/],
    ['no name', 'kind: ServiceAccount\napiVersion: v1\nmetadata: {namespace: x}\n', /^bad\.yaml: document 1 \(line 1\): ServiceAccount: metadata\.name is missing$/],
    ['deployment without template', 'kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d, namespace: n}\nspec: {replicas: 1}\n', /^bad\.yaml: document 1 \(line 1\): Deployment n\/d: spec\.template is missing$/],
    ['containers not a list', 'kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec:\n  template:\n    spec: {containers: {name: c}}\n', /^bad\.yaml: document 1 \(line 1\): (Deployment default\/d: spec\.template\.spec\.containers must be a list|not a valid Kubernetes object: .*)$/],
    ['List item bad', 'kind: List\napiVersion: v1\nitems:\n- kind: Pod\n  apiVersion: v1\n  metadata: {name: p}\n  spec: {serviceAccountName: 5}\n', /^bad\.yaml: document 1 \(line 1\): items\[0\]: Pod default\/p: spec\.serviceAccountName must be a non-empty string$/],
    ['a scalar document', 'kind: Pod\napiVersion: v1\nmetadata: {name: a}\nspec: {}\n---\n42\n', /^bad\.yaml: document 2 \(line 6\): expected a Kubernetes object, got number$/],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.match(manifestError(() => load({ 'bad.yaml': text })).message, expected));
  }

  it('bad JSON names the file', () => {
    assert.match(manifestError(() => parseManifestText('x/sa.json', '{"kind": ')).message, /^x\/sa\.json: document 1 \(line 1\): not valid JSON: /);
  });
});

describe('readManifestDir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-manifests-'));
  after(() => removeDir(dir));

  it('reads every .yaml, .yml and .json file below the directory, and only those', async () => {
    mkdirSync(join(dir, 'apps/shop'), { recursive: true });
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, 'apps/shop/app.yaml'), APP);
    writeFileSync(join(dir, 'apps/list.yml'), LIST);
    writeFileSync(join(dir, 'sa.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'j', namespace: 'shop' } }));
    writeFileSync(join(dir, 'README.md'), 'kind: ServiceAccount\n');
    writeFileSync(join(dir, '.git/x.yaml'), 'kind: ServiceAccount\nmetadata: {name: hidden}\n');
    const progress: number[] = [];
    const { model, files } = await readManifestDir(dir, { onProgress: (d) => progress.push(d) });
    assert.equal(files, 3);
    assert.deepEqual(progress, [1, 2, 3]);
    assert.deepEqual(model.serviceAccounts().map((s) => s.metadata?.name).sort(), ['batch', 'cart', 'j']);
    assert.equal(model.origin(model.pod('shop', 'cart') as Json)?.path, 'apps/shop/app.yaml');
  });

  it('an error names the file relative to the directory', async () => {
    writeFileSync(join(dir, 'apps/broken.yaml'), 'kind: Pod\nmetadata: {name: [}\n');
    await assert.rejects(readManifestDir(dir), (e: unknown) => e instanceof ManifestError && e.message.startsWith('apps/broken.yaml: document 1 (line 1): invalid YAML at line 2'));
  });
});
