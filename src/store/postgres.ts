import pg from 'pg';
import { BLOB_SCHEMA, PgBlobStore } from './pg-blobs.js';
import { MAX_DOC_BYTES, StoreError, type ChangeFeed, type Doc, type ListOptions, type ListedDoc, type Store, type StoreTx } from './store.js';

/**
 * The scale-out store: one PostgreSQL database shared by any number of stateless replicas.
 *
 * Same model as the SQLite store: one `docs` table keyed by (kind, scope, key_lower). Keys are
 * lowercased in JavaScript (as SQLite's store does), and the key columns use the "C" collation, so
 * order and ranges are code-point order whatever the database's locale — the same order as SQLite.
 * Documents are stored as JSON text (not JSONB): what was written is what is read, key order and
 * all, exactly as with SQLite.
 *
 * `tx` runs at SERIALIZABLE and is retried, with jittered exponential backoff and a bounded number
 * of attempts, when PostgreSQL reports a serialization failure or a deadlock (40001, 40P01): the
 * callback may run more than once, which the Store contract allows. `read` runs at REPEATABLE READ,
 * READ ONLY: one consistent snapshot, never retried.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE docs (
     kind TEXT COLLATE "C" NOT NULL,
     scope TEXT COLLATE "C" NOT NULL,
     key_lower TEXT COLLATE "C" NOT NULL,
     key TEXT NOT NULL,
     doc TEXT NOT NULL,
     PRIMARY KEY (kind, scope, key_lower)
   )`,
  // S3 object bytes (pg-blobs.ts).
  BLOB_SCHEMA,
];

/** pg_advisory_xact_lock key that serializes schema migrations between replicas ('irsa'). */
const MIGRATION_LOCK = 0x69727361;

const RETRYABLE = new Set(['40001', '40P01']);

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** Runs of a `tx` callback before a serialization failure is given up on (default 20). */
  readonly maxAttempts?: number;
  /**
   * Announce every committed write transaction that changed something on the `irsa_invalidate`
   * channel with this origin (NOTIFY, delivered at commit), and offer `changes` to hear the others.
   */
  readonly origin?: string;
  /**
   * Kinds no cache depends on (the decision log): a transaction that writes only these is not
   * announced, so a busy replica's log flushes do not empty every other replica's caches.
   */
  readonly quietKinds?: readonly string[];
}

/** The LISTEN/NOTIFY channel of commit announcements. */
export const CHANGE_CHANNEL = 'irsa_invalidate';

export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  // A connection attempt to an unreachable server gives up after 5 s (a replica then answers 503).
  const config = { connectionString, application_name: 'irsa-local', connectionTimeoutMillis: 5000 };
  const pool = new pg.Pool({ ...config, max: options.maxConnections ?? 10 });
  // An idle connection that dies (server restart) is dropped by the pool; the next checkout
  // reconnects. Without a listener the 'error' event would end the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    // The message never includes the connection string: it may hold a password.
    throw new StoreError(`cannot open the PostgreSQL store: ${describe(e)}`, { cause: e });
  }
  const store = new PostgresStore(pool, Math.max(1, options.maxAttempts ?? 20), options.origin, new Set(options.quietKinds ?? []));
  if (options.origin !== undefined) store.changes = new PgChangeFeed(config, options.origin);
  return store;
}

/**
 * LISTEN on a dedicated connection (not from the pool: a pooled connection is shared and would
 * miss notifications between checkouts). When it fails it reconnects with capped exponential
 * backoff (100 ms … 5 s) and reports a gap once listening again.
 */
class PgChangeFeed implements ChangeFeed {
  constructor(
    private readonly config: pg.ClientConfig,
    readonly origin: string,
  ) {}

