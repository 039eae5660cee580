// watch=true: list-then-watch from a resourceVersion (informers), "now" watches with synthetic
// ADDED events, selector transitions, 410 Expired for versions older than the feed, the
// Table watch behind `kubectl get -w`, and restart durability on the same data directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startKubeApi, type KubeApiHarness } from '../../support/kube.js';

interface WatchEvent {
  type: string;
  object: { kind?: string; metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string> }; code?: number; reason?: string; rows?: { cells: unknown[] }[] };
}

/** Opens a watch and collects events until `until` is satisfied (or the timeout). */
async function watch(url: string, until: (events: WatchEvent[]) => boolean, init: RequestInit = {}, act?: () => Promise<void>): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const res = await fetch(url, { ...init, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const events: WatchEvent[] = [];
  let buf = '';
  const deadline = setTimeout(() => ac.abort(), 5000);
  let acted = false;
  try {
    for (;;) {
      if (!acted && act) {
        acted = true;
        void act();
      }
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
        buf = buf.slice(i + 1);
      }
      if (until(events)) break;
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(deadline);
    ac.abort();
  }
  return events;
}

describe('watch', () => {
  let k: KubeApiHarness;
  before(async () => {
    k = await startKubeApi();
  });
  after(async () => k.close());

  const kubectl = async (...args: string[]): Promise<void> => {
    const r = await k.kubectl(args);
    assert.equal(r.status, 0, r.stderr);
  };

  it('list, then watch from the list resourceVersion: only later changes, in order', async () => {
    await kubectl('create', 'cm', 'before', '--from-literal=a=b');
    const list = (await (await fetch(`${k.url}/api/v1/namespaces/default/configmaps`)).json()) as { kind: string; metadata: { resourceVersion: string } };
    assert.equal(list.kind, 'ConfigMapList');
    const rv = list.metadata.resourceVersion;
    const events = await watch(
      `${k.url}/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=5`,
      (e) => e.length >= 3,
      {},
      async () => {
        await kubectl('create', 'cm', 'after', '--from-literal=a=b');
        await kubectl('label', 'cm', 'after', 'x=y');
        await kubectl('delete', 'cm', 'after');
      },
    );
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`),
      ['ADDED after', 'MODIFIED after', 'DELETED after'],
    );
    const rvs = events.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.ok(rvs.every((v, i) => v > Number(rv) && (i === 0 || v > (rvs[i - 1] as number))), `increasing resourceVersions ${rvs.join(',')}`);
    assert.equal(events[0]?.object.kind, 'ConfigMap');
  });

  it('a watch without resourceVersion starts with ADDED for existing objects; selectors apply, transitions become ADDED/DELETED', async () => {
    const all = await watch(`${k.url}/api/v1/namespaces/default/configmaps?watch=true`, (e) => e.length >= 1);
    assert.deepEqual(all.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`), ['ADDED before']);
    const events = await watch(
      `${k.url}/api/v1/namespaces/default/configmaps?watch=1&labelSelector=team%3Dblue`,
      (e) => e.length >= 2,
      {},
      async () => {
        await kubectl('label', 'cm', 'before', 'team=blue');
        await kubectl('label', 'cm', 'before', '--overwrite', 'team=red');
      },
    );
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''} ${e.object.metadata?.labels?.['team'] ?? ''}`),
      ['ADDED before blue', 'DELETED before red'],
    );
  });

  it('an expired resourceVersion gets a 410 Expired ERROR event', async () => {
    const events = await watch(`${k.url}/api/v1/pods?watch=true&resourceVersion=1`, (e) => e.length >= 1);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object.code, 410);
    assert.equal(events[0]?.object.reason, 'Expired');
  });

  it('Table watch (what kubectl get -w asks for) has one row per event', async () => {
    const events = await watch(
      `${k.url}/api/v1/namespaces/default/configmaps?watch=true`,
      (e) => e.length >= 1,
      { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } },
    );
    assert.equal(events[0]?.object.kind, 'Table');
    assert.equal(events[0]?.object.rows?.[0]?.cells[0], 'before');
  });

  it('kubectl get pods -w prints changes as they happen', async () => {
    const child = spawn('/usr/bin/kubectl', ['--kubeconfig', k.kubeconfigPath, '--cache-dir', join(k.dataDir, 'watch-cache'), 'get', 'pods', '-w'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: k.dataDir },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const waitFor = async (re: RegExp): Promise<void> => {
      for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      await waitFor(/No resources|NAME/);
      await new Promise((r) => setTimeout(r, 300));
      await kubectl('run', 'watched', '--image=busybox');
      await waitFor(/watched\s+1\/1\s+Running/);
      assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.match(out, /^watched\s+0\/1\s+Pending\s+0\s+\d+s$/m);
      assert.match(out, /^watched\s+1\/1\s+Running\s+0\s+\d+s$/m);
    } finally {
      child.kill();
    }
  });
});

describe('@kubernetes/client-node informer', () => {
  it('lists, then sees add/update/delete through the watch', async () => {
    const k = await startKubeApi();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(k.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/serviceaccounts', () => core.listServiceAccountForAllNamespaces());
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name ?? ''} ${o.metadata?.annotations?.['a'] ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name ?? ''}`));
    informer.on('error', (e) => seen.push(`error ${String(e)}`));
    try {
      await informer.start();
      for (const args of [['create', 'sa', 'x'], ['annotate', 'sa', 'x', 'a=b'], ['delete', 'sa', 'x']]) assert.equal((await k.kubectl(args)).status, 0);
      for (let i = 0; i < 50 && !seen.includes('delete x'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(seen.includes('add default/default'), seen.join('; '));
      assert.deepEqual(seen.slice(-3), ['add default/x', 'update x b', 'delete x']);
      // Typed client writes (JSON) take the same path.
      const pod = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
      assert.equal(pod.status?.phase, 'Pending');
      assert.equal(pod.spec?.serviceAccountName, 'default');
    } finally {
      await informer.stop();
      await k.close();
    }
  });
});

