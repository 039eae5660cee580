import { createHash } from 'node:crypto';
import type { StagedBlob } from '../../store/blob-store.js';
import { putObjectContext } from './access.js';
import { canonicalUserId } from './buckets.js';
import { S3Core, num, required, str } from './core.js';
import { S3Error, s3Errors } from './errors.js';
import { urlEncode } from './listing.js';
import {
  CHECKSUM_ALGORITHMS,
  S3_KIND,
  bucketArn,
  objectArn,
  objectStoreKey,
  partScope,
  partStoreKey,
  uploadStoreKey,
  type BucketDoc,
  type ChecksumAlgorithm,
  type ChecksumType,
  type IncomingBody,
  type ObjectDoc,
  type PartDoc,
  type S3Caller,
  type StoredChecksum,
  type UploadDoc,
} from './model.js';
import { checkKey, checkMetadata } from './names.js';
import { MAX_PUT_BYTES, objectHeaders, stageVerified, type ObjectOperations } from './objects.js';

type Input = Readonly<Record<string, unknown>>;
type Output = Record<string, unknown>;

/** Every part but the last must be at least 5 MiB; part numbers run 1–10,000 ("Multipart upload limits"). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

/**
 * Multipart uploads. Each part is its own blob; completion writes no bytes: the object's
 * segments are the listed parts in order, its ETag the MD5 of the parts' binary MD5s followed by
 * `-N`. Flexible checksums: COMPOSITE is the checksum of the parts' raw checksums, `-N`;
 * FULL_OBJECT is computed over the whole object's bytes.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export class MultipartOperations {
  constructor(
    private readonly core: S3Core,
    private readonly objects: ObjectOperations,
  ) {}

  async createMultipartUpload(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    checkKey(key);
    await this.core.authorize(caller, 's3:PutObject', objectArn(bucket.name, key), bucket, putObjectContext({ acl: str(input, 'ACL'), sse: str(input, 'ServerSideEncryption'), storageClass: str(input, 'StorageClass') }));
    const headers = objectHeaders(input);
    checkMetadata(headers);
    const { algorithm, type } = checksumChoice(str(input, 'ChecksumAlgorithm'), str(input, 'ChecksumType'));
    const uploadId = this.newUploadId();
    const doc: UploadDoc = { ...headers, uploadId, key, initiated: this.core.nowIso(), initiator: caller.arn, checksumAlgorithm: algorithm, checksumType: type };
    await this.core.write(async (t) => {
      if (!(await t.get(S3_KIND.bucket, '', bucket.name))) throw s3Errors.noSuchBucket(bucket.name);
      await t.insert(S3_KIND.upload, bucket.name, uploadStoreKey(key, uploadId), doc);
    });
    return { Bucket: bucket.name, Key: key, UploadId: uploadId, ChecksumAlgorithm: algorithm, ChecksumType: type };
  }

  async uploadPart(caller: S3Caller, input: Input, body: IncomingBody): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    await this.core.authorize(caller, 's3:PutObject', objectArn(bucket.name, key), bucket);
    const partNumber = num(input, 'PartNumber') ?? 0;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw s3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(input['PartNumber'] ?? ''));
    }
    const uploadId = required(input, 'UploadId');
    await this.upload(bucket.name, key, uploadId);
    if (body.length !== undefined && body.length > MAX_PUT_BYTES) throw s3Errors.entityTooLarge(body.length, MAX_PUT_BYTES);
    const { staged, digests } = await stageVerified(this.core, body);
    const part: PartDoc = {
      partNumber,
      etag: `"${digests.md5Hex}"`,
      size: staged.size,
      lastModified: this.core.nowIso(),
      blob: staged.id,
      checksum: digests.checksum,
    };
    let replaced: PartDoc | undefined;
    try {
      await staged.commit();
      replaced = await this.core.write(async (t) => {
        const u = await t.get<UploadDoc>(S3_KIND.upload, bucket.name, uploadStoreKey(key, uploadId));
        if (!u || u.uploadId !== uploadId) throw s3Errors.noSuchUpload(uploadId);
        const scope = partScope(bucket.name, uploadId);
        const prev = await t.get<PartDoc>(S3_KIND.part, scope, partStoreKey(partNumber));
        await t.put(S3_KIND.part, scope, partStoreKey(partNumber), part);
        return prev;
      });
    } catch (e) {
      await staged.discard();
      throw e;
    }
    if (replaced) await this.core.env.blobs.remove([replaced.blob]);
    return { ETag: part.etag, ...(part.checksum ? { [`Checksum${part.checksum.algorithm}`]: part.checksum.value } : {}) };
  }

  async completeMultipartUpload(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    await this.core.authorize(caller, 's3:PutObject', objectArn(bucket.name, key), bucket);
    const uploadId = required(input, 'UploadId');
    const upload = await this.upload(bucket.name, key, uploadId);
    const listed = ((input['MultipartUpload'] as Input | undefined)?.['Parts'] as Input[] | undefined) ?? [];
    if (!listed.length) throw s3Errors.malformedXml();
    const stored = new Map((await this.parts(bucket.name, uploadId)).map((p) => [p.partNumber, p]));
    const chosen: PartDoc[] = [];
    let previous = 0;
    for (const l of listed) {
      const n = num(l, 'PartNumber');
      const etag = str(l, 'ETag') ?? '';
      if (n === undefined || n <= previous) {
        if (n !== undefined && n >= 1) throw s3Errors.invalidPartOrder(uploadId);
        throw s3Errors.malformedXml();
      }
      previous = n;
      const p = stored.get(n);
      if (!p || unquote(p.etag) !== unquote(etag)) throw s3Errors.invalidPart(uploadId, n, etag);
      if (upload.checksumAlgorithm && p.checksum?.algorithm === upload.checksumAlgorithm) {
        const claimed = str(l, `Checksum${upload.checksumAlgorithm}`);
        if (claimed !== undefined && claimed !== p.checksum.value) throw s3Errors.invalidPart(uploadId, n, etag);
      }
      chosen.push(p);
    }
    chosen.forEach((p, i) => {
      if (i < chosen.length - 1 && p.size < MIN_PART_BYTES) throw s3Errors.entityTooSmall(p.size, p.partNumber, p.etag);
    });
    const md5 = createHash('md5');
    for (const p of chosen) md5.update(Buffer.from(unquote(p.etag), 'hex'));
    const etag = `"${md5.digest('hex')}-${chosen.length}"`;
    const segments = chosen.map((p) => ({ id: p.blob, size: p.size }));
    const size = segments.reduce((n, s) => n + s.size, 0);
    const checksum = await this.objectChecksum(upload, chosen, segments, size);
    const declared = upload.checksumAlgorithm ? str(input, `Checksum${upload.checksumAlgorithm}`) : undefined;
    if (declared !== undefined && checksum && declared !== checksum.value) throw s3Errors.badDigestChecksum(upload.checksumAlgorithm as string);
    const doc: ObjectDoc = {
      contentType: upload.contentType,
      contentEncoding: upload.contentEncoding,
      contentDisposition: upload.contentDisposition,
      contentLanguage: upload.contentLanguage,
      cacheControl: upload.cacheControl,
      expires: upload.expires,
      metadata: upload.metadata,
      key,
      size,
      etag,
      lastModified: this.core.nowIso(),
      segments,
      checksum,
      partsCount: chosen.length,
    };
    let unused: string[] = [];
    await this.objects.commit(bucket.name, doc, noStaged, input, async (t) => {
      const u = await t.get<UploadDoc>(S3_KIND.upload, bucket.name, uploadStoreKey(key, uploadId));
      if (!u || u.uploadId !== uploadId) throw s3Errors.noSuchUpload(uploadId);
      const scope = partScope(bucket.name, uploadId);
      const current = await t.list<PartDoc>(S3_KIND.part, scope);
      // A part uploaded again since the parts were read would leave the object naming a removed blob.
      const now = new Map(current.map((p) => [p.doc.partNumber, p.doc.blob]));
      for (const p of chosen) if (now.get(p.partNumber) !== p.blob) throw s3Errors.invalidPart(uploadId, p.partNumber, p.etag);
      const keep = new Set(chosen.map((p) => p.blob));
      unused = current.map((p) => p.doc.blob).filter((b) => !keep.has(b));
      await t.deleteScope(S3_KIND.part, scope);
      await t.delete(S3_KIND.upload, bucket.name, uploadStoreKey(key, uploadId));
    });
    await this.core.env.blobs.remove(unused);
    return {
      Location: `/${bucket.name}/${key.split('/').map(encodeURIComponent).join('/')}`,
      Bucket: bucket.name,
      Key: key,
      ETag: etag,
      ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {}),
    };
  }

  async abortMultipartUpload(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    await this.core.authorize(caller, 's3:AbortMultipartUpload', objectArn(bucket.name, key), bucket);
    const uploadId = required(input, 'UploadId');
    const blobs = await this.core.write(async (t) => {
      const u = await t.get<UploadDoc>(S3_KIND.upload, bucket.name, uploadStoreKey(key, uploadId));
      if (!u || u.uploadId !== uploadId) throw s3Errors.noSuchUpload(uploadId);
      const scope = partScope(bucket.name, uploadId);
      const ids = (await t.list<PartDoc>(S3_KIND.part, scope)).map((p) => p.doc.blob);
      await t.deleteScope(S3_KIND.part, scope);
      await t.delete(S3_KIND.upload, bucket.name, uploadStoreKey(key, uploadId));
      return ids;
    });
    await this.core.env.blobs.remove(blobs);
    return {};
  }

  async listParts(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const key = required(input, 'Key');
    await this.core.authorize(caller, 's3:ListMultipartUploadParts', objectArn(bucket.name, key), bucket);
    const uploadId = required(input, 'UploadId');
    const upload = await this.upload(bucket.name, key, uploadId);
    const maxParts = Math.min(num(input, 'MaxParts') ?? 1000, 1000);
    const marker = num(input, 'PartNumberMarker') ?? 0;
    const all = (await this.parts(bucket.name, uploadId)).filter((p) => p.partNumber > marker);
    const page = all.slice(0, maxParts);
    const truncated = all.length > page.length;
    const owner = { ID: canonicalUserId(this.core.env.account) };
    return {
      Bucket: bucket.name,
      Key: key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length ? page[page.length - 1]?.partNumber : undefined,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Parts: page.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: new Date(p.lastModified),
        ETag: p.etag,
        Size: p.size,
        ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
      })),
      Initiator: { ID: upload.initiator },
      Owner: owner,
      StorageClass: 'STANDARD',
      ChecksumAlgorithm: upload.checksumAlgorithm,
      ChecksumType: upload.checksumType,
    };
  }

  async listMultipartUploads(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:ListBucketMultipartUploads', bucketArn(bucket.name), bucket);
    const prefix = str(input, 'Prefix') ?? '';
    const delimiter = str(input, 'Delimiter') || undefined;
    const maxUploads = Math.min(num(input, 'MaxUploads') ?? 1000, 1000);
    const keyMarker = str(input, 'KeyMarker');
    const uploadIdMarker = str(input, 'UploadIdMarker');
    const url = str(input, 'EncodingType') === 'url';
    const enc = url ? urlEncode : (s: string): string => s;
    const rows = await this.core.env.store.read((t) => t.list<UploadDoc>(S3_KIND.upload, bucket.name, { prefix: objectStoreKey(prefix) }));
    const uploads: UploadDoc[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    for (const { doc } of rows) {
      if (keyMarker !== undefined) {
        if (doc.key < keyMarker) continue;
        if (doc.key === keyMarker && (uploadIdMarker === undefined || doc.uploadId <= uploadIdMarker)) continue;
      }
      let cp: string | undefined;
      if (delimiter !== undefined) {
        const i = doc.key.indexOf(delimiter, prefix.length);
        if (i >= 0) cp = doc.key.slice(0, i + delimiter.length);
      }
      if (cp !== undefined && prefixes[prefixes.length - 1] === cp) continue;
      if (uploads.length + prefixes.length === maxUploads) {
        truncated = true;
        break;
      }
      if (cp !== undefined) prefixes.push(cp);
      else uploads.push(doc);
    }
    const owner = { ID: canonicalUserId(this.core.env.account) };
    const lastUpload = uploads[uploads.length - 1];
    return {
      Bucket: bucket.name,
      KeyMarker: enc(keyMarker ?? ''),
      UploadIdMarker: uploadIdMarker ?? '',
      NextKeyMarker: truncated && lastUpload ? enc(lastUpload.key) : undefined,
      NextUploadIdMarker: truncated && lastUpload ? lastUpload.uploadId : undefined,
      Prefix: enc(prefix),
      Delimiter: delimiter === undefined ? undefined : enc(delimiter),
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Uploads: uploads.map((u) => ({
        UploadId: u.uploadId,
        Key: enc(u.key),
        Initiated: new Date(u.initiated),
        StorageClass: 'STANDARD',
        Owner: owner,
        Initiator: { ID: u.initiator },
        ChecksumAlgorithm: u.checksumAlgorithm,
        ChecksumType: u.checksumType,
      })),
      CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
      EncodingType: url ? 'url' : undefined,
    };
  }

  private async upload(bucket: string, key: string, uploadId: string): Promise<UploadDoc> {
    const u = await this.core.env.store.read((t) => t.get<UploadDoc>(S3_KIND.upload, bucket, uploadStoreKey(key, uploadId)));
    if (!u || u.uploadId !== uploadId || u.key !== key) throw s3Errors.noSuchUpload(uploadId);
    return u;
  }

  private async parts(bucket: string, uploadId: string): Promise<PartDoc[]> {
    return (await this.core.env.store.read((t) => t.list<PartDoc>(S3_KIND.part, partScope(bucket, uploadId)))).map((r) => r.doc);
  }

  /** Upload ids sort by creation time (ListMultipartUploads lists a key's uploads oldest first). */
  private newUploadId(): string {
    const time = this.core.env.now().getTime().toString(16).padStart(12, '0');
    return time + Buffer.from(this.core.env.random(24)).toString('hex');
  }

  private async objectChecksum(upload: UploadDoc, parts: readonly PartDoc[], segments: readonly { id: string; size: number }[], size: number): Promise<StoredChecksum | undefined> {
    const algorithm = upload.checksumAlgorithm;
    if (!algorithm) return undefined;
    if (upload.checksumType === 'FULL_OBJECT') {
      const sum = this.core.env.checksum(algorithm);
      const read = await this.core.env.blobs.read(segments, 0, size);
      try {
        if (read.bytes) sum.update(read.bytes);
        else for await (const c of read.stream as AsyncIterable<Uint8Array>) sum.update(c);
      } finally {
        await read.close();
      }
      return { algorithm, value: sum.digest(), type: 'FULL_OBJECT' };
    }
    // COMPOSITE: every part must carry the upload's checksum.
    const sum = this.core.env.checksum(algorithm);
    for (const p of parts) {
      if (p.checksum?.algorithm !== algorithm) {
        throw new S3Error('InvalidRequest', `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${p.partNumber} in the request.`, 400);
      }
      sum.update(Buffer.from(p.checksum.value, 'base64'));
    }
    return { algorithm, value: `${sum.digest()}-${parts.length}`, type: 'COMPOSITE' };
  }
}

const noStaged: readonly StagedBlob[] = [];

function unquote(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '');
}

/**
 * The checksum an upload is created with: CRC64NVME is full-object only, SHA1 and SHA256 are
 * composite only, CRC32 and CRC32C are either (composite by default).
 */
function checksumChoice(algorithmText: string | undefined, typeText: string | undefined): { algorithm: ChecksumAlgorithm | undefined; type: ChecksumType | undefined } {
  if (algorithmText === undefined) {
    if (typeText !== undefined) throw s3Errors.invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return { algorithm: undefined, type: undefined };
  }
  const algorithm = algorithmText.toUpperCase() as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
    throw s3Errors.invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }
  const type = (typeText?.toUpperCase() ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE')) as ChecksumType;
  if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE') throw s3Errors.invalidRequest('Value for x-amz-checksum-type header is invalid.');
  if ((algorithm === 'CRC64NVME' && type !== 'FULL_OBJECT') || ((algorithm === 'SHA1' || algorithm === 'SHA256') && type !== 'COMPOSITE')) {
    throw s3Errors.invalidRequest(`The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  return { algorithm, type };
}

export type { BucketDoc };
