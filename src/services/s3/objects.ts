import { createHash } from 'node:crypto';
import type { BlobRead, StagedBlob } from '../../store/blob-store.js';
import type { StoreTx } from '../../store/store.js';
import { putObjectContext } from './access.js';
import { S3Core, date, num, required, str } from './core.js';
import { S3Error, s3Errors } from './errors.js';
import {
  S3_KIND,
  objectArn,
  objectStoreKey,
  type BodyDigests,
  type IncomingBody,
  type ObjectDoc,
  type ObjectHeaders,
  type S3Caller,
} from './model.js';
import { checkKey, checkMetadata } from './names.js';

type Input = Readonly<Record<string, unknown>>;
type Output = Record<string, unknown>;

/** A single PUT may carry at most 5 GiB ("Uploading objects"). */
export const MAX_PUT_BYTES = 5 * 1024 * 1024 * 1024;

export interface ObjectRead {
  readonly status: number;
  readonly output: Output;
  /** The bytes to send (GET with 200/206); undefined for HEAD and 304. */
  readonly body: BlobRead | undefined;
}

/**
 * Object operations: PutObject, GetObject/HeadObject (ranges, conditional requests, checksums),
 * DeleteObject(s), CopyObject. Writes follow the blob protocol in store/blob-store.ts: bytes are
 * durable before the metadata that names them commits, and replaced bytes go after it.
 */
export class ObjectOperations {
  constructor(private readonly core: S3Core) {}

