import { s3Errors } from './errors.js';
import type { ObjectHeaders } from './model.js';

/**
 * Naming rules and size limits S3 enforces.
 * Bucket names: "General purpose bucket naming rules" (bucketnamingrules.html) — 3 to 63
 * characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter
 * or digit, no two adjacent dots, not an IP address, none of the reserved prefixes and suffixes.
 * Keys: at most 1,024 bytes of UTF-8 ("Naming Amazon S3 objects"). User metadata: at most 2 KB,
 * the UTF-8 bytes of every key and value summed ("Working with object metadata").
 */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function bucketNameProblem(name: string): boolean {
  if (name.length < 3 || name.length > 63) return true;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return true;
  if (name.includes('..')) return true;
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return true;
  return RESERVED_SUFFIXES.some((s) => name.endsWith(s));
}

export function checkBucketName(name: string): void {
  if (bucketNameProblem(name)) throw s3Errors.invalidBucketName(name);
}

export const MAX_KEY_BYTES = 1024;
export const MAX_METADATA_BYTES = 2048;

export function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw s3Errors.keyTooLong(bytes);
}

export function checkMetadata(headers: ObjectHeaders): void {
  let size = 0;
  for (const [k, v] of Object.entries(headers.metadata)) size += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  if (size > MAX_METADATA_BYTES) throw s3Errors.metadataTooLarge(size);
}
