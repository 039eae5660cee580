import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ClusterIssuer, MAX_TOKEN_SECONDS } from '../../src/oidc/issuer.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

/** The cluster's ServiceAccount token issuer: token shape, kids, rotation, durability. */
describe('ClusterIssuer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-issuer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const sealer = { seal: (s: string) => `sealed:${Buffer.from(s).toString('base64')}`, open: (s: string) => Buffer.from(s.slice(7), 'base64').toString() };
  let clock = new Date('2026-11-28T10:00:00Z');
  const now = () => clock;
  const url = 'https://127.0.0.1:4443/id/0123456789ABCDEF0123456789ABCDEF';

  it('signs projected-ServiceAccount-shaped tokens that verify against its JWKS', async () => {
    const store = openSqliteStore(join(dir, 'a.db'));
    const issuer = new ClusterIssuer(url, 'local', store, sealer, now, { name: 'irsa-local-node', uid: 'n1' });
    await issuer.init();
    const { token, expirationTimestamp } = await issuer.issue({
      namespace: 'weasel',
      serviceAccount: { name: 'weasel-eks-pod-sa', uid: 'sa-uid' },
      audiences: ['sts.amazonaws.com'],
      expirationSeconds: 86400,
      pod: { name: 'aws-cli-pod', uid: 'pod-uid' },
    });
    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'RS256');
    assert.match(header.kid ?? '', /^[A-Za-z0-9_-]{43}$/);
    const { payload } = await jwtVerify(token, createLocalJWKSet(issuer.jwksDocument()), { issuer: url, audience: 'sts.amazonaws.com', currentDate: clock });
    assert.equal(payload.sub, 'system:serviceaccount:weasel:weasel-eks-pod-sa');
    assert.deepEqual(payload.aud, ['sts.amazonaws.com']);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 86400);
    assert.equal(payload.nbf, payload.iat);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.deepEqual(payload['kubernetes.io'], {
      namespace: 'weasel',
      serviceaccount: { name: 'weasel-eks-pod-sa', uid: 'sa-uid' },
      node: { name: 'irsa-local-node', uid: 'n1' },
      pod: { name: 'aws-cli-pod', uid: 'pod-uid' },
    });
    assert.equal(expirationTimestamp.getTime(), (payload.exp ?? 0) * 1000);
    assert.deepEqual(issuer.discoveryDocument()['jwks_uri'], `${url}/keys`);
    await store.close();
  });

  it('defaults the audience to the issuer and clamps lifetimes to 10 min – 48 h', async () => {
    const store = openSqliteStore(join(dir, 'b.db'));
    const issuer = new ClusterIssuer(url, 'local', store, sealer, now, { name: 'n', uid: 'n' });
    await issuer.init();
    const short = await issuer.issue({ namespace: 'd', serviceAccount: { name: 's', uid: 'u' }, audiences: [], expirationSeconds: 1 });
    const { payload } = await jwtVerify(short.token, createLocalJWKSet(issuer.jwksDocument()), { currentDate: clock });
    assert.deepEqual(payload.aud, [url]);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 600);
    assert.equal(payload['kubernetes.io'] && (payload['kubernetes.io'] as Record<string, unknown>)['pod'], undefined);
    const long = await issuer.issue({ namespace: 'd', serviceAccount: { name: 's', uid: 'u' }, audiences: ['x'], expirationSeconds: 10 ** 9 });
    assert.equal(long.expirationTimestamp.getTime() - clock.getTime(), MAX_TOKEN_SECONDS * 1000);
    await store.close();
  });

  it('rotates without breaking live tokens, and drops retired keys once their tokens expired', async () => {
    const store = openSqliteStore(join(dir, 'c.db'));
    const issuer = new ClusterIssuer(url, 'local', store, sealer, now, { name: 'n', uid: 'n' });
    await issuer.init();
    const before = await issuer.issue({ namespace: 'd', serviceAccount: { name: 's', uid: 'u' }, audiences: ['a'], expirationSeconds: 86400 });
    const oldKid = decodeProtectedHeader(before.token).kid;
    const newKid = await issuer.rotate();
    assert.notEqual(newKid, oldKid);
    const after1 = await issuer.issue({ namespace: 'd', serviceAccount: { name: 's', uid: 'u' }, audiences: ['a'], expirationSeconds: 3600 });
    assert.equal(decodeProtectedHeader(after1.token).kid, newKid);
    assert.deepEqual(issuer.jwksDocument().keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());
    // Both tokens still verify.
    for (const t of [before.token, after1.token]) await jwtVerify(t, createLocalJWKSet(issuer.jwksDocument()), { currentDate: clock });
    // After the longest lifetime has passed, the next rotation drops the old key.
    clock = new Date(clock.getTime() + (MAX_TOKEN_SECONDS + 60) * 1000);
    const third = await issuer.rotate();
    const kids = issuer.jwksDocument().keys.map((k) => k.kid);
    assert.ok(!kids.includes(oldKid), 'the first key is gone');
    assert.ok(kids.includes(newKid) && kids.includes(third));
    await store.close();
  });

  it('keeps its keys across restarts (same kid, same JWKS)', async () => {
    const file = join(dir, 'd.db');
    let store = openSqliteStore(file);
    let issuer = new ClusterIssuer(url, 'local', store, sealer, now, { name: 'n', uid: 'n' });
    await issuer.init();
    const kid = decodeProtectedHeader((await issuer.issue({ namespace: 'd', serviceAccount: { name: 's', uid: 'u' }, audiences: ['a'], expirationSeconds: 600 })).token).kid;
    await store.close();
    store = openSqliteStore(file);
    issuer = new ClusterIssuer(url, 'local', store, sealer, now, { name: 'n', uid: 'n' });
    await issuer.init();
    assert.equal(decodeProtectedHeader((await issuer.issue({ namespace: 'd', serviceAccount: { name: 's', uid: 'u' }, audiences: ['a'], expirationSeconds: 600 })).token).kid, kid);
    assert.equal(issuer.jwksDocument().keys.length, 1);
    await store.close();
  });
});