  async putObject(caller: S3Caller, input: Input, body: IncomingBody): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    checkKey(key);
    await this.core.authorize(caller, 's3:PutObject', objectArn(bucket.name, key), bucket, putContext(input));
    const headers = objectHeaders(input);
    checkMetadata(headers);
    if (body.length !== undefined && body.length > MAX_PUT_BYTES) throw s3Errors.entityTooLarge(body.length, MAX_PUT_BYTES);
    await this.checkWritePreconditions(bucket.name, key, input);
    const { staged, digests } = await stageVerified(this.core, body);
    const doc: ObjectDoc = {
      ...headers,
      key,
      size: staged.size,
      etag: `"${digests.md5Hex}"`,
      lastModified: this.core.nowIso(),
      segments: [{ id: staged.id, size: staged.size }],
      checksum: digests.checksum ? { ...digests.checksum, type: 'FULL_OBJECT' } : undefined,
    };
    await this.commit(bucket.name, doc, [staged], input);
    return {
      ETag: doc.etag,
      ...(doc.checksum ? { [`Checksum${doc.checksum.algorithm}`]: doc.checksum.value, ChecksumType: 'FULL_OBJECT' } : {}),
    };
  }

  /** GetObject and HeadObject (`head` reads no bytes). */
  async getObject(caller: S3Caller, input: Input, head: boolean, retried = false): Promise<ObjectRead> {
    const bucketName = required(input, 'Bucket');
    const key = required(input, 'Key');
    const { bucket, object } = await this.core.lookup(bucketName, key);
    if (!bucket) throw s3Errors.noSuchBucket(bucketName);
    await this.core.authorize(caller, 's3:GetObject', objectArn(bucket.name, key), bucket);
    if (!object) return this.core.missingObject(caller, bucket, key);

    const verdict = preconditions(object, input);
    const base = objectOutput(object);
    if (verdict === 412) throw s3Errors.preconditionFailed(preconditionName(input));
    if (verdict === 304) return { status: 304, output: { ETag: object.etag, LastModified: new Date(object.lastModified) }, body: undefined };

    let start = 0;
    let end = object.size;
    let status = 200;
    const partNumber = num(input, 'PartNumber');
    const out: Output = { ...base, ...overrides(input) };
    if (partNumber !== undefined) {
      const parts = object.partsCount ?? 1;
      if (partNumber < 1 || partNumber > parts) {
        throw new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, [['PartNumberRequested', String(partNumber)], ['ActualPartCount', String(parts)]]);
      }
      if (object.partsCount !== undefined) {
        for (let i = 0; i < partNumber - 1; i++) start += object.segments[i]?.size ?? 0;
        end = start + (object.segments[partNumber - 1]?.size ?? 0);
        status = 206;
        out['ContentRange'] = `bytes ${start}-${end - 1}/${object.size}`;
      }
      out['PartsCount'] = parts;
    } else {
      const rangeHeader = str(input, 'Range');
      const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader, object.size);
      if (range === 'unsatisfiable') throw s3Errors.invalidRange(rangeHeader as string, object.size);
      if (range) {
        start = range.start;
        end = range.end + 1;
        status = 206;
        out['ContentRange'] = `bytes ${range.start}-${range.end}/${object.size}`;
      }
    }
    out['ContentLength'] = end - start;
    // A checksum describes the whole object: sent for whole-object reads only, and only when asked.
    if (status === 200 && str(input, 'ChecksumMode') === 'ENABLED' && object.checksum) {
      out[`Checksum${object.checksum.algorithm}`] = object.checksum.value;
      out['ChecksumType'] = object.checksum.type;
    }
    if (head) return { status, output: out, body: undefined };
    try {
      return { status, output: out, body: await this.core.env.blobs.read(object.segments, start, end) };
    } catch (e) {
      // Overwritten or deleted between the lookup and the open: answer from the current state.
      if ((e as { code?: string }).code === 'ENOENT' && !retried) return this.getObject(caller, input, head, true);
      throw e;
    }
  }

  async deleteObject(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    await this.core.authorize(caller, 's3:DeleteObject', objectArn(bucket.name, key), bucket);
    await this.remove(bucket.name, [key]);
    return {};
  }

  /** Up to 1,000 keys, each authorized as s3:DeleteObject on its own; a denied key is a per-key AccessDenied. */
  async deleteObjects(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const del = input['Delete'] as { Objects?: { Key?: string; VersionId?: string }[]; Quiet?: boolean } | undefined;
    const objects = del?.Objects ?? [];
    if (!objects.length || objects.length > 1000) throw s3Errors.malformedXml();
    const deleted: Output[] = [];
    const errors: Output[] = [];
    const allowed: string[] = [];
    for (const o of objects) {
      const key = o.Key ?? '';
      if (key === '' || Buffer.byteLength(key, 'utf8') > 1024) {
        errors.push({ Key: key, Code: 'InvalidArgument', Message: 'Invalid key' });
        continue;
      }
      const denial = await this.core.denial(caller, 's3:DeleteObject', objectArn(bucket.name, key), bucket);
      if (denial !== undefined) errors.push({ Key: key, Code: 'AccessDenied', Message: 'Access Denied' });
      else {
        allowed.push(key);
        if (!del?.Quiet) deleted.push({ Key: key });
      }
    }
    await this.remove(bucket.name, allowed);
    return { Deleted: deleted, Errors: errors };
  }

  /**
   * CopyObject: s3:GetObject on the source (with its bucket's policy), s3:PutObject on the target.
   * Metadata is copied unless `x-amz-metadata-directive: REPLACE`; copying an object onto itself
   * must change something (InvalidRequest otherwise).
   */
  async copyObject(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    checkKey(key);
    const source = parseCopySource(required(input, 'CopySource'));
    const srcBucket = source.bucket === bucket.name ? bucket : await this.core.requireBucket(source.bucket);
    await this.core.authorize(caller, 's3:GetObject', objectArn(srcBucket.name, source.key), srcBucket);
    await this.core.authorize(caller, 's3:PutObject', objectArn(bucket.name, key), bucket, putContext(input));
    const src = await this.core.env.store.read((t) => t.get<ObjectDoc>(S3_KIND.object, srcBucket.name, objectStoreKey(source.key)));
    if (!src) return this.core.missingObject(caller, srcBucket, source.key);
    const verdict = preconditions(src, {
      IfMatch: input['CopySourceIfMatch'],
      IfNoneMatch: input['CopySourceIfNoneMatch'],
      IfModifiedSince: input['CopySourceIfModifiedSince'],
      IfUnmodifiedSince: input['CopySourceIfUnmodifiedSince'],
    });
    if (verdict !== 200) throw s3Errors.preconditionFailed(preconditionName(input, 'x-amz-copy-source-'));
    const directive = str(input, 'MetadataDirective') ?? 'COPY';
    if (directive !== 'COPY' && directive !== 'REPLACE') throw s3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
    if (srcBucket.name === bucket.name && source.key === key && directive === 'COPY' && str(input, 'StorageClass') === undefined && str(input, 'ServerSideEncryption') === undefined) {
      throw s3Errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const headers: ObjectHeaders = directive === 'REPLACE' ? objectHeaders(input) : pickHeaders(src);
    checkMetadata(headers);
    await this.checkWritePreconditions(bucket.name, key, input);
    const read = await this.core.env.blobs.read(src.segments, 0, src.size);
    const md5 = createHash('md5');
    async function* hashed(): AsyncGenerator<Uint8Array> {
      const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = read.bytes ? [read.bytes] : (read.stream as AsyncIterable<Uint8Array>);
      for await (const c of chunks) {
        md5.update(c);
        yield c;
      }
    }
    let staged: StagedBlob;
    try {
      staged = await this.core.env.blobs.stage(hashed());
    } finally {
      await read.close();
    }
    const doc: ObjectDoc = {
      ...headers,
      key,
      size: staged.size,
      etag: `"${md5.digest('hex')}"`,
      lastModified: this.core.nowIso(),
      segments: [{ id: staged.id, size: staged.size }],
      checksum: src.checksum?.type === 'FULL_OBJECT' ? src.checksum : undefined,
    };
    await this.commit(bucket.name, doc, [staged], input);
    return { CopyObjectResult: { ETag: doc.etag, LastModified: new Date(doc.lastModified), ...(doc.checksum ? { [`Checksum${doc.checksum.algorithm}`]: doc.checksum.value, ChecksumType: doc.checksum.type } : {}) } };
  }

  /**
   * Commits `doc` for its key after making `staged` durable; on failure the staged blobs go.
   * The replaced object's blobs are removed once the new metadata is committed.
   */
  async commit(bucket: string, doc: ObjectDoc, staged: readonly StagedBlob[], input: Input, alsoInTx?: (t: StoreTx) => Promise<void>): Promise<void> {
    let old: ObjectDoc | undefined;
    try {
      for (const s of staged) await s.commit();
      old = await this.core.write(async (t) => {
        if (!(await t.get(S3_KIND.bucket, '', bucket))) throw s3Errors.noSuchBucket(bucket);
        const prev = await t.get<ObjectDoc>(S3_KIND.object, bucket, objectStoreKey(doc.key));
        writePreconditions(prev, doc.key, input);
        if (alsoInTx) await alsoInTx(t);
        await t.put(S3_KIND.object, bucket, objectStoreKey(doc.key), doc);
        return prev;
      });
    } catch (e) {
      for (const s of staged) await s.discard();
      throw e;
    }
    if (old) {
      const keep = new Set(doc.segments.map((s) => s.id));
      await this.core.env.blobs.remove(old.segments.map((s) => s.id).filter((id) => !keep.has(id)));
    }
  }

  /** Conditional writes (If-None-Match: *, If-Match), checked before the upload and again at commit. */
  async checkWritePreconditions(bucket: string, key: string, input: Input): Promise<void> {
    if (input['IfMatch'] === undefined && input['IfNoneMatch'] === undefined) return;
    const prev = await this.core.env.store.read((t) => t.get<ObjectDoc>(S3_KIND.object, bucket, objectStoreKey(key)));
    writePreconditions(prev, key, input);
  }

  private async remove(bucket: string, keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    const ids = await this.core.write(async (t) => {
      const out: string[] = [];
      for (const key of keys) {
        const prev = await t.get<ObjectDoc>(S3_KIND.object, bucket, objectStoreKey(key));
        if (!prev) continue;
        await t.delete(S3_KIND.object, bucket, objectStoreKey(key));
        for (const s of prev.segments) out.push(s.id);
      }
      return out;
    });
    await this.core.env.blobs.remove(ids);
  }
}