  subscribe(onCommit: (origin: string) => void, onGap: () => void): () => Promise<void> {
    let stopped = false;
    let client: pg.Client | undefined;
    let timer: NodeJS.Timeout | undefined;
    let failures = 0;
    const connect = async (): Promise<void> => {
      timer = undefined;
      if (stopped) return;
      const c = new pg.Client(this.config);
      let lost = false;
      const onLost = (): void => {
        if (lost) return;
        lost = true;
        if (client === c) client = undefined;
        c.end().catch(() => undefined);
        if (!stopped) timer = setTimeout(() => void connect(), Math.min(5000, 100 * 2 ** Math.min(failures++, 6)));
      };
      c.on('error', onLost);
      c.on('end', onLost);
      c.on('notification', (n) => {
        if (n.channel === CHANGE_CHANNEL && n.payload !== this.origin) onCommit(n.payload ?? '');
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${CHANGE_CHANNEL}`);
      } catch {
        onLost();
        return;
      }
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      failures = 0;
      // Anything may have been committed while no connection listened.
      onGap();
    };
    void connect();
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      if (c) await c.end().catch(() => undefined);
    };
  }
}

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock, so
 * replicas starting together take turns: the first creates the schema, the others find it done.
 * READ COMMITTED (whatever the database's default) so that each statement after the lock sees
 * what the previous holder committed.
 */
async function migrate(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  const onError = (): void => undefined;
  c.on('error', onError);
  let healthy = true;
  try {
    await c.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
      const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      if (current > MIGRATIONS.length) {
        throw new Error(`the store was written by a newer irsa-local (schema ${current}, this one knows ${MIGRATIONS.length})`);
      }
      for (let v = current + 1; v <= MIGRATIONS.length; v++) {
        await c.query(MIGRATIONS[v - 1] as string);
        await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v]);
      }
      await c.query('COMMIT');
    } catch (e) {
      healthy = await rollback(c);
      throw e;
    }
  } finally {
    c.off('error', onError);
    c.release(!healthy);
  }
}

function encode(doc: Doc): string {
  const s = JSON.stringify(doc);
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > MAX_DOC_BYTES) throw new StoreError(`document too large (${bytes} bytes)`);
  return s;
}

/**
 * The smallest string above every string that starts with `prefix` in code-point order (UTF-8
 * byte order, the "C" collation), or undefined when there is none (empty prefix, or only U+10FFFF).
 * A range [prefix, prefixEnd) needs no LIKE, so %, _ and \ in keys are plain characters.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (cps.length > 0) {
    const last = cps.pop() as number;
    if (last < 0x10ffff) {
      cps.push(last + 1 >= 0xd800 && last + 1 <= 0xdfff ? 0xe000 : last + 1);
      return cps.map((c) => String.fromCodePoint(c)).join('');
    }
  }
  return undefined;
}

/** The SQLSTATE of an error the server sent (not of a network or client error). */
function sqlState(e: unknown): string | undefined {
  return e instanceof pg.DatabaseError ? e.code : undefined;
}

function isRetryable(e: unknown): boolean {
  const code = sqlState(e);
  return code !== undefined && RETRYABLE.has(code);
}

function describe(e: unknown): string {
  const code = sqlState(e);
  const message = e instanceof Error ? e.message : String(e);
  return code ? `${message} (SQLSTATE ${code})` : message;
}

function wrap(e: unknown, what = 'PostgreSQL'): StoreError {
  return e instanceof StoreError ? e : new StoreError(`${what}: ${describe(e)}`, { cause: e });
}

/** Resolves whether the connection is still fit for the pool. */
async function rollback(c: pg.PoolClient): Promise<boolean> {
  try {
    await c.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Full jitter over an exponential ceiling: 10 ms, 20 ms, … capped at 500 ms. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(500, 10 * 2 ** (attempt - 1));
}

class PgTx implements StoreTx {
  /** The first database error: PostgreSQL has aborted the transaction after it. */
  failure: unknown = undefined;
  done = false;
  /** A write statement ran: the commit is announced. */
  wrote = false;

  constructor(
    private readonly c: pg.PoolClient,
    private readonly readOnly: boolean,
    private readonly quietKinds: ReadonlySet<string> = new Set(),
  ) {}

  private async q<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[]): Promise<pg.QueryResult<R>> {
    if (this.done) throw new StoreError('a StoreTx was used after its transaction ended');
    if (this.failure !== undefined) throw new StoreError(`the transaction was aborted by an earlier error: ${describe(this.failure)}`, { cause: this.failure });
    try {
      return await this.c.query<R>(sql, params as unknown[]);
    } catch (e) {
      if (this.failure === undefined) this.failure = e;
      throw wrap(e);
    }
  }

  private writable(kind: string): void {
    if (this.readOnly) throw new StoreError('write inside a read-only transaction');
    if (!this.quietKinds.has(kind)) this.wrote = true;
  }

  async get<T extends Doc>(kind: string, scope: string, key: string): Promise<T | undefined> {
    const { rows } = await this.q<{ doc: string }>('SELECT doc FROM docs WHERE kind = $1 AND scope = $2 AND key_lower = $3', [kind, scope, key.toLowerCase()]);
    return rows[0] ? (JSON.parse(rows[0].doc) as T) : undefined;
  }

  async insert(kind: string, scope: string, key: string, doc: Doc): Promise<boolean> {
    this.writable(kind);
    const r = await this.q(
      'INSERT INTO docs (kind, scope, key_lower, key, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, scope, key_lower) DO NOTHING',
      [kind, scope, key.toLowerCase(), key, encode(doc)],
    );
    return r.rowCount === 1;
  }

  async put(kind: string, scope: string, key: string, doc: Doc): Promise<void> {
    this.writable(kind);
    await this.q(
      'INSERT INTO docs (kind, scope, key_lower, key, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, scope, key_lower) DO UPDATE SET key = EXCLUDED.key, doc = EXCLUDED.doc',
      [kind, scope, key.toLowerCase(), key, encode(doc)],
    );
  }

  async delete(kind: string, scope: string, key: string): Promise<boolean> {
    this.writable(kind);
    const r = await this.q('DELETE FROM docs WHERE kind = $1 AND scope = $2 AND key_lower = $3', [kind, scope, key.toLowerCase()]);
    return r.rowCount === 1;
  }

  async list<T extends Doc>(kind: string, scope: string, options: ListOptions = {}): Promise<ListedDoc<T>[]> {
    const params: unknown[] = [kind, scope];
    const where = ['kind = $1', 'scope = $2'];
    const param = (v: unknown): string => `$${params.push(v)}`;
    const prefix = (options.prefix ?? '').toLowerCase();
    if (prefix !== '') {
      where.push(`key_lower >= ${param(prefix)}`);
      const end = prefixEnd(prefix);
      if (end !== undefined) where.push(`key_lower < ${param(end)}`);
    }
    if (options.after !== undefined) where.push(`key_lower > ${param(options.after.toLowerCase())}`);
    let sql = `SELECT key, doc FROM docs WHERE ${where.join(' AND ')} ORDER BY key_lower`;
    if (options.limit !== undefined && options.limit >= 0) sql += ` LIMIT ${param(Math.floor(options.limit))}`;
    const { rows } = await this.q<{ key: string; doc: string }>(sql, params);
    return rows.map((r) => ({ key: r.key, doc: JSON.parse(r.doc) as T }));
  }

  async count(kind: string, scope: string): Promise<number> {
    const { rows } = await this.q<{ n: number }>('SELECT COUNT(*)::int AS n FROM docs WHERE kind = $1 AND scope = $2', [kind, scope]);
    return rows[0]?.n ?? 0;
  }

  async deleteScope(kind: string, scope: string): Promise<number> {
    this.writable(kind);
    const r = await this.q('DELETE FROM docs WHERE kind = $1 AND scope = $2', [kind, scope]);
    return r.rowCount ?? 0;
  }
}

type Attempt<T> = { ok: true; value: T } | { ok: false; retry: boolean; error: unknown };

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  changes: ChangeFeed | undefined;
  private closing: Promise<void> | undefined;
  private readonly active = new Set<Promise<unknown>>();
  private blobs: PgBlobStore | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxAttempts: number,
    private readonly origin?: string,
    private readonly quietKinds: ReadonlySet<string> = new Set(),
  ) {}

  async ping(): Promise<void> {
    if (this.closing) throw new StoreError('the store is closed');
    try {
      await this.pool.query('SELECT 1');
    } catch (e) {
      throw wrap(e, 'PostgreSQL');
    }
  }

  tx<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    return this.track(this.run(fn, false));
  }

  read<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    return this.track(this.run(fn, true));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.active.add(settled);
    void settled.then(() => this.active.delete(settled));
    return p;
  }

  private async run<T>(fn: (t: StoreTx) => Promise<T>, readOnly: boolean): Promise<T> {
    if (this.closing) throw new StoreError('the store is closed');
    for (let attempt = 1; ; attempt++) {
      const out = await this.attempt(fn, readOnly);
      if (out.ok) return out.value;
      if (!out.retry) throw out.error;
      if (attempt >= this.maxAttempts) {
        throw new StoreError(`transaction abandoned after ${attempt} attempts: ${describe((out.error as StoreError).cause ?? out.error)}`, {
          cause: (out.error as StoreError).cause ?? out.error,
        });
      }
      await sleep(backoff(attempt));
    }
  }

  private async attempt<T>(fn: (t: StoreTx) => Promise<T>, readOnly: boolean): Promise<Attempt<T>> {
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      return { ok: false, retry: false, error: wrap(e, 'cannot connect to PostgreSQL') };
    }
    // A connection that dies while checked out emits 'error' on the client (the running query
    // rejects too); without a listener that would end the process.
    const onError = (): void => undefined;
    c.on('error', onError);
    let healthy = true;
    const release = (): void => {
      c.off('error', onError);
      c.release(!healthy);
    };
    try {
      await c.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' : 'BEGIN ISOLATION LEVEL SERIALIZABLE');
    } catch (e) {
      healthy = false;
      release();
      return { ok: false, retry: false, error: wrap(e) };
    }
    const t = new PgTx(c, readOnly, this.quietKinds);
    let value: T;
    try {
      value = await fn(t);
    } catch (e) {
      t.done = true;
      healthy = await rollback(c);
      release();
      // The callback usually rethrows the StoreError of a failed statement; what decides a retry
      // is the database error itself, even if the callback replaced it with one of its own.
      if (isRetryable(t.failure)) return { ok: false, retry: true, error: wrap(t.failure) };
      return { ok: false, retry: false, error: e };
    }
    t.done = true;
    if (t.failure !== undefined) {
      // The callback swallowed a database error: the transaction is aborted and must not look
      // committed (COMMIT of an aborted transaction quietly rolls back).
      healthy = await rollback(c);
      release();
      return { ok: false, retry: isRetryable(t.failure), error: wrap(t.failure) };
    }
    try {
      // Delivered to listeners when (and only if) the transaction commits.
      if (t.wrote && this.origin !== undefined) await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, this.origin]);
      const r = await c.query('COMMIT');
      if (r.command !== 'COMMIT') {
        release();
        return { ok: false, retry: false, error: new StoreError(`PostgreSQL answered ${r.command} to COMMIT`) };
      }
    } catch (e) {
      // A failed COMMIT ends the transaction; a connection error leaves the outcome unknown, so
      // only errors with an SQLSTATE (the server said no) keep the connection and may be retried.
      healthy = sqlState(e) !== undefined && (await rollback(c));
      release();
      return { ok: false, retry: isRetryable(e), error: wrap(e) };
    }
    release();
    return { ok: true, value };
  }

  /** S3 object bytes in this database (pg-blobs.ts): one blob store per store, closed with it. */
  blobStore(): PgBlobStore {
    if (this.closing) throw new StoreError('the store is closed');
    this.blobs ??= new PgBlobStore(this.pool);
    return this.blobs;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.active.size > 0) await Promise.all([...this.active]);
      await this.blobs?.close();
      await this.pool.end();
    })();
    return this.closing;
  }
}
