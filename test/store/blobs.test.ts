import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { FsBlobStore } from '../../src/store/blobs.js';
import { CHUNK, DEFAULT_SWEEP_AFTER_MS } from '../../src/store/pg-blobs.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { startTestPostgres } from '../support/postgres.js';
import { runBlobContract } from './blob-contract.js';

/** The BlobStore contract against the file store and the PostgreSQL store (S3 object bytes). */

const dir = mkdtempSync(join(tmpdir(), 'irsa-blobs-'));
runBlobContract('files', async () => new FsBlobStore(join(dir, 's3')), async () => rmSync(dir, { recursive: true, force: true }));

const server = await startTestPostgres();
const skip = 'skip' in server ? server.skip : undefined;
const url = 'url' in server ? server.url : '';
if ('how' in server) console.log(`# PostgreSQL: ${server.how}`);

// Every open is a replica: its own PostgresStore (pool) on the same database.
const stores: PostgresStore[] = [];
let stopped = false;
const stop = async (): Promise<void> => {
  if (stopped) return;
  stopped = true;
  await Promise.all(stores.map((s) => s.close()));
  if (!('skip' in server)) await server.stop();
};

/** Runs SQL on the test database directly (to look at rows, or to move time stamps into the past). */
async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end();
  }
}

if (skip) it('PostgreSQL blob store specifics', { skip }, () => undefined);
else describe('PostgreSQL blob store specifics', () => {
  const open = async (): Promise<PostgresStore> => {
    const s = await openPostgresStore(url);
    stores.push(s);
    return s;
  };

  it('bytes are stored as chunk rows of exactly CHUNK bytes (the last shorter), EXTERNAL storage; commit flips the state', async () => {
    const blobs = (await open()).blobStore();
    const n = 2 * CHUNK + 12345;
    const s = await blobs.stage((async function* () {
      for (let i = 0; i < n; i += 100_000) yield Buffer.alloc(Math.min(100_000, n - i), i % 251);
    })());
    const state = async () => (await sql<{ state: string; size: string }>('SELECT state, size FROM blobs WHERE id = $1', [s.id]))[0];
    assert.deepEqual(await state(), { state: 'staged', size: String(n) });
    const chunks = await sql<{ seq: number; len: number }>('SELECT seq, octet_length(data) AS len FROM blob_chunks WHERE blob_id = $1 ORDER BY seq', [s.id]);
    assert.deepEqual(chunks, [{ seq: 0, len: CHUNK }, { seq: 1, len: CHUNK }, { seq: 2, len: 12345 }]);
    const storage = await sql<{ attstorage: string }>(`SELECT attstorage FROM pg_attribute WHERE attrelid = 'blob_chunks'::regclass AND attname = 'data'`);
    assert.equal(storage[0]?.attstorage, 'e');
    await s.commit();
    assert.deepEqual(await state(), { state: 'committed', size: String(n) });
    await blobs.remove([s.id]);
    assert.equal((await sql('SELECT 1 FROM blob_chunks WHERE blob_id = $1', [s.id])).length, 0);
    assert.equal(await state(), undefined);
  });

  it('the blob schema is one migration of the store, applied once', async () => {
    await open();
    const rows = await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.ok(rows.length >= 2);
    assert.deepEqual(rows.map((r) => r.version), rows.map((_, i) => i + 1));
  });

  it('a closed store has no blob store, and its blob store refuses work', async () => {
    const store = await open();
    const blobs = store.blobStore();
    assert.equal(store.blobStore(), blobs);
    await store.close();
    assert.throws(() => store.blobStore(), /closed/);
    await assert.rejects(blobs.stage((async function* () {})()), /closed/);
  });
});

runBlobContract(
  'postgres',
  async () => {
    const s = await openPostgresStore(url);
    stores.push(s);
    return s.blobStore();
  },
  stop,
  {
    ...(skip ? { skip } : {}),
    chunk: CHUNK,
    sweepGrace: {
      afterMs: DEFAULT_SWEEP_AFTER_MS,
      age: async (ids, ms) => {
        const shift = `${Math.round(ms / 1000)} seconds`;
        if (ids === 'staged') await sql(`UPDATE blobs SET touched_at = touched_at - $1::interval WHERE state = 'staged'`, [shift]);
        else await sql('UPDATE blobs SET touched_at = touched_at - $1::interval WHERE id = ANY($2::text[])', [shift, ids]);
      },
    },
  },
);

after(stop);