describe('restart durability', () => {
  it('objects, resourceVersions and pod state survive closing and reopening the store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'irsa-kube-restart-'));
    try {
      const a = await startKubeApi({ dataDir });
      for (const args of [
        ['create', 'ns', 'keep'],
        ['create', 'sa', 'my-sa', '-n', 'keep'],
        ['annotate', 'sa', 'my-sa', '-n', 'keep', 'eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/r'],
        ['run', 'p', '-n', 'keep', '--image=busybox'],
        ['create', 'deployment', 'd', '-n', 'keep', '--image=nginx', '--replicas=2'],
      ]) {
        const r = await a.kubectl(args);
        assert.equal(r.status, 0, r.stderr);
      }
      for (let i = 0; i < 5; i++) await a.api.controllers.idle();
      const before = JSON.parse((await a.kubectl(['get', 'pods', '-n', 'keep', '-o', 'json'])).stdout) as { items: { metadata: { name: string; uid: string } }[]; metadata: { resourceVersion: string } };
      assert.equal(before.items.length, 3);
      await a.close();

      const b = await startKubeApi({ dataDir });
      try {
        const after = JSON.parse((await b.kubectl(['get', 'pods', '-n', 'keep', '-o', 'json'])).stdout) as typeof before;
        assert.deepEqual(
          after.items.map((p) => [p.metadata.name, p.metadata.uid]),
          before.items.map((p) => [p.metadata.name, p.metadata.uid]),
        );
        assert.ok(Number(after.metadata.resourceVersion) >= Number(before.metadata.resourceVersion));
        const sa = await b.kubectl(['describe', 'sa', 'my-sa', '-n', 'keep']);
        assert.match(sa.stdout, /eks\.amazonaws\.com\/role-arn: arn:aws:iam::111122223333:role\/r/);
        assert.match((await b.kubectl(['get', 'deploy', '-n', 'keep'])).stdout, /^d\s+2\/2\s/m);
        await b.kubectl(['create', 'cm', 'new', '-n', 'keep']);
        const cm = JSON.parse((await b.kubectl(['get', 'cm', 'new', '-n', 'keep', '-o', 'json'])).stdout) as { metadata: { resourceVersion: string } };
        assert.ok(Number(cm.metadata.resourceVersion) > Number(before.metadata.resourceVersion), 'the counter continues');
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
