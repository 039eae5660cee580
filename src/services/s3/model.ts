import type { BlobSegment, BlobStore } from '../../store/blob-store.js';
import type { Store } from '../../store/store.js';
import type { ActionCatalog } from '../../policy/catalog.js';
import type { ContextType, PolicySet } from '../../policy/index.js';

/**
 * S3's records in the document store, and what the S3 domain runs with.
 *
 * Store keys are case-insensitive and ordered lowercased, but S3 keys are case-sensitive and
 * list in UTF-8 binary order; an object's store key is therefore the lowercase hex of its UTF-8
 * bytes, which keeps both prefixes (hex(p) is a prefix of hex(k) exactly when p is a prefix of
 * k) and order. Bucket names are lowercase already.
 */
export const S3_KIND = {
  bucket: 's3.bucket',
  object: 's3.object',
  upload: 's3.upload',
  part: 's3.part',
} as const;

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** base64, with `-N` for a composite multipart checksum */
  readonly value: string;
  readonly type: ChecksumType;
}

export interface BucketDoc {
  readonly [k: string]: unknown;
  readonly name: string;
  readonly region: string;
  /** ISO 8601 with milliseconds */
  readonly createdAt: string;
  readonly policy?: string | undefined;
}

/** Headers S3 stores with an object and returns on GET/HEAD. */
export interface ObjectHeaders {
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly contentDisposition?: string | undefined;
  readonly contentLanguage?: string | undefined;
  readonly cacheControl?: string | undefined;
  readonly expires?: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectDoc extends ObjectHeaders {
  readonly [k: string]: unknown;
  readonly key: string;
  readonly size: number;
  /** quoted, as S3 returns it */
  readonly etag: string;
  readonly lastModified: string;
  readonly segments: readonly BlobSegment[];
  readonly checksum?: StoredChecksum | undefined;
  readonly partsCount?: number | undefined;
}

export interface UploadDoc extends ObjectHeaders {
  readonly [k: string]: unknown;
  readonly uploadId: string;
  readonly key: string;
  readonly initiated: string;
  readonly initiator: string;
  readonly checksumAlgorithm?: ChecksumAlgorithm | undefined;
  readonly checksumType?: ChecksumType | undefined;
}

export interface PartDoc {
  readonly [k: string]: unknown;
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: string;
  readonly blob: string;
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string } | undefined;
}

export function objectStoreKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('hex');
}

export function keyFromStoreKey(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Upload records sort by object key, then by upload id (time-ordered), as ListMultipartUploads lists them. */
export function uploadStoreKey(key: string, uploadId: string): string {
  return `${objectStoreKey(key)}.${uploadId}`;
}

export function partScope(bucket: string, uploadId: string): string {
  return `${bucket}/${uploadId}`;
}

export function partStoreKey(partNumber: number): string {
  return String(partNumber).padStart(5, '0');
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

// ---- what the domain is given -----------------------------------------------------------------

export interface ContextEntry {
  readonly key: string;
  readonly values: string[];
  readonly type?: ContextType;
}

/** One authorization, answered by the composition (identity, boundary, session and the bucket policy). */
export interface AuthorizationCall {
  readonly action: string;
  readonly resource: string;
  readonly resourcePolicy: PolicySet | undefined;
  readonly context: readonly ContextEntry[];
}

export interface S3Caller {
  /** The caller's ARN, or `anonymous`. */
  readonly arn: string;
  /** The canonical-user-like id shown as Owner/Initiator. */
  readonly id: string;
  /** Checks one action; resolves AWS's denial message when denied. */
  authorize(call: AuthorizationCall): Promise<string | undefined>;
  /** Keys S3 adds to every request's context (s3:authType, s3:signatureversion, …). */
  readonly context: readonly ContextEntry[];
}

export interface S3Env {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly now: () => Date;
  readonly random: (n: number) => Uint8Array;
  readonly account: string;
  /** The endpoint's region: buckets created without a LocationConstraint live here. */
  readonly region: string;
  /** The Service Authorization Reference, for bucket policy validation. */
  readonly catalog: ActionCatalog;
  /** A running flexible checksum (CRC32, CRC32C, CRC64NVME, SHA1, SHA256); digest in base64. */
  readonly checksum: (algorithm: ChecksumAlgorithm) => { update(bytes: Uint8Array): void; digest(): string };
}

/** A request body being received: the bytes, then what they hashed to once verified. */
export interface IncomingBody {
  /** The payload length when known up front (Content-Length, x-amz-decoded-content-length). */
  readonly length: number | undefined;
  readonly stream: AsyncIterable<Uint8Array>;
  /**
   * After the stream ends: the MD5 (hex) and the flexible checksum, each already checked against
   * what the client declared (Content-MD5, x-amz-content-sha256, x-amz-checksum-*); rejects with
   * S3's error otherwise.
   */
  digests(): Promise<BodyDigests>;
}

export interface BodyDigests {
  readonly md5Hex: string;
  readonly checksum: { readonly algorithm: ChecksumAlgorithm; readonly value: string } | undefined;
}
