import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MAX_DOC_BYTES, StoreError, type Doc, type ListOptions, type ListedDoc, type Store, type StoreTx } from './store.js';

/**
 * The embedded store: one SQLite file in the data directory, WAL mode, one writer. Transactions
 * are serialized by an in-process queue, so a callback that awaits never interleaves with
 * another transaction on the connection.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE docs (
     kind TEXT NOT NULL,
     scope TEXT NOT NULL,
     key_lower TEXT NOT NULL,
     key TEXT NOT NULL,
     doc TEXT NOT NULL,
     PRIMARY KEY (kind, scope, key_lower)
   ) WITHOUT ROWID`,
];

export function openSqliteStore(file: string): SqliteStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (e) {
    throw new StoreError(`cannot open the SQLite store at ${file}: ${(e as Error).message}`, { cause: e });
  }
  return new SqliteStore(db);
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > MIGRATIONS.length) throw new Error(`the store was written by a newer irsa-local (schema ${current}, this one knows ${MIGRATIONS.length})`);
  const apply = db.transaction(() => {
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1] as string);
      db.prepare('INSERT INTO schema_migrations (version) VALUES (?)').run(v);
    }
  });
  apply.immediate();
}

function encode(doc: Doc): string {
  const s = JSON.stringify(doc);
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > MAX_DOC_BYTES) throw new StoreError(`document too large (${bytes} bytes)`);
  return s;
}

/**
 * The smallest string above every string that starts with `prefix` (code-point order, which is
 * SQLite's UTF-8 byte order), or null when there is none (empty prefix, or only U+10FFFF).
 */
function prefixEnd(prefix: string): string | null {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (cps.length > 0) {
    const last = cps.pop() as number;
    if (last < 0x10ffff) {
      cps.push(last + 1 >= 0xd800 && last + 1 <= 0xdfff ? 0xe000 : last + 1);
      return cps.map((c) => String.fromCodePoint(c)).join('');
    }
  }
  return null;
}

class SqliteTx implements StoreTx {
  constructor(
    private readonly s: Statements,
    private readonly readOnly: boolean,
  ) {}

  private writable(): void {
    if (this.readOnly) throw new StoreError('write inside a read-only transaction');
  }

  async get<T extends Doc>(kind: string, scope: string, key: string): Promise<T | undefined> {
    const row = this.s.get.get(kind, scope, key.toLowerCase()) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  async insert(kind: string, scope: string, key: string, doc: Doc): Promise<boolean> {
    this.writable();
    return this.s.insert.run(kind, scope, key.toLowerCase(), key, encode(doc)).changes === 1;
  }

  async put(kind: string, scope: string, key: string, doc: Doc): Promise<void> {
    this.writable();
    this.s.put.run(kind, scope, key.toLowerCase(), key, encode(doc));
  }

  async delete(kind: string, scope: string, key: string): Promise<boolean> {
    this.writable();
    return this.s.delete.run(kind, scope, key.toLowerCase()).changes === 1;
  }

  async list<T extends Doc>(kind: string, scope: string, options: ListOptions = {}): Promise<ListedDoc<T>[]> {
    const prefix = (options.prefix ?? '').toLowerCase();
    const after = options.after === undefined ? null : options.after.toLowerCase();
    const limit = options.limit ?? -1;
    // Prefix as a range: [prefix, prefixEnd(prefix)) avoids LIKE's wildcard characters.
    const end = prefixEnd(prefix);
    const rows = this.s.list.all(kind, scope, after, after, prefix, end, end, limit) as { key: string; doc: string }[];
    return rows.map((r) => ({ key: r.key, doc: JSON.parse(r.doc) as T }));
  }

  async count(kind: string, scope: string): Promise<number> {
    return (this.s.count.get(kind, scope) as { n: number }).n;
  }

  async deleteScope(kind: string, scope: string): Promise<number> {
    this.writable();
    return this.s.deleteScope.run(kind, scope).changes;
  }
}

interface Statements {
  get: Database.Statement;
  insert: Database.Statement;
  put: Database.Statement;
  delete: Database.Statement;
  list: Database.Statement;
  count: Database.Statement;
  deleteScope: Database.Statement;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tx_: SqliteTx;
  private readonly read_: SqliteTx;
  private closed = false;

  constructor(private readonly db: Database.Database) {
    const s: Statements = {
      get: db.prepare('SELECT doc FROM docs WHERE kind = ? AND scope = ? AND key_lower = ?'),
      insert: db.prepare('INSERT INTO docs (kind, scope, key_lower, key, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      put: db.prepare(
        'INSERT INTO docs (kind, scope, key_lower, key, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, scope, key_lower) DO UPDATE SET key = excluded.key, doc = excluded.doc',
      ),
      delete: db.prepare('DELETE FROM docs WHERE kind = ? AND scope = ? AND key_lower = ?'),
      list: db.prepare(
        'SELECT key, doc FROM docs WHERE kind = ? AND scope = ? AND (? IS NULL OR key_lower > ?) AND key_lower >= ? AND (? IS NULL OR key_lower < ?) ORDER BY key_lower LIMIT ?',
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM docs WHERE kind = ? AND scope = ?'),
      deleteScope: db.prepare('DELETE FROM docs WHERE kind = ? AND scope = ?'),
    };
    this.tx_ = new SqliteTx(s, false);
    this.read_ = new SqliteTx(s, true);
  }

  tx<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    return this.serialize('BEGIN IMMEDIATE', this.tx_, fn);
  }

  read<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    return this.serialize('BEGIN', this.read_, fn);
  }

  private serialize<T>(begin: string, t: SqliteTx, fn: (t: StoreTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new StoreError('the store is closed');
      this.db.exec(begin);
      try {
        const out = await fn(t);
        this.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreError('the store is closed');
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