/** Stages the body and checks its digests; the blob is discarded when they do not verify. */
export async function stageVerified(core: S3Core, body: IncomingBody): Promise<{ staged: StagedBlob; digests: BodyDigests }> {
  const staged = await core.env.blobs.stage(body.stream);
  try {
    return { staged, digests: await body.digests() };
  } catch (e) {
    await staged.discard();
    throw e;
  }
}

function putContext(input: Input): ReturnType<typeof putObjectContext> {
  return putObjectContext({
    acl: str(input, 'ACL'),
    sse: str(input, 'ServerSideEncryption'),
    storageClass: str(input, 'StorageClass'),
    copySource: str(input, 'CopySource'),
    metadataDirective: str(input, 'MetadataDirective'),
  });
}

/** The headers S3 keeps with an object; Content-Type defaults to binary/octet-stream. */
export function objectHeaders(input: Input): ObjectHeaders {
  const metadata = (input['Metadata'] as Record<string, string> | undefined) ?? {};
  return {
    contentType: str(input, 'ContentType') ?? 'binary/octet-stream',
    contentEncoding: contentEncoding(str(input, 'ContentEncoding')),
    contentDisposition: str(input, 'ContentDisposition'),
    contentLanguage: str(input, 'ContentLanguage'),
    cacheControl: str(input, 'CacheControl'),
    expires: input['Expires'] instanceof Date ? (input['Expires'] as Date).toUTCString() : str(input, 'Expires'),
    metadata,
  };
}

