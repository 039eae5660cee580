/**
 * What replicas share through the store, on the real stores: the CA (and the migration of an
 * installation's file CA into the store), the data key check, `--store` parsing (never echoing a
 * connection string) and the commit announcements of PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCertificateAuthority } from '../../src/crypto/certificates.js';
import { secretSealer } from '../../src/server/bootstrap.js';
import { loadOrCreateCa } from '../../src/server/clusters.js';
import { StoreConfigError, checkDataKey, dataKeyFor, describeStore, parseStoreLocation, recordDataKey } from '../../src/server/store-config.js';
import { StoreHealth } from '../../src/server/store-health.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startTestPostgres } from '../support/postgres.js';

// Started before any test is declared: the runner starts once the module has been evaluated.
const server = await startTestPostgres();
const quiet = { info: () => undefined, error: () => undefined };
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'irsa-shared-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('--store and the data key', () => {
  it('parses sqlite and postgres locations and never prints a password', () => {
    assert.deepEqual(parseStoreLocation(undefined, '/tmp/x'), { kind: 'sqlite', dir: '/tmp/x' });
    assert.deepEqual(parseStoreLocation('sqlite:/tmp/y', '/tmp/x'), { kind: 'sqlite', dir: '/tmp/y' });
    const loc = parseStoreLocation('postgres://irsa:s3cret@db.example:5433/irsa?sslmode=require', '/tmp/x');
    assert.equal(loc.kind, 'postgres');
    assert.equal(describeStore(loc), 'postgres://db.example:5433/irsa');
    assert.throws(() => parseStoreLocation('mysql://u:s3cret@h/db', '/tmp/x'), (e: Error) => e instanceof StoreConfigError && !e.message.includes('s3cret'));
  });

  it('requires an explicit, well-formed data key for PostgreSQL', () => {
    const pg = parseStoreLocation('postgres://h/db', '/tmp/x');
    assert.throws(() => dataKeyFor(pg, {}, { create: true }), /needs the data key/);
    assert.throws(() => dataKeyFor(pg, { env: 'c2hvcnQ=' }, { create: true }), /exactly 32 bytes/);
    const key = randomBytes(32);
    assert.deepEqual(dataKeyFor(pg, { env: key.toString('base64') }, { create: true }), key);
    const file = join(tmp(), 'key');
    writeFileSync(file, `${key.toString('base64')}\n`);
    assert.deepEqual(dataKeyFor(pg, { file, env: randomBytes(32).toString('base64') }, { create: true }), key);
    assert.throws(() => dataKeyFor(pg, { file: join(tmp(), 'missing') }, { create: true }), /cannot read/);
  });

  it('keeps DIR/data.key for SQLite and refuses a key file that is not it', () => {
    const dir = tmp();
    const loc = parseStoreLocation(undefined, dir);
    const key = dataKeyFor(loc, {}, { create: true });
    assert.deepEqual(dataKeyFor(loc, {}, { create: false }), key);
    const other = join(dir, 'other.key');
    writeFileSync(other, randomBytes(32).toString('base64'));
    assert.throws(() => dataKeyFor(loc, { file: other }, { create: true }), /is not the data key/);
  });

  it('records a key check value and refuses another key', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const key = randomBytes(32);
      await checkDataKey(store, key, 'here');
      await recordDataKey(store, key);
      await checkDataKey(store, key, 'here');
      await assert.rejects(checkDataKey(store, randomBytes(32), 'here'), /data key does not match/);
    } finally {
      await store.close();
    }
  });
});

describe('the installation CA in the store', () => {
  it('moves a file CA (DIR/ca.crt, DIR/ca.key) into the store and keeps using it', async () => {
    const dir = tmp();
    const sealer = secretSealer(randomBytes(32));
    const old = createCertificateAuthority('irsa-local cluster CA');
    writeFileSync(join(dir, 'ca.crt'), old.certPem);
    writeFileSync(join(dir, 'ca.key'), `${sealer.seal(old.keyPem)}\n`);
    const store = openSqliteStore(join(dir, 'store.db'));
    try {
      const ca = await loadOrCreateCa(store, dir, sealer);
      assert.equal(ca.certPem, old.certPem);
      assert.equal(ca.keyPem, old.keyPem);
      rmSync(join(dir, 'ca.key'));
      rmSync(join(dir, 'ca.crt'));
      const again = await loadOrCreateCa(store, dir, sealer);
      assert.equal(again.certPem, old.certPem);
      assert.equal(again.thumbprint, ca.thumbprint);
      // The public certificate is written back for clients.
      assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), old.certPem);
      assert.equal(existsSync(join(dir, 'ca.key')), false);
    } finally {
      await store.close();
    }
  });

  it('gives every data directory on one store the same CA', async () => {
    const store = openSqliteStore(':memory:');
    const sealer = secretSealer(randomBytes(32));
    try {
      const a = await loadOrCreateCa(store, tmp(), sealer);
      const b = await loadOrCreateCa(store, tmp(), sealer);
      assert.equal(a.certPem, b.certPem);
      assert.equal(a.keyPem, b.keyPem);
    } finally {
      await store.close();
    }
  });
});


describe('PostgreSQL commit announcements and health', { skip: 'skip' in server ? server.skip : false }, () => {
  const url = 'url' in server ? server.url : '';
  after(async () => {
    if ('stop' in server) await server.stop();
  });

  it('announces committed writes to the other processes, not to itself, and not reads, rollbacks or quiet kinds', async () => {
    const a = await openPostgresStore(url, { origin: 'replica-a', quietKinds: ['log'] });
    const b = await openPostgresStore(url, { origin: 'replica-b' });
    const heard: string[] = [];
    let gaps = 0;
    const stopB = b.changes!.subscribe(
      (o) => heard.push(o),
      () => gaps++,
    );
    const stopA = a.changes!.subscribe(
      (o) => heard.push(`a heard ${o}`),
      () => undefined,
    );
    try {
      const until = async (p: () => boolean): Promise<void> => {
        for (let i = 0; i < 200 && !p(); i++) await new Promise((r) => setTimeout(r, 25));
      };
      await until(() => gaps >= 1);
      assert.equal(gaps, 1, 'the listener reports a gap once it listens');
      await a.read((t) => t.get('k', 's', 'x'));
      await assert.rejects(
        a.tx(async (t) => {
          await t.put('k', 's', 'rolled-back', {});
          throw new Error('no');
        }),
      );
      // A write of a quiet kind only (the decision log) is not announced.
      await a.tx((t) => t.put('log', 's', 'entry', { v: 1 }));
      await a.tx((t) => t.put('k', 's', 'x', { v: 1 }));
      await until(() => heard.length >= 1);
      // A marker write from B (heard by A) orders the check: everything A sent before is delivered.
      await b.tx((t) => t.put('k', 's', 'y', { v: 1 }));
      await until(() => heard.includes('a heard replica-b'));
      assert.deepEqual(heard.filter((h) => !h.startsWith('a heard')), ['replica-a']);
      assert.deepEqual(heard.filter((h) => h.startsWith('a heard')), ['a heard replica-b']);
    } finally {
      await stopA();
      await stopB();
      await a.close();
      await b.close();
    }
  });

  it('reports a store that cannot be reached, without the password', async () => {
    const u = new URL(url);
    u.password = 'hunter2-secret';
    u.port = '1'; // nothing listens there
    const s = await openPostgresStore(url);
    const broken = { ...s, backend: 'postgres' as const, ping: () => openPostgresStore(u.toString()).then(() => undefined), tx: s.tx.bind(s), read: s.read.bind(s), close: s.close.bind(s) };
    const health = new StoreHealth(broken, quiet);
    try {
      await health.check();
      assert.equal(health.available, false);
      const report = health.report();
      assert.equal(report.status, 'unavailable');
      assert.doesNotMatch(JSON.stringify(report), /hunter2/);
      const ok = new StoreHealth(s, quiet);
      await ok.check();
      assert.equal(ok.report().status, 'ok');
    } finally {
      await s.close();
    }
  });
});
