// Deployments through the real kubectl: the controllers create a ReplicaSet and pods (which go
// through admission), scale up and down on apply/scale, roll out a new template, and cascade
// the delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PodAdmission } from '../../../src/kube/contracts.js';
import { startKubeApi, type KubeApiHarness } from '../../support/kube.js';

const deployment = (replicas: number, image = 'nginx:1.27'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 80}]
`;

describe('kubectl: deployments', () => {
  let k: KubeApiHarness;
  let admitted: string[] = [];
  before(async () => {
    const admission: PodAdmission = {
      async admitPod(pod) {
        admitted.push(String(pod.metadata?.generateName ?? pod.metadata?.name));
        pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, 'admitted-by': 'test' } };
        return pod;
      },
    };
    k = await startKubeApi({ admission });
  });
  after(async () => k.close());

  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const r = await k.kubectl(args, { stdin });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await k.api.controllers.idle();
  };
  const podNames = async (): Promise<string[]> =>
    (await ok(['get', 'pods', '-l', 'app=web', '-o', 'name']))
      .trim()
      .split('\n')
      .filter((l) => l !== '');

  it('apply creates the deployment; the controller creates admitted pods owned by a ReplicaSet', async () => {
    assert.equal((await ok(['apply', '-f', '-'], deployment(2))).trim(), 'deployment.apps/web created');
    await settle();
    const names = await podNames();
    assert.equal(names.length, 2);
    for (const n of names) assert.match(n, /^pod\/web-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(admitted.length, 2);
    assert.ok(admitted.every((g) => /^web-\w+-$/.test(g)));
    const pod = JSON.parse(await ok(['get', names[0] as string, '-o', 'json'])) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: { kind: string; name: string; controller: boolean }[] };
      status: { phase: string };
    };
    assert.equal(pod.metadata.annotations['admitted-by'], 'test');
    assert.equal(pod.metadata.labels['app'], 'web');
    const hash = pod.metadata.labels['pod-template-hash'] as string;
    assert.ok(hash);
    assert.deepEqual(
      pod.metadata.ownerReferences.map((o) => [o.kind, o.name, o.controller]),
      [['ReplicaSet', `web-${hash}`, true]],
    );
    assert.equal(pod.status.phase, 'Running');
  });

  it('get deploy: NAME READY UP-TO-DATE AVAILABLE AGE; rollout status', async () => {
    const out = await ok(['get', 'deploy']);
    assert.match(out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    assert.match(out, /^web\s+2\/2\s+2\s+2\s+\d+s$/m);
    assert.match(await ok(['get', 'deploy', '-o', 'wide']), /^web\s+2\/2\s+2\s+2\s+\d+s\s+web\s+nginx:1\.27\s+app=web$/m);
    assert.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=10s']), /deployment "web" successfully rolled out/);
    const d = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json'])) as { metadata: { generation: number }; status: Record<string, unknown> };
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.status['observedGeneration'], 1);
    assert.equal(d.status['replicas'], 2);
    assert.equal(d.status['readyReplicas'], 2);
    assert.equal(d.status['availableReplicas'], 2);
  });

  it('scale up and down via apply and kubectl scale', async () => {
    assert.equal((await ok(['apply', '-f', '-'], deployment(3))).trim(), 'deployment.apps/web configured');
    await settle();
    assert.equal((await podNames()).length, 3);
    assert.match(await ok(['get', 'deploy', 'web']), /^web\s+3\/3\s+3\s+3\s/m);
    await ok(['apply', '-f', '-'], deployment(1));
    await settle();
    assert.equal((await podNames()).length, 1);
    assert.match(await ok(['get', 'deploy', 'web']), /^web\s+1\/1\s+1\s+1\s/m);
    assert.equal((await ok(['scale', 'deployment/web', '--replicas=2'])).trim(), 'deployment.apps/web scaled');
    await settle();
    assert.equal((await podNames()).length, 2);
    const events = await ok(['get', 'events', '--field-selector', 'involvedObject.kind=Deployment']);
    assert.match(events, /ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\w+ from 0 to 2/);
    assert.match(events, /Scaled down replica set web-\w+ from 3 to 1/);
  });

  it('a new template rolls out a new ReplicaSet and retires the old pods', async () => {
    const before = await podNames();
    await ok(['apply', '-f', '-'], deployment(2, 'nginx:1.28'));
    await settle();
    const after = await podNames();
    assert.equal(after.length, 2);
    assert.ok(after.every((n) => !before.includes(n)));
    const rs = await ok(['get', 'rs']);
    assert.match(rs, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
    assert.equal(rs.trim().split('\n').length, 3, 'old and new ReplicaSets');
    assert.match(rs, /^web-\w+\s+0\s+0\s+0\s/m);
    assert.match(rs, /^web-\w+\s+2\s+2\s+2\s/m);
    const described = await ok(['describe', 'deploy', 'web']);
    assert.match(described, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    assert.match(described, /^NewReplicaSet:\s+web-\w+ \(2\/2 replicas created\)$/m);
  });

  it('invalid deployments are rejected with the apiserver messages', async () => {
    const r = await k.kubectl(['apply', '-f', '-'], {
      stdin: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: y}}\n    spec: {containers: [{name: c, image: i}]}\n',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /The Deployment "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
  });

  it('kubectl create deployment (protobuf body) works', async () => {
    assert.equal((await ok(['create', 'deployment', 'pb', '--image=nginx', '--replicas=2', '--port=8080'])).trim(), 'deployment.apps/pb created');
    await settle();
    const d = JSON.parse(await ok(['get', 'deploy', 'pb', '-o', 'json'])) as { spec: { replicas: number; template: { spec: { containers: { ports: { containerPort: number }[] }[] } } } };
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.template.spec.containers[0]?.ports[0]?.containerPort, 8080);
    assert.equal((await ok(['get', 'pods', '-l', 'app=pb', '-o', 'name'])).trim().split('\n').length, 2);
  });

  it('deleting a deployment deletes its ReplicaSets and pods', async () => {
    assert.equal((await ok(['delete', 'deployment', 'web'])).trim(), 'deployment.apps "web" deleted');
    await settle();
    assert.deepEqual(await podNames(), []);
    assert.doesNotMatch(await ok(['get', 'rs']), /web-/);
    admitted = [];
  });
});
