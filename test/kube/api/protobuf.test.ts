import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { KubeStatusError } from '../../../src/kube/api/errors.js';
import { decodeKubeProtobuf, PROTOBUF_MAGIC } from '../../../src/kube/api/protobuf.js';

/** runtime.Unknown{typeMeta{apiVersion, kind}, raw} after the "k8s\0" magic. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = new BinaryWriter();
  w.tag(1, 2).fork().tag(1, 2).string(apiVersion).tag(2, 2).string(kind).join();
  w.tag(2, 2).bytes(raw);
  w.tag(3, 2).string('').tag(4, 2).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

function meta(w: BinaryWriter, m: { name?: string; namespace?: string; labels?: Record<string, string> }): void {
  w.tag(1, 2).fork();
  w.tag(1, 2).string(m.name ?? '').tag(2, 2).string('').tag(3, 2).string(m.namespace ?? '');
  for (const [k, v] of Object.entries(m.labels ?? {})) w.tag(11, 2).fork().tag(1, 2).string(k).tag(2, 2).string(v).join();
  w.tag(8, 2).fork().join(); // creationTimestamp: {}
  w.join();
}

describe('protobuf request bodies', () => {
  it('decodes kubectl create namespace (the observed bytes)', () => {
    const hex = '6b387300 0a0f 0a02 7631 1209 4e616d657370616365 121c 0a14 0a04 64656d6f 1200 1a00 2200 2a00 3200 3800 4200 1200 1a02 0a00 1a00 2200';
    const body = Buffer.from(hex.replace(/ /g, ''), 'hex');
    const o = decodeKubeProtobuf(body);
    assert.deepEqual(o, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  });

  it('decodes a TokenRequest (audiences, expirationSeconds, boundObjectRef)', () => {
    const w = new BinaryWriter();
    w.tag(1, 2).fork().join();
    w.tag(2, 2).fork().tag(1, 2).string('sts.amazonaws.com').tag(1, 2).string('b').tag(4, 0).int64(3600).tag(3, 2).fork().tag(1, 2).string('Pod').tag(2, 2).string('v1').tag(3, 2).string('app').join().join();
    const o = decodeKubeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', w.finish()));
    assert.deepEqual(o, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['sts.amazonaws.com', 'b'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'app' } },
    });
  });

  it('decodes ConfigMap data and Secret data (base64), type and labels', () => {
    const cm = new BinaryWriter();
    meta(cm, { name: 'cm1', namespace: 'demo', labels: { a: 'b' } });
    cm.tag(2, 2).fork().tag(1, 2).string('k').tag(2, 2).string('v').join();
    cm.tag(2, 2).fork().tag(1, 2).string('empty').tag(2, 2).string('').join();
    assert.deepEqual(decodeKubeProtobuf(envelope('v1', 'ConfigMap', cm.finish())), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm1', namespace: 'demo', labels: { a: 'b' } },
      data: { k: 'v', empty: '' },
    });
    const s = new BinaryWriter();
    meta(s, { name: 's1' });
    s.tag(2, 2).fork().tag(1, 2).string('k').tag(2, 2).bytes(Buffer.from('v')).join();
    s.tag(3, 2).string('');
    assert.deepEqual(decodeKubeProtobuf(envelope('v1', 'Secret', s.finish())), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { k: 'dg==' } });
  });

  it('unknown kinds are 415, bad bytes 400', () => {
    assert.throws(() => decodeKubeProtobuf(envelope('v1', 'Service', new Uint8Array())), (e: unknown) => e instanceof KubeStatusError && e.code === 415);
    assert.throws(() => decodeKubeProtobuf(Buffer.from('nope')), (e: unknown) => e instanceof KubeStatusError && e.code === 400);
    assert.throws(() => decodeKubeProtobuf(Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0x0a, 0xff])])), (e: unknown) => e instanceof KubeStatusError && e.code === 400);
  });
});
