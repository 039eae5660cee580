import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore, prefixEnd } from '../../src/store/postgres.js';
import { StoreError, type StoreTx } from '../../src/store/store.js';
import { startTestPostgres } from '../support/postgres.js';
import { runStoreContract } from './contract.js';

// A throwaway server (or IRSA_PG_URL), started once for this file; skipped only when there are no
// PostgreSQL server binaries at all.
const server = await startTestPostgres();
const skip = 'skip' in server ? server.skip : undefined;
const url = 'url' in server ? server.url : '';
if ('how' in server) console.log(`# PostgreSQL: ${server.how}`);

let stopped = false;
const stop = async (): Promise<void> => {
  if (stopped || 'skip' in server) return;
  stopped = true;
  await server.stop();
};

/** The same database with another search_path: a fresh, empty schema. */
async function schemaUrl(schema: string, setup?: (c: pg.Client) => Promise<void>): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA ${schema}`);
    if (setup) await setup(c);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

if (skip) it('PostgreSQL store specifics', { skip }, () => undefined);
else describe('PostgreSQL store specifics', () => {
  // The contract suite below stops the server when it finishes; this block runs first.
  let n = 0;
  const scope = () => `pg-specific-${++n}`;

  it('replicas starting together on an empty schema migrate it once', async () => {
    const u = await schemaUrl('replicas');
    const stores = await Promise.all(Array.from({ length: 8 }, () => openPostgresStore(u)));
    try {
      await stores[0]!.tx((t) => t.insert('k', 's', 'x', {}));
      for (const s of stores) assert.equal(await s.read((t) => t.count('k', 's')), 1);
      const c = new pg.Client({ connectionString: u });
      await c.connect();
      try {
        const { rows } = await c.query<{ version: number }>('SELECT version FROM replicas.schema_migrations ORDER BY version');
        // Each migration once, in order: the documents, then S3 object bytes (pg-blobs.ts), …
        assert.ok(rows.length >= 2);
        assert.deepEqual(
          rows.map((r) => r.version),
          rows.map((_, i) => i + 1),
        );
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('refuses a schema written by a newer irsa-local, with StoreError', async () => {
    const u = await schemaUrl('newer', async (c) => {
      await c.query('CREATE TABLE newer.schema_migrations (version INTEGER PRIMARY KEY)');
      await c.query('INSERT INTO newer.schema_migrations VALUES (99)');
    });
    await assert.rejects(openPostgresStore(u), (e: unknown) => e instanceof StoreError && /newer irsa-local/.test(e.message));
  });

  it('an unreachable server is a StoreError whose message holds no password', async () => {
    await assert.rejects(openPostgresStore('postgres://irsa:s3cretpw@127.0.0.1:1/nothing'), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.doesNotMatch(e.message, /s3cretpw/);
      return true;
    });
  });

  it('gives up after maxAttempts serialization failures, with StoreError carrying SQLSTATE 40001', async () => {
    const store = await openPostgresStore(url, { maxAttempts: 1 });
    try {
      const s = scope();
      await store.tx((t) => t.put('counter', s, 'c', { n: 0 }));
      let arrived = 0;
      let release!: () => void;
      const bothRead = new Promise<void>((r) => (release = r));
      const results = await Promise.allSettled(
        [0, 1].map(() =>
          store.tx(async (t) => {
            const c = (await t.get<{ n: number }>('counter', s, 'c'))!;
            if (++arrived === 2) release();
            await bothRead;
            await t.put('counter', s, 'c', { n: c.n + 1 });
          }),
        ),
      );
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(rejected.length, 1);
      const err = rejected[0]!.reason as StoreError;
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /after 1 attempts/);
      assert.equal((err.cause as { code?: string }).code, '40001');
      assert.deepEqual(await store.read((t) => t.get('counter', s, 'c')), { n: 1 });
    } finally {
      await store.close();
    }
  });

  it('a database error the callback swallows still fails the transaction, and nothing is written', async () => {
    const store = await openPostgresStore(url);
    try {
      const s = scope();
      await assert.rejects(
        store.tx(async (t) => {
          await t.insert('k', s, 'before', {});
          // PostgreSQL text cannot hold NUL: the statement fails and aborts the transaction.
          await t.insert('k', s, 'bad\u0000key', {}).then(
            () => assert.fail('NUL accepted'),
            (e: unknown) => assert.ok(e instanceof StoreError),
          );
          await assert.rejects(
            t.get('k', s, 'before'),
            /aborted by an earlier error/,
          );
          return 'swallowed';
        }),
        (e: unknown) => e instanceof StoreError && /SQLSTATE 22021/.test(e.message),
      );
      assert.equal(await store.read((t) => t.count('k', s)), 0);
    } finally {
      await store.close();
    }
  });

  it('a StoreTx used after its transaction ended rejects with StoreError', async () => {
    const store = await openPostgresStore(url);
    try {
      let leaked: StoreTx | undefined;
      await store.tx(async (t) => {
        leaked = t;
      });
      await assert.rejects(leaked!.count('k', 'x'), StoreError);
    } finally {
      await store.close();
    }
  });

  it('prefixEnd is the least string above every string with the prefix', () => {
    assert.equal(prefixEnd(''), undefined);
    assert.equal(prefixEnd('ab'), 'ac');
    assert.equal(prefixEnd('a\uffff'), 'a\u{10000}');
    assert.equal(prefixEnd('a\ud7ff'), 'a\ue000');
    assert.equal(prefixEnd('a\u{10ffff}'), 'b');
    assert.equal(prefixEnd('\u{10ffff}\u{10ffff}'), undefined);
  });
});

runStoreContract('postgres', () => openPostgresStore(url), stop, { multiInstance: true, ...(skip ? { skip } : {}) });

// If the contract suite was skipped or never got to its cleanup, still stop the server.
after(stop);
