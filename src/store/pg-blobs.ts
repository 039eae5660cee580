import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { blobSlices, type BlobRead, type BlobSegment, type BlobSlice, type BlobStore, type StagedBlob } from './blob-store.js';
import { StoreError } from './store.js';
import { CACHE_ITEM_MAX, SmallBlobCache } from './blob-cache.js';

/**
 * Blobs in PostgreSQL, for replicas that share nothing on disk (docs/scale-out.md, "Object bytes
 * in PostgreSQL"). Same protocol as the file store (blob-store.ts):
 *
 * - `blobs(id, size, state, created_at, touched_at)`: one row per blob, `state` 'staged' while
 *   the upload streams in, 'committed' once `commit` flipped it (one statement, durable on COMMIT);
 * - `blob_chunks(blob_id, seq, data)`: the bytes in chunks of exactly CHUNK bytes (the last one
 *   shorter), so the chunk holding byte `o` is `o / CHUNK`: a range reads only the chunks it needs,
 *   and `data` is stored EXTERNAL (out of line, uncompressed) so `substring` fetches only the
 *   TOAST pieces a partial chunk needs.
 *
 * `stage` writes each chunk as it fills, one autocommitted statement per chunk (with at most one
 * in flight while the next fills): memory stays at about two chunks whatever the object's size,
 * and an interrupted upload leaves a staged row that `sweep` removes later.
 *
 * Reads of more than SMALL_READ bytes run in a REPEATABLE READ, READ ONLY transaction on a
 * connection of their own (a second pool, so a copy that reads and writes at once never waits for
 * a connection it holds itself): the snapshot is taken before `read` resolves, so a concurrent
 * `remove` cannot cut a read short — the equivalent of the file store's open descriptors. Small
 * reads are one statement (one snapshot) on the shared pool.
 *
 * Several replicas share the tables, and `sweep` runs when any of them starts: it removes only
 * staged blobs untouched for `sweepAfterMs` (default one hour; another replica may be uploading a
 * young one) and committed blobs `isLive` rejects that were committed at least that long ago (a
 * blob another replica committed a moment ago may be named by metadata committed after `isLive`'s
 * snapshot was taken). Times are the database server's clock, never a replica's.
 *
 * Blobs are immutable and ids (128 random bits) are never reused, so small blobs are cached in
 * memory by id, as in the file store: safe across replicas, since a blob's bytes never change and
 * only metadata that names it leads to a read.
 */
const ID = /^[0-9a-f]{32}$/;
/** Bytes per chunk row. */
export const CHUNK = 1024 * 1024;
const SMALL_READ = 256 * 1024;
/** Staged blobs untouched this long, and unreferenced committed ones this old, are swept. */
export const DEFAULT_SWEEP_AFTER_MS = 60 * 60 * 1000;
/** Committed blob ids examined per sweep query (bounded memory over any number of blobs). */
const SWEEP_PAGE = 5000;

/**
 * The schema, applied by postgres.ts's migrations (one of its MIGRATIONS, under its advisory lock).
 * `blob_chunks.data` is EXTERNAL: object bytes are usually compressed already, and uncompressed
 * out-of-line values let `substring` read a slice without fetching the whole value.
 */
export const BLOB_SCHEMA = `
  CREATE TABLE blobs (
    id TEXT COLLATE "C" PRIMARY KEY,
    size BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('staged', 'committed')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    touched_at TIMESTAMPTZ NOT NULL DEFAULT now()
  );
  CREATE INDEX blobs_state_touched ON blobs (state, touched_at);
  CREATE TABLE blob_chunks (
    blob_id TEXT COLLATE "C" NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    data BYTEA NOT NULL,
    PRIMARY KEY (blob_id, seq)
  );
  ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
`;

export interface PgBlobStoreOptions {
  /** Connections for streamed reads (default 10). */
  readonly readConnections?: number;
  /** Age before an abandoned staged blob or an unreferenced committed one is swept (default one hour). */
  readonly sweepAfterMs?: number;
}

interface Piece {
  readonly id: string;
  readonly seq: number;
  /** Offset in the chunk, and length: within one chunk. */
  readonly off: number;
  readonly len: number;
}

