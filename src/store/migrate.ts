import Database from 'better-sqlite3';
import type { Doc, Store } from './store.js';

/**
 * `irsa migrate`: copies every document of an embedded installation's SQLite store into another
 * store (PostgreSQL), verbatim — documents stay sealed with the installation's data key, so the
 * target must be run with that key. The target must be empty: merging two installations would
 * mix accounts, keys and counters. Batches of BATCH documents, one transaction each; the copy is
 * checked by counting every (kind, scope) on both sides.
 */
const BATCH = 500;

export interface CopyProgress {
  (done: number, total: number): void;
}

export interface CopyResult {
  readonly documents: number;
  readonly kinds: number;
}

interface Row {
  kind: string;
  scope: string;
  key: string;
  doc: string;
}

export class MigrationError extends Error {}

/** The marker every installation has (src/server/bootstrap.ts): its account. */
const ACCOUNT_MARKER = { kind: 'meta', scope: '', key: 'account' } as const;

export async function copySqliteStore(sqliteFile: string, target: Store, onProgress?: CopyProgress): Promise<CopyResult> {
  let db: Database.Database;
  try {
    db = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new MigrationError(`cannot open ${sqliteFile}: ${(e as Error).message}`);
  }
  try {
    const total = (db.prepare('SELECT COUNT(*) AS n FROM docs').get() as { n: number }).n;
    const source = db.prepare('SELECT kind, scope, key, doc FROM docs ORDER BY kind, scope, key_lower');
    if (!(db.prepare('SELECT 1 FROM docs WHERE kind = ? AND scope = ? AND key_lower = ?').get(ACCOUNT_MARKER.kind, ACCOUNT_MARKER.scope, ACCOUNT_MARKER.key))) {
      throw new MigrationError(`${sqliteFile} is not an irsa-local store (it has no account)`);
    }
    if (await target.read((t) => t.get(ACCOUNT_MARKER.kind, ACCOUNT_MARKER.scope, ACCOUNT_MARKER.key))) {
      throw new MigrationError('the target store already holds an installation; migrate into an empty database');
    }
    const counts = new Map<string, number>();
    let done = 0;
    let batch: Row[] = [];
    const flush = async (): Promise<void> => {
      const rows = batch;
      batch = [];
      await target.tx(async (t) => {
        for (const r of rows) {
          if (!(await t.insert(r.kind, r.scope, r.key, JSON.parse(r.doc) as Doc))) throw new MigrationError(`the target already has ${r.kind} ${r.scope}/${r.key}`);
        }
      });
      done += rows.length;
      onProgress?.(done, total);
    };
    for (const r of source.iterate() as IterableIterator<Row>) {
      batch.push(r);
      const k = `${r.kind}\u0000${r.scope}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length) await flush();
    // Verify: every (kind, scope) has as many documents on the target as on the source.
    for (const [k, n] of counts) {
      const [kind, scope] = k.split('\u0000') as [string, string];
      const got = await target.read((t) => t.count(kind, scope));
      if (got !== n) throw new MigrationError(`copy check failed for ${kind} ${scope}: ${n} in the source, ${got} in the target`);
    }
    return { documents: done, kinds: new Set([...counts.keys()].map((k) => k.split('\u0000')[0])).size };
  } finally {
    db.close();
  }
}
