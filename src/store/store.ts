/**
 * The one storage interface, implemented by SQLite (embedded default) and PostgreSQL (scale-out).
 *
 * The model is a small document store: every record is a JSON document addressed by
 * (kind, scope, key). `kind` is the record type ("role", "policyVersion", …), `scope` groups
 * records that are listed together (an account, a policy ARN, …), and `key` names the record in
 * its scope. Keys are unique **regardless of case** within (kind, scope) — IAM names are — and
 * lookups ignore case; the document keeps the spelling it was written with.
 *
 * Invariants that span records (at most five policy versions, ten attached policies, no delete
 * while attached) are checked by domain code inside `tx`, which runs the callback as one
 * serializable transaction. A backend may run the callback more than once when a concurrent
 * transaction conflicts (PostgreSQL), so callbacks must have no effects outside the store.
 */
export type Doc = Record<string, unknown>;

export interface ListOptions {
  /** Only keys starting with this (case-insensitive). */
  readonly prefix?: string;
  /** Only keys sorting after this one (lowercased order), for pagination. */
  readonly after?: string;
  readonly limit?: number;
}

export interface ListedDoc<T extends Doc = Doc> {
  readonly key: string;
  readonly doc: T;
}

/** Operations available inside a transaction. Every method may reject with a StoreError. */
export interface StoreTx {
  get<T extends Doc>(kind: string, scope: string, key: string): Promise<T | undefined>;
  /** Inserts; resolves false (and writes nothing) when the key exists in any case. */
  insert(kind: string, scope: string, key: string, doc: Doc): Promise<boolean>;
  /** Inserts or replaces. */
  put(kind: string, scope: string, key: string, doc: Doc): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  delete(kind: string, scope: string, key: string): Promise<boolean>;
  /** Documents of (kind, scope) in key order (lowercased). */
  list<T extends Doc>(kind: string, scope: string, options?: ListOptions): Promise<ListedDoc<T>[]>;
  count(kind: string, scope: string): Promise<number>;
  /** Deletes every document of (kind, scope); resolves how many. */
  deleteScope(kind: string, scope: string): Promise<number>;
}

export interface Store {
  /** Which implementation this is, for `irsa up`'s banner and the health endpoint. */
  readonly backend: 'sqlite' | 'postgres';
  /** Runs `fn` as one serializable read-write transaction. */
  tx<T>(fn: (t: StoreTx) => Promise<T>): Promise<T>;
  /** Runs `fn` as a read-only transaction (a consistent snapshot). */
  read<T>(fn: (t: StoreTx) => Promise<T>): Promise<T>;
  /** Resolves when the store answers a trivial query; rejects with a StoreError when it cannot be reached. */
  ping(): Promise<void>;
  /** Present when other processes share the store (PostgreSQL): what they committed, as it happens. */
  readonly changes?: ChangeFeed;
  close(): Promise<void>;
}

/**
 * Commit notifications between processes sharing one store. Every write transaction that changed
 * something announces itself at commit (atomically: a rolled-back transaction announces nothing)
 * with this process's `origin`; subscribers hear every other process's commits. Delivery is
 * best effort: `onGap` is called whenever notifications may have been missed (the listening
 * connection was lost and is back), and subscribers must then assume anything changed.
 */
export interface ChangeFeed {
  /** Names this process in its announcements. */
  readonly origin: string;
  /** Starts listening (reconnecting with backoff); resolves a function that stops. */
  subscribe(onCommit: (origin: string) => void, onGap: () => void): () => Promise<void>;
}

/** A storage failure that is not the caller's fault (I/O, corruption). Becomes a 500 ServiceFailure. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** Largest document the store accepts, in bytes of JSON: bounded rows, bounded memory. */
export const MAX_DOC_BYTES = 4 * 1024 * 1024;
