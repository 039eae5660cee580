/**
 * The credential resolver remembers session tokens it has opened (so the AEAD runs once per
 * token, not per request). What a cache must not change: expiry is checked on every use, the
 * access key must still match its token, and a token that does not open is never remembered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IamEnv } from '../../src/iam/env.js';
import { CredentialResolver } from '../../src/server/auth.js';
import { bootstrap, secretSealer } from '../../src/server/bootstrap.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { SessionSealer } from '../../src/sts/session.js';
import { AuthFailure } from '../../src/wire/sigv4.js';

describe('credential resolver: remembered session tokens', () => {
  let dir = '';
  let store: Store;
  let resolver: CredentialResolver;
  let sessions: SessionSealer;
  let env: IamEnv;
  let now = Date.now();
  const claims = { account: '', roleArn: '', roleId: 'AROAEXAMPLEROLEID0001', roleName: 'app', sessionName: 'pod-1' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-resolver-'));
    store = openSqliteStore(join(dir, 'store.db'));
    env = {
      store,
      now: () => new Date(now),
      random: (n) => randomBytes(n),
      partition: 'aws',
      sealer: secretSealer(randomBytes(32)),
      cacheTtlMs: Number.POSITIVE_INFINITY,
      generation: 0,
    };
    const boot = await bootstrap(store, env, undefined);
    claims.account = boot.account;
    claims.roleArn = `arn:aws:iam::${boot.account}:role/app`;
    sessions = new SessionSealer(boot.sessionAead);
    resolver = new CredentialResolver(env, sessions);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function resolve(accessKeyId: string, token: string | undefined): Promise<{ secret: string; arn: string | undefined } | AuthFailure> {
    const { lookup, caller } = resolver.forRequest();
    try {
      const { secretAccessKey } = await lookup(accessKeyId, token);
      return { secret: secretAccessKey, arn: caller()?.arn };
    } catch (e) {
      if (e instanceof AuthFailure) return e;
      throw e;
    }
  }

  it('a token is accepted again and again, then refused once it expires, though it was remembered', async () => {
    now = Date.now();
    const c = sessions.issue(env.random, new Date(now), 900, claims).credentials;
    for (let i = 0; i < 3; i++) {
      const got = await resolve(c.accessKeyId, c.sessionToken);
      assert.ok(!(got instanceof AuthFailure), `use ${i + 1}`);
      assert.equal(got.secret, c.secretAccessKey);
      assert.equal(got.arn, `arn:aws:sts::${claims.account}:assumed-role/app/pod-1`);
    }
    now += 901_000;
    const late = await resolve(c.accessKeyId, c.sessionToken);
    assert.ok(late instanceof AuthFailure);
    assert.equal(late.kind, 'expiredToken');
    now = Date.now();
  });

  it('a remembered token with another access key id is still invalid', async () => {
    const a = sessions.issue(env.random, new Date(now), 900, claims).credentials;
    const b = sessions.issue(env.random, new Date(now), 900, claims).credentials;
    assert.ok(!((await resolve(a.accessKeyId, a.sessionToken)) instanceof AuthFailure));
    const swapped = await resolve(b.accessKeyId, a.sessionToken);
    assert.ok(swapped instanceof AuthFailure);
    assert.equal(swapped.kind, 'invalidToken');
  });

  it('a tampered token is refused every time (failures are not remembered)', async () => {
    const c = sessions.issue(env.random, new Date(now), 900, claims).credentials;
    const raw = Buffer.from(c.sessionToken, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    const tampered = raw.toString('base64');
    for (let i = 0; i < 2; i++) {
      const got = await resolve(c.accessKeyId, tampered);
      assert.ok(got instanceof AuthFailure);
      assert.equal(got.kind, 'invalidToken');
    }
    assert.ok(!((await resolve(c.accessKeyId, c.sessionToken)) instanceof AuthFailure), 'the genuine token still works');
  });
});