export class PgBlobStore implements BlobStore {
  private readonly readPool: pg.Pool;
  private readonly sweepAfterMs: number;
  private readonly cache = new SmallBlobCache();
  private closing: Promise<void> | undefined;

  /** `pool`: the store's pool (short statements); a second pool for streamed reads is opened with its settings. */
  constructor(
    private readonly pool: pg.Pool,
    options: PgBlobStoreOptions = {},
  ) {
    this.readPool = new pg.Pool({ ...pool.options, max: Math.max(1, options.readConnections ?? 10) });
    this.readPool.on('error', () => undefined);
    this.sweepAfterMs = Math.max(0, options.sweepAfterMs ?? DEFAULT_SWEEP_AFTER_MS);
  }

  private async q<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[]): Promise<pg.QueryResult<R>> {
    if (this.closing) throw new StoreError('the blob store is closed');
    try {
      return await this.pool.query<R>(sql, params as unknown[]);
    } catch (e) {
      throw wrap(e);
    }
  }

  /** `options.id`: keep a blob's id (irsa migrate copies the file store's blobs under their ids). */
  async stage(source: AsyncIterable<Uint8Array>, options: { readonly id?: string } = {}): Promise<StagedBlob> {
    if (options.id !== undefined && !/^[0-9a-f]{32}$/.test(options.id)) throw new StoreError(`not a blob id: ${options.id.slice(0, 40)}`);
    const id = options.id ?? randomBytes(16).toString('hex');
    await this.q(`INSERT INTO blobs (id, size, state) VALUES ($1, 0, 'staged')`, [id]);
    let size = 0;
    let seq = 0;
    let buf = Buffer.allocUnsafe(CHUNK);
    let fill = 0;
    let small: Uint8Array[] | undefined = [];
    let inFlight: Promise<void> | undefined;
    const flush = async (): Promise<void> => {
      if (inFlight) await inFlight;
      inFlight = undefined;
      if (fill === 0) return;
      const data = fill === CHUNK ? buf : buf.subarray(0, fill);
      const n = seq++;
      const upTo = size;
      // The next chunk fills a new buffer while this one is written.
      buf = Buffer.allocUnsafe(CHUNK);
      fill = 0;
      inFlight = this.writeChunk(id, n, data, upTo);
      // Observed at the next flush; meanwhile a failure is not an unhandled rejection.
      inFlight.catch(() => undefined);
    };
    try {
      for await (const chunk of source) {
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(CHUNK - fill, chunk.length - off);
          buf.set(chunk.subarray(off, off + n), fill);
          fill += n;
          off += n;
          size += n;
          if (fill === CHUNK) await flush();
        }
        if (small) {
          // A copy: the producer may reuse its buffer once this iteration resumes.
          if (size <= CACHE_ITEM_MAX) small.push(Buffer.from(chunk));
          else small = undefined;
        }
      }
      await flush();
      await flush(); // waits for the last write
    } catch (e) {
      if (inFlight) await inFlight.catch(() => undefined);
      await this.pool.query('DELETE FROM blobs WHERE id = $1', [id]).catch(() => undefined);
      throw e;
    }
    let state: 'staged' | 'committed' | 'gone' = 'staged';
    const bytes = small ? Buffer.concat(small) : undefined;
    return {
      id,
      size,
      commit: async () => {
        if (state !== 'staged') throw new Error(`blob ${id} is ${state}`);
        const r = await this.q(`UPDATE blobs SET state = 'committed', touched_at = now() WHERE id = $1 AND state = 'staged' AND size = $2`, [id, size]);
        if (r.rowCount !== 1) throw new StoreError(`staged blob ${id} is gone (swept after ${this.sweepAfterMs} ms untouched?)`);
        state = 'committed';
        if (bytes) this.cache.remember(id, bytes);
      },
      discard: async () => {
        if (state === 'gone') return;
        state = 'gone';
        this.cache.forget(id);
        await this.q('DELETE FROM blobs WHERE id = $1', [id]);
      },
    };
  }

  /** One chunk, and the blob's size and touch time, in one statement; fails if the blob was swept. */
  private async writeChunk(id: string, seq: number, data: Buffer, size: number): Promise<void> {
    const r = await this.q(
      `WITH c AS (INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3))
       UPDATE blobs SET size = $4, touched_at = now() WHERE id = $1 AND state = 'staged'`,
      [id, seq, data, size],
    ).catch((e: unknown) => {
      // 23503: the blobs row is gone, so the chunk has no parent.
      if ((e as StoreError).cause instanceof pg.DatabaseError && ((e as StoreError).cause as pg.DatabaseError).code === '23503') {
        throw new StoreError(`staged blob ${id} was swept while its upload was still writing`, { cause: e });
      }
      throw e;
    });
    if (r.rowCount !== 1) throw new StoreError(`staged blob ${id} was swept while its upload was still writing`);
  }

  async read(segments: readonly BlobSegment[], start: number, end: number): Promise<BlobRead> {
    const length = Math.max(0, end - start);
    const parts = blobSlices(segments, start, end);
    if (length === 0) return { length, bytes: new Uint8Array(0), stream: undefined, close: async () => undefined };
    for (const p of parts) if (!ID.test(p.id)) throw new Error(`not a blob id: ${p.id}`);
    if (parts.length === 1) {
      const p = parts[0] as BlobSlice;
      const hit = this.cache.slice(p.id, p.from, p.to);
      if (hit) return { length, bytes: hit, stream: undefined, close: async () => undefined };
    }
    const pieces = parts.flatMap(piecesOf);
    if (length <= SMALL_READ) {
      // One statement: one snapshot, however many blobs the range spans.
      const { rows } = await this.q<{ blob: string | null; data: Buffer | null }>(
        `SELECT b.id AS blob, substring(c.data FROM r.off + 1 FOR r.len) AS data
           FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) WITH ORDINALITY AS r(id, seq, off, len, i)
           LEFT JOIN blobs b ON b.id = r.id AND b.state = 'committed'
           LEFT JOIN blob_chunks c ON c.blob_id = b.id AND c.seq = r.seq
          ORDER BY r.i`,
        [pieces.map((p) => p.id), pieces.map((p) => p.seq), pieces.map((p) => p.off), pieces.map((p) => p.len)],
      );
      const out = Buffer.allocUnsafe(length);
      let at = 0;
      pieces.forEach((p, i) => {
        if (!rows[i]?.blob) throw missing(p.id);
        const data = rows[i]?.data;
        if (!data || data.length !== p.len) throw short(p.id);
        out.set(data, at);
        at += data.length;
      });
      const p = parts[0] as BlobSlice;
      if (parts.length === 1 && p.from === 0 && p.to === p.size && p.size <= CACHE_ITEM_MAX) this.cache.remember(p.id, out);
      return { length, bytes: out, stream: undefined, close: async () => undefined };
    }
    if (this.closing) throw new StoreError('the blob store is closed');
    let c: pg.PoolClient;
    try {
      c = await this.readPool.connect();
    } catch (e) {
      throw wrap(e, 'cannot connect to PostgreSQL');
    }
    const onError = (): void => undefined;
    c.on('error', onError);
    let closed = false;
    let healthy = true;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      if (healthy) healthy = await c.query('COMMIT').then(() => true, () => false);
      c.off('error', onError);
      c.release(!healthy);
    };
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // The first statement takes the snapshot: from here on a concurrent remove cannot cut this read short.
      const ids = [...new Set(parts.map((p) => p.id))];
      const { rows } = await c.query<{ id: string; size: string }>(`SELECT id, size FROM blobs WHERE id = ANY($1::text[]) AND state = 'committed'`, [ids]);
      const found = new Map(rows.map((r) => [r.id, Number(r.size)]));
      for (const p of parts) {
        const size = found.get(p.id);
        if (size === undefined) throw missing(p.id);
        if (size < p.to) throw short(p.id);
      }
    } catch (e) {
      if (!(e instanceof StoreError)) healthy = false;
      await close();
      throw wrap(e);
    }
    // Never a statement on a connection released to the pool (it may be someone else's by then).
    const fetch = (p: Piece): Promise<Buffer> =>
      closed
        ? Promise.reject(new StoreError('read after close'))
        : c.query<{ data: Buffer }>('SELECT substring(data FROM $3::int + 1 FOR $4::int) AS data FROM blob_chunks WHERE blob_id = $1 AND seq = $2', [p.id, p.seq, p.off, p.len]).then((r) => {
        const data = r.rows[0]?.data;
        if (!data || data.length !== p.len) throw short(p.id);
        return data;
      });
    async function* stream(): AsyncGenerator<Uint8Array> {
      // One chunk read ahead while the consumer takes the current one: at most two in memory.
      let next: Promise<Buffer> | undefined;
      try {
        for (let i = 0; i < pieces.length; i++) {
          const current = next ?? fetch(pieces[i] as Piece);
          next = i + 1 < pieces.length ? fetch(pieces[i + 1] as Piece) : undefined;
          next?.catch(() => undefined); // observed when awaited; never an unhandled rejection
          yield await current;
        }
        next = undefined;
      } catch (e) {
        if (!(e instanceof StoreError)) healthy = false;
        throw wrap(e);
      } finally {
        if (next) {
          await next.catch(() => undefined);
        }
        await close();
      }
    }
    return { length, bytes: undefined, stream: stream(), close };
  }

  async remove(ids: readonly string[]): Promise<void> {
    const valid = ids.filter((id) => ID.test(id));
    if (!valid.length) return;
    for (const id of valid) this.cache.forget(id);
    await this.q(`DELETE FROM blobs WHERE id = ANY($1::text[]) AND state = 'committed'`, [valid]);
  }

  async sweep(isLive: (id: string) => boolean): Promise<{ blobs: number; temporary: number }> {
    // One cutoff from the server's clock for the whole sweep.
    const { rows: cut } = await this.q<{ cutoff: Date }>(`SELECT now() - make_interval(secs => $1::double precision) AS cutoff`, [this.sweepAfterMs / 1000]);
    const cutoff = (cut[0] as { cutoff: Date }).cutoff;
    const staged = await this.q(`DELETE FROM blobs WHERE state = 'staged' AND touched_at < $1`, [cutoff]);
    let blobs = 0;
    let after = '';
    for (;;) {
      const { rows } = await this.q<{ id: string }>(
        `SELECT id FROM blobs WHERE state = 'committed' AND touched_at < $1 AND id > $2 ORDER BY id LIMIT ${SWEEP_PAGE}`,
        [cutoff, after],
      );
      if (!rows.length) break;
      after = (rows[rows.length - 1] as { id: string }).id;
      const dead = rows.map((r) => r.id).filter((id) => !ID.test(id) || !isLive(id));
      if (dead.length) {
        for (const id of dead) this.cache.forget(id);
        const r = await this.q(`DELETE FROM blobs WHERE id = ANY($1::text[]) AND state = 'committed'`, [dead]);
        blobs += r.rowCount ?? 0;
      }
      if (rows.length < SWEEP_PAGE) break;
    }
    return { blobs, temporary: staged.rowCount ?? 0 };
  }

  /** Ends the read pool once the reads in progress are done; the shared pool is the store's to end. */
  close(): Promise<void> {
    this.closing ??= this.readPool.end();
    return this.closing;
  }
}

/** The chunk rows a slice needs, and what of each. */
function piecesOf(s: BlobSlice): Piece[] {
  const out: Piece[] = [];
  for (let seq = Math.floor(s.from / CHUNK); seq * CHUNK < s.to; seq++) {
    const lo = Math.max(s.from, seq * CHUNK);
    const hi = Math.min(s.to, (seq + 1) * CHUNK);
    out.push({ id: s.id, seq, off: lo - seq * CHUNK, len: hi - lo });
  }
  return out;
}

function missing(id: string): StoreError {
  return new StoreError(`blob ${id} does not exist`);
}

function short(id: string): StoreError {
  return new StoreError(`blob ${id} is shorter than its metadata`);
}

function describe(e: unknown): string {
  const code = e instanceof pg.DatabaseError ? e.code : undefined;
  const message = e instanceof Error ? e.message : String(e);
  return code ? `${message} (SQLSTATE ${code})` : message;
}

function wrap(e: unknown, what = 'PostgreSQL blob store'): StoreError {
  return e instanceof StoreError ? e : new StoreError(`${what}: ${describe(e)}`, { cause: e });
}
