import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openPostgresStore } from '../store/postgres.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import { dataDir, loadOrCreateDataKey } from './data-dir.js';
import { DECISION_BATCH_KIND, DECISION_INDEX_KIND } from './decision-log.js';

/**
 * Which store a server (or `irsa env`) uses, from `--store` / `$IRSA_STORE`:
 * - absent or `sqlite:DIR` (or `sqlite:` for the data directory): the embedded SQLite file
 *   DIR/store.db, with the data key in DIR/data.key (created on first start), as always;
 * - `postgres://…` or `postgresql://…`: a PostgreSQL database shared by replicas. The data key
 *   that seals secrets at rest then never lives in that database: it comes from `$IRSA_DATA_KEY`
 *   (base64 of 32 bytes) or `--data-key-file FILE`, and every replica must have the same one.
 * The connection string may hold a password: it is never printed (see `describeStore`).
 */
export type StoreLocation = { readonly kind: 'sqlite'; readonly dir: string } | { readonly kind: 'postgres'; readonly url: string };

/** A bad `--store`, `--data-key-file` or `$IRSA_DATA_KEY`: the CLI prints it as a usage error. */
export class StoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConfigError';
  }
}

export function parseStoreLocation(spec: string | undefined, defaultDir: string): StoreLocation {
  if (spec === undefined || spec === '') return { kind: 'sqlite', dir: resolve(defaultDir) };
  if (spec.startsWith('sqlite:')) {
    const dir = spec.slice('sqlite:'.length);
    return { kind: 'sqlite', dir: resolve(dir === '' ? defaultDir : dir) };
  }
  if (/^postgres(ql)?:\/\//i.test(spec)) {
    try {
      new URL(spec);
    } catch {
      throw new StoreConfigError('--store: the postgres:// URL cannot be parsed');
    }
    return { kind: 'postgres', url: spec };
  }
  // Never echo the value: it may be a mistyped connection string with a password.
  throw new StoreConfigError('--store must be sqlite:DIR or a postgres://USER@HOST:PORT/DB URL');
}

/** For banners, logs and errors: the database's address without user or password. */
export function describeStore(loc: StoreLocation): string {
  if (loc.kind === 'sqlite') return `sqlite:${dataDir(loc.dir).storeFile}`;
  try {
    const u = new URL(loc.url);
    return `postgres://${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparseable)';
  }
}

export interface DataKeySource {
  /** `--data-key-file FILE`: base64 of 32 bytes. */
  readonly file?: string | undefined;
  /** `$IRSA_DATA_KEY`. */
  readonly env?: string | undefined;
}

function decodeKey(text: string, what: string): Buffer {
  const t = text.trim();
  const k = Buffer.from(t, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || k.length !== 32) throw new StoreConfigError(`${what} must hold the base64 of exactly 32 bytes (generate one with: head -c 32 /dev/urandom | base64)`);
  return k;
}

/** Reads a data key from `--data-key-file` or `$IRSA_DATA_KEY`, when one is given. */
export function givenDataKey(source: DataKeySource): Buffer | undefined {
  if (source.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (e) {
      throw new StoreConfigError(`--data-key-file: cannot read ${source.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return decodeKey(text, `--data-key-file ${source.file}`);
  }
  if (source.env !== undefined && source.env !== '') return decodeKey(source.env, '$IRSA_DATA_KEY');
  return undefined;
}

/**
 * The data key for a store: SQLite keeps using DIR/data.key (created on first start; a key given
 * explicitly must then be that one); PostgreSQL requires one given explicitly.
 */
export function dataKeyFor(loc: StoreLocation, source: DataKeySource, options: { create: boolean }): Buffer {
  const given = givenDataKey(source);
  if (loc.kind === 'postgres') {
    if (!given) {
      throw new StoreConfigError(
        'a PostgreSQL store needs the data key that seals secrets at rest, kept outside the database: set $IRSA_DATA_KEY to the base64 of 32 random bytes ' +
          '(generate one with: head -c 32 /dev/urandom | base64) or pass --data-key-file FILE; every replica needs the same key',
      );
    }
    return given;
  }
  const d = dataDir(loc.dir);
  if (source.file !== undefined && given) {
    const own = existsSync(d.keyFile) ? decodeKey(readFileSync(d.keyFile, 'utf8'), d.keyFile) : undefined;
    if (own && !timingSafeEqual(own, given)) throw new StoreConfigError(`--data-key-file is not the data key of ${d.path} (${d.keyFile})`);
  }
  if (options.create) return loadOrCreateDataKey(d);
  if (!existsSync(d.keyFile)) throw new StoreConfigError(`no irsa-local data in ${d.path}: start it with \`irsa up --data-dir ${d.path}\``);
  return decodeKey(readFileSync(d.keyFile, 'utf8'), d.keyFile);
}

export interface OpenOptions {
  /** Names this process in commit announcements (PostgreSQL); no announcements when absent. */
  readonly origin?: string;
}

export async function openStore(loc: StoreLocation, options: OpenOptions = {}): Promise<Store> {
  if (loc.kind === 'sqlite') return openSqliteStore(dataDir(loc.dir).storeFile);
  return openPostgresStore(loc.url, { origin: options.origin, quietKinds: [DECISION_BATCH_KIND, DECISION_INDEX_KIND] });
}

/** A fresh replica id for commit announcements. */
export function replicaId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The key check value: HMAC-SHA-256 of a fixed label under the data key, kept in the store (it
 * reveals nothing about the key). A replica whose key does not match refuses to start instead of
 * sealing secrets no other replica can open.
 */
const META = 'meta';
const KCV_LABEL = 'irsa-local data key check value v1';

export function keyCheckValue(key: Uint8Array): string {
  return createHmac('sha256', key).update(KCV_LABEL).digest('base64');
}

/** Resolves when the store's key check value matches (recording it when the store has none yet). */
export async function checkDataKey(store: Store, key: Uint8Array, where: string): Promise<void> {
  const kcv = keyCheckValue(key);
  const saved = await store.read((t) => t.get<{ kcv: string }>(META, '', 'data-key-check'));
  if (saved && saved.kcv !== kcv) {
    throw new StoreConfigError(
      `the data key does not match the one the store at ${where} was created with (its key check value differs): every replica must use the same $IRSA_DATA_KEY / --data-key-file; refusing to start`,
    );
  }
}

/** Records the key check value once the key is known to open the store's secrets. */
export async function recordDataKey(store: Store, key: Uint8Array): Promise<void> {
  const kcv = keyCheckValue(key);
  await store.tx(async (t) => {
    const saved = await t.get<{ kcv: string }>(META, '', 'data-key-check');
    if (!saved) await t.insert(META, '', 'data-key-check', { kcv });
  });
}
