import type { StoreTx } from '../../store/store.js';
import { BucketPolicyCache } from './access.js';
import { s3Errors } from './errors.js';
import { S3_KIND, objectStoreKey, type BucketDoc, type ContextEntry, type ObjectDoc, type S3Caller, type S3Env } from './model.js';

/**
 * Bucket and object records read on the hot path (GetObject, HeadObject) are kept in memory when
 * this process owns the store (SQLite: one process, so every write goes through `write` here).
 * Each write bumps a generation after it commits; an entry read under an older generation is
 * stale and read again. With a shared store (PostgreSQL replicas) nothing is cached.
 */
const CACHE_MAX = 10_000;

interface Cached {
  readonly generation: number;
  readonly bucket: BucketDoc | undefined;
  readonly object: ObjectDoc | undefined;
}

/** What every S3 operation shares: bucket lookups, authorization and the clock. */
export class S3Core {
  readonly policies = new BucketPolicyCache();
  private generation = 0;
  private readonly cache = new Map<string, Cached>();
  private readonly cacheable: boolean;

  constructor(readonly env: S3Env) {
    this.cacheable = env.store.backend === 'sqlite';
  }

  nowIso(): string {
    return this.env.now().toISOString();
  }

  /** Every S3 write transaction: cached reads made before it commits are invalidated. */
  async write<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    try {
      return await this.env.store.tx(fn);
    } finally {
      this.generation++;
      this.cache.clear();
    }
  }

  /** The bucket and (when `key` is given) the object, from one consistent read. */
  async lookup(bucket: string, key: string | undefined): Promise<{ bucket: BucketDoc | undefined; object: ObjectDoc | undefined }> {
    const id = key === undefined ? bucket : `${bucket}/${key}`;
    const hit = this.cacheable ? this.cache.get(id) : undefined;
    if (hit && hit.generation === this.generation) return hit;
    const generation = this.generation;
    const found = await this.env.store.read(async (t) => ({
      bucket: await t.get<BucketDoc>(S3_KIND.bucket, '', bucket),
      object: key === undefined ? undefined : await t.get<ObjectDoc>(S3_KIND.object, bucket, objectStoreKey(key)),
    }));
    if (this.cacheable && generation === this.generation) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(id, { generation, ...found });
    }
    return found;
  }

  async bucket(name: string): Promise<BucketDoc | undefined> {
    return (await this.lookup(name, undefined)).bucket;
  }

  /**
   * The bucket, or NoSuchBucket. S3 answers NoSuchBucket for a bucket that does not exist
   * before it evaluates any policy: bucket names are one global namespace, and a missing bucket
   * has no owner or policy to decide with (the 404-versus-403 difference is how bucket names are
   * probed). Objects are different: see `missingObject`.
   */
  async requireBucket(name: string): Promise<BucketDoc> {
    const b = await this.bucket(name);
    if (!b) throw s3Errors.noSuchBucket(name);
    return b;
  }

  /** Resolves AWS's denial message, or undefined when allowed. */
  denial(caller: S3Caller, action: string, resource: string, bucket: BucketDoc | undefined, extra: readonly ContextEntry[] = []): Promise<string | undefined> {
    const context: ContextEntry[] = [...caller.context, { key: 's3:ResourceAccount', values: [this.env.account] }, ...extra];
    return caller.authorize({ action, resource, resourcePolicy: bucket ? this.policies.forBucket(bucket) : undefined, context });
  }

  async authorize(caller: S3Caller, action: string, resource: string, bucket: BucketDoc | undefined, extra: readonly ContextEntry[] = []): Promise<void> {
    const message = await this.denial(caller, action, resource, bucket, extra);
    if (message !== undefined) throw s3Errors.accessDenied(message);
  }

  /**
   * A missing object is NoSuchKey only for callers allowed s3:ListBucket on the bucket; others
   * get AccessDenied, so that existence does not leak ("If you don't have the s3:ListBucket
   * permission, Amazon S3 returns an HTTP status code 403 Access Denied error" — GetObject).
   */
  async missingObject(caller: S3Caller, bucket: BucketDoc, key: string): Promise<never> {
    const message = await this.denial(caller, 's3:ListBucket', `arn:aws:s3:::${bucket.name}`, bucket);
    if (message !== undefined) throw s3Errors.accessDenied(message);
    throw s3Errors.noSuchKey(key);
  }
}

/** Typed reads of a decoded input record (model member names). */
export function str(input: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = input[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(input: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = input[name];
  return typeof v === 'number' ? v : undefined;
}

export function date(input: Readonly<Record<string, unknown>>, name: string): Date | undefined {
  const v = input[name];
  return v instanceof Date ? v : undefined;
}

export function required(input: Readonly<Record<string, unknown>>, name: string): string {
  const v = str(input, name);
  if (v === undefined) throw new TypeError(`missing ${name}`);
  return v;
}