/** `aws-chunked` describes the transfer, not the object: S3 drops it from the stored Content-Encoding. */
function contentEncoding(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const rest = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
  return rest.length ? rest.join(',') : undefined;
}

function pickHeaders(o: ObjectDoc): ObjectHeaders {
  return {
    contentType: o.contentType,
    contentEncoding: o.contentEncoding,
    contentDisposition: o.contentDisposition,
    contentLanguage: o.contentLanguage,
    cacheControl: o.cacheControl,
    expires: o.expires,
    metadata: o.metadata,
  };
}

export function objectOutput(o: ObjectDoc): Output {
  return {
    AcceptRanges: 'bytes',
    LastModified: new Date(o.lastModified),
    ContentLength: o.size,
    ETag: o.etag,
    ContentType: o.contentType,
    ContentEncoding: o.contentEncoding,
    ContentDisposition: o.contentDisposition,
    ContentLanguage: o.contentLanguage,
    CacheControl: o.cacheControl,
    Expires: o.expires,
    Metadata: o.metadata,
  };
}

/** response-content-type and friends (GetObject): override the stored header in this response only. */
function overrides(input: Input): Output {
  const out: Output = {};
  const map: [string, string][] = [
    ['ResponseContentType', 'ContentType'],
    ['ResponseContentLanguage', 'ContentLanguage'],
    ['ResponseCacheControl', 'CacheControl'],
    ['ResponseContentDisposition', 'ContentDisposition'],
    ['ResponseContentEncoding', 'ContentEncoding'],
  ];
  for (const [from, to] of map) {
    const v = str(input, from);
    if (v !== undefined) out[to] = v;
  }
  const expires = input['ResponseExpires'];
  if (expires instanceof Date) out['Expires'] = expires.toUTCString();
  return out;
}

/**
 * Byte ranges (RFC 9110 §14.1.2 as S3 applies it): `bytes=a-b`, `bytes=a-`, `bytes=-n`. A range
 * that starts past the end is unsatisfiable (416 InvalidRange); one S3 cannot read is ignored and
 * the whole object is sent.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (b !== '' && Number(b) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: b === '' ? size - 1 : Math.min(Number(b), size - 1) };
}

function etagMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, '');
  return list.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return v === '*' || v === bare;
  });
}

/** Conditional GET/HEAD (RFC 9110 §13.2.2, as GetObject documents it): 200, 304 or 412. */
function preconditions(o: ObjectDoc, input: Input): 200 | 304 | 412 {
  const ifMatch = str(input, 'IfMatch');
  const ifNoneMatch = str(input, 'IfNoneMatch');
  const ifModifiedSince = date(input, 'IfModifiedSince');
  const ifUnmodifiedSince = date(input, 'IfUnmodifiedSince');
  // HTTP dates have whole seconds.
  const modified = Math.floor(Date.parse(o.lastModified) / 1000) * 1000;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, o.etag)) return 412;
  } else if (ifUnmodifiedSince && modified > ifUnmodifiedSince.getTime()) return 412;
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, o.etag)) return 304;
  } else if (ifModifiedSince && modified <= ifModifiedSince.getTime()) return 304;
  return 200;
}

function preconditionName(input: Input, prefix = ''): string {
  if (input[prefix ? 'CopySourceIfMatch' : 'IfMatch'] !== undefined) return `${prefix}If-Match`;
  return `${prefix}If-Unmodified-Since`;
}

function writePreconditions(prev: ObjectDoc | undefined, key: string, input: Input): void {
  const ifNoneMatch = str(input, 'IfNoneMatch');
  const ifMatch = str(input, 'IfMatch');
  if (ifNoneMatch !== undefined && prev && ifNoneMatch.trim() === '*') throw s3Errors.preconditionFailed('If-None-Match');
  if (ifMatch !== undefined) {
    if (!prev) throw s3Errors.noSuchKey(key);
    if (!etagMatches(ifMatch, prev.etag)) throw s3Errors.preconditionFailed('If-Match');
  }
}

/** `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=`. */
export function parseCopySource(raw: string): { bucket: string; key: string } {
  const invalid = (): S3Error => s3Errors.invalidArgument('Invalid copy source object key', 'x-amz-copy-source', raw);
  let text = raw;
  const q = text.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(text.slice(q + 1));
    const version = params.get('versionId');
    if (version !== null && version !== 'null') throw s3Errors.invalidArgument('Invalid version id specified', 'x-amz-copy-source', raw);
    text = text.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw invalid();
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

