import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeStatusError } from '../../../src/kube/api/errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../../src/kube/api/patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges maps, deletes on null, replaces lists and scalars', () => {
    assert.deepEqual(applyMergePatch({ a: 'b', c: { d: 'e', f: 'g' }, l: [1, 2] }, { a: 'z', c: { f: null }, l: [3] }), { a: 'z', c: { d: 'e' }, l: [3] });
    assert.deepEqual(applyMergePatch({ metadata: { annotations: { foo: 'x', keep: 'y' } } }, { metadata: { annotations: { foo: null } } }), { metadata: { annotations: { keep: 'y' } } });
    assert.deepEqual(applyMergePatch({ a: 1 }, { b: { c: null } }), { a: 1, b: {} });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('add, remove, replace, move, copy, test with escaped pointers', () => {
    const doc = { metadata: { labels: { 'a/b': '1' } }, list: ['x', 'y'] };
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/c~1d', value: '2' },
      { op: 'remove', path: '/metadata/labels/a~1b' },
      { op: 'add', path: '/list/1', value: 'm' },
      { op: 'add', path: '/list/-', value: 'z' },
      { op: 'replace', path: '/list/0', value: 'X' },
      { op: 'copy', from: '/list/0', path: '/first' },
      { op: 'move', from: '/first', path: '/moved' },
      { op: 'test', path: '/moved', value: 'X' },
    ]);
    assert.deepEqual(out, { metadata: { labels: { 'c/d': '2' } }, list: ['X', 'm', 'y', 'z'], moved: 'X' });
    assert.deepEqual(doc.list, ['x', 'y'], 'input untouched');
  });

  it('failures are 422s', () => {
    for (const ops of [[{ op: 'test', path: '/a', value: 2 }], [{ op: 'remove', path: '/nope' }], [{ op: 'replace', path: '/nope', value: 1 }], [{ op: 'add', path: '/x/y', value: 1 }]])
      assert.throws(() => applyJsonPatch({ a: 1 }, ops), (e: unknown) => e instanceof KubeStatusError && e.code === 422);
  });
});

describe('strategic merge patch', () => {
  const live = {
    metadata: { labels: { app: 'demo' }, finalizers: ['a'] },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'img:1',
          env: [
            { name: 'FOO', value: 'bar' },
            { name: 'AWS_ROLE_ARN', value: 'arn' },
          ],
          volumeMounts: [
            { name: 'tok', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' },
            { name: 'kube', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
          ],
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          args: ['a', 'b'],
        },
        { name: 'side', image: 's:1' },
      ],
      volumes: [{ name: 'tok' }, { name: 'kube' }],
      tolerations: [{ key: 'k' }],
    },
  };

  it('keeps server-added list entries on a $setElementOrder-only re-apply (kubectl-api.md mutation pitfall)', () => {
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'side' }], containers: [{ '$setElementOrder/env': [{ name: 'FOO' }], name: 'app' }] } };
    assert.deepEqual(applyStrategicMergePatch(live, patch), live);
  });

  it('merges lists by key (containers/env by name, volumeMounts by mountPath, ports by containerPort); replaces others', () => {
    const out = applyStrategicMergePatch(live, {
      metadata: { labels: { app: 'demo2', extra: 'x' }, finalizers: ['b'] },
      spec: {
        containers: [
          {
            name: 'app',
            env: [{ name: 'FOO', value: 'baz' }, { name: 'NEW', value: '1' }],
            volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
            ports: [{ containerPort: 80, name: 'http' }],
            args: ['c'],
          },
        ],
        tolerations: [{ key: 'other' }],
      },
    }) as typeof live;
    assert.deepEqual(out.metadata, { labels: { app: 'demo2', extra: 'x' }, finalizers: ['a', 'b'] });
    const app = out.spec.containers[0] as (typeof live.spec.containers)[0];
    assert.deepEqual(app.env, [{ name: 'FOO', value: 'baz' }, { name: 'AWS_ROLE_ARN', value: 'arn' }, { name: 'NEW', value: '1' }]);
    assert.equal(app.volumeMounts[1] && 'readOnly' in app.volumeMounts[1], true);
    assert.equal(app.volumeMounts.length, 2);
    assert.deepEqual(app.ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }]);
    assert.deepEqual(app.args, ['c']);
    assert.equal(out.spec.containers.length, 2);
    assert.deepEqual(out.spec.tolerations, [{ key: 'other' }]);
  });

  it('null deletes keys; $patch: delete removes list items and maps; $patch: replace replaces', () => {
    const out = applyStrategicMergePatch(live, {
      metadata: { labels: null },
      spec: { containers: [{ name: 'side', $patch: 'delete' }], volumes: [{ name: 'x' }, { $patch: 'replace' }] },
    }) as { metadata: Record<string, unknown>; spec: { containers: { name: string }[]; volumes: unknown[] } };
    assert.equal(out.metadata['labels'], undefined);
    assert.deepEqual(out.spec.containers.map((c) => c.name), ['app']);
    assert.deepEqual(out.spec.volumes, [{ name: 'x' }]);
    const replaced = applyStrategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } });
    assert.deepEqual(replaced, { spec: { c: 3 } });
    assert.deepEqual(applyStrategicMergePatch({ spec: { a: { x: 1 } } }, { spec: { a: { $patch: 'delete' } } }), { spec: {} });
  });

  it('$setElementOrder reorders listed items and $deleteFromPrimitiveList removes values', () => {
    const out = applyStrategicMergePatch(
      { metadata: { finalizers: ['a', 'b', 'c'] }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] }, spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
    );
    assert.deepEqual(out, { metadata: { finalizers: ['a', 'c'] }, spec: { containers: [{ name: 'b' }, { name: 'a' }] } });
  });
});
