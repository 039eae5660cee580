import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ServiceAccountLookup } from '../../../src/kube/contracts.js';
import { ServiceAccountCache } from '../../../src/kube/webhook/sa-cache.js';
import { createPodIdentityWebhook } from '../../../src/kube/webhook/webhook.js';
import { serviceAccount } from './support.js';

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const sa = serviceAccount('default', 'app', { 'eks.amazonaws.com/role-arn': ROLE, 'other.example/x': 'y' });

function liveApi(store: KubeObject[], behaviour: { delayMs?: number; fail?: boolean } = {}): ServiceAccountLookup & { calls: number } {
  const api = {
    calls: 0,
    async get(namespace: string, name: string) {
      api.calls++;
      if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
      if (behaviour.fail) throw new Error('503 Service Unavailable');
      return store.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name);
    },
  };
  return api;
}

describe('better than upstream (b) #174: a ServiceAccount created just before its pod is found', () => {
  it('a cache miss falls back to a live GET and caches the result', async () => {
    const api = liveApi([sa]);
    const cache = new ServiceAccountCache({ fetch: api });
    assert.equal((await cache.get('default', 'app'))?.metadata?.annotations?.['eks.amazonaws.com/role-arn'], ROLE);
    await cache.get('default', 'app');
    assert.equal(api.calls, 1, 'second lookup served from the cache');
  });

  it('the webhook mutates a pod whose SA the informer has not delivered yet', async () => {
    const cache = new ServiceAccountCache({ fetch: liveApi([sa]) });
    const webhook = createPodIdentityWebhook({ sources: { serviceAccounts: cache } });
    const ops = await webhook.patch({ metadata: { name: 'p' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c' }] } }, 'default');
    assert.ok(ops?.some((o) => JSON.stringify(o.value).includes(ROLE)));
  });

  it('an informer hit needs no GET; a name of "" never causes one', async () => {
    const api = liveApi([sa]);
    const cache = new ServiceAccountCache({ fetch: api });
    cache.upsert(sa);
    assert.ok(await cache.get('default', 'app'));
    assert.equal(await cache.get('default', ''), undefined);
    assert.equal(api.calls, 0);
  });

  it('concurrent misses share one GET', async () => {
    const api = liveApi([sa], { delayMs: 20 });
    const cache = new ServiceAccountCache({ fetch: api });
    const results = await Promise.all([1, 2, 3, 4].map(() => cache.get('default', 'app')));
    assert.ok(results.every((r) => r !== undefined));
    assert.equal(api.calls, 1);
  });

  it('not found: undefined at once without a grace period', async () => {
    const cache = new ServiceAccountCache({ fetch: liveApi([]) });
    const t = Date.now();
    assert.equal(await cache.get('default', 'app'), undefined);
    assert.ok(Date.now() - t < 200);
  });

  it('with a grace period, waits for the informer after a GET that found nothing', async () => {
    const cache = new ServiceAccountCache({ fetch: liveApi([]), graceMs: 2000 });
    setTimeout(() => cache.upsert(sa), 30);
    assert.ok(await cache.get('default', 'app'));
    const short = new ServiceAccountCache({ fetch: liveApi([]), graceMs: 30 });
    assert.equal(await short.get('default', 'app'), undefined);
  });

  it('a failing GET rejects without a grace period (the webhook then fails open) and waits with one', async () => {
    await assert.rejects(new ServiceAccountCache({ fetch: liveApi([sa], { fail: true }) }).get('default', 'app'), /503/);
    const cache = new ServiceAccountCache({ fetch: liveApi([sa], { fail: true }), graceMs: 1000 });
    setTimeout(() => cache.upsert(sa), 20);
    assert.ok(await cache.get('default', 'app'));
  });

  it('a GET that hangs times out', async () => {
    const cache = new ServiceAccountCache({ fetch: liveApi([sa], { delayMs: 500 }), fetchTimeoutMs: 20 });
    await assert.rejects(cache.get('default', 'app'), /timed out/);
  });

  it('keeps only annotations under the prefix, and forgets deleted SAs', async () => {
    const cache = new ServiceAccountCache({ annotationPrefix: 'eks.amazonaws.com' });
    cache.upsert(sa);
    assert.deepEqual(cache.peek('default', 'app')?.metadata?.annotations, { 'eks.amazonaws.com/role-arn': ROLE });
    cache.remove('default', 'app');
    assert.equal(await cache.get('default', 'app'), undefined);
    assert.equal(cache.size, 0);
  });
});
