import { listContext } from './access.js';
import { canonicalUserId, decodeToken, encodeToken } from './buckets.js';
import { S3Core, num, required, str } from './core.js';
import { s3Errors } from './errors.js';
import { S3_KIND, bucketArn, objectStoreKey, type ObjectDoc, type S3Caller } from './model.js';

type Input = Readonly<Record<string, unknown>>;
type Output = Record<string, unknown>;

const MAX_KEYS = 1000;
/** Past a common prefix in hex key space: hex digits sort below `g`. */
const PAST = 'g';

interface Entry {
  readonly object?: ObjectDoc;
  readonly prefix?: string;
}

/**
 * ListObjectsV2 and ListObjects (v1): keys in UTF-8 binary order under a prefix, rolled up into
 * CommonPrefixes at the delimiter, at most max-keys (≤ 1,000) entries — keys and prefixes
 * together — per page. A page resumes after its last entry (a continuation token, or v1's
 * marker); a common prefix at or before the resume point is not returned again.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export class Listing {
  constructor(private readonly core: S3Core) {}

  async listObjectsV2(caller: S3Caller, input: Input): Promise<Output> {
    const q = await this.prepare(caller, input);
    const token = str(input, 'ContinuationToken');
    const startAfter = str(input, 'StartAfter');
    let from: string | undefined;
    if (token !== undefined) {
      from = decodeToken(token, 'continuation-token');
      if (!/^[0-9a-f]*g?$/.test(from)) throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
    } else if (startAfter) from = objectStoreKey(startAfter);
    const page = await this.walk(q.bucket, q.prefix, q.delimiter, q.maxKeys, from);
    const enc = q.url ? urlEncode : (s: string): string => s;
    const owner = input['FetchOwner'] === true ? { ID: canonicalUserId(this.core.env.account) } : undefined;
    return {
      IsTruncated: page.truncated,
      Contents: page.entries.filter((e) => e.object).map((e) => contents(e.object as ObjectDoc, enc, owner)),
      Name: q.bucket,
      Prefix: enc(q.prefix),
      Delimiter: q.delimiter === undefined ? undefined : enc(q.delimiter),
      MaxKeys: q.maxKeys,
      CommonPrefixes: page.entries.filter((e) => e.prefix !== undefined).map((e) => ({ Prefix: enc(e.prefix as string) })),
      EncodingType: q.url ? 'url' : undefined,
      KeyCount: page.entries.length,
      ContinuationToken: token,
      NextContinuationToken: page.truncated && page.resume !== undefined ? encodeToken(page.resume) : undefined,
      StartAfter: startAfter === undefined ? undefined : enc(startAfter),
    };
  }

  async listObjects(caller: S3Caller, input: Input): Promise<Output> {
    const q = await this.prepare(caller, input);
    const marker = str(input, 'Marker');
    const page = await this.walk(q.bucket, q.prefix, q.delimiter, q.maxKeys, marker ? objectStoreKey(marker) : undefined);
    const enc = q.url ? urlEncode : (s: string): string => s;
    const owner = { ID: canonicalUserId(this.core.env.account) };
    const last = page.entries[page.entries.length - 1];
    return {
      IsTruncated: page.truncated,
      Marker: enc(marker ?? ''),
      // v1 returns NextMarker only with a delimiter; without one the last key is the marker.
      NextMarker: page.truncated && q.delimiter !== undefined && last ? enc(last.prefix ?? (last.object as ObjectDoc).key) : undefined,
      Contents: page.entries.filter((e) => e.object).map((e) => contents(e.object as ObjectDoc, enc, owner)),
      Name: q.bucket,
      Prefix: enc(q.prefix),
      Delimiter: q.delimiter === undefined ? undefined : enc(q.delimiter),
      MaxKeys: q.maxKeys,
      CommonPrefixes: page.entries.filter((e) => e.prefix !== undefined).map((e) => ({ Prefix: enc(e.prefix as string) })),
      EncodingType: q.url ? 'url' : undefined,
    };
  }

  private async prepare(caller: S3Caller, input: Input): Promise<{ bucket: string; prefix: string; delimiter: string | undefined; maxKeys: number; url: boolean }> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    const prefix = str(input, 'Prefix') ?? '';
    const delimiter = str(input, 'Delimiter') || undefined;
    const requested = num(input, 'MaxKeys');
    const encoding = str(input, 'EncodingType');
    if (requested !== undefined && requested < 0) throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', String(requested));
    if (encoding !== undefined && encoding !== 'url') throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encoding);
    await this.core.authorize(caller, 's3:ListBucket', bucketArn(bucket.name), bucket, listContext(str(input, 'Prefix'), delimiter, requested));
    return { bucket: bucket.name, prefix, delimiter, maxKeys: Math.min(requested ?? MAX_KEYS, MAX_KEYS), url: encoding === 'url' };
  }

  /** One page of entries after `from` (a hex store key, possibly past a prefix). */
  private async walk(bucket: string, prefix: string, delimiter: string | undefined, maxKeys: number, from: string | undefined): Promise<{ entries: Entry[]; truncated: boolean; resume: string | undefined }> {
    const entries: Entry[] = [];
    const hexPrefix = objectStoreKey(prefix);
    let after = from;
    let resume: string | undefined;
    const batch = Math.min(maxKeys + 1, MAX_KEYS + 1);
    for (;;) {
      const rows = await this.core.env.store.read((t) => t.list<ObjectDoc>(S3_KIND.object, bucket, { prefix: hexPrefix, ...(after !== undefined ? { after } : {}), limit: batch }));
      if (!rows.length) return { entries, truncated: false, resume };
      let jumped = false;
      for (const row of rows) {
        const key = row.doc.key;
        let at = row.key.toLowerCase();
        let entry: Entry = { object: row.doc };
        if (delimiter !== undefined) {
          const i = key.indexOf(delimiter, prefix.length);
          if (i >= 0) {
            const cp = key.slice(0, i + delimiter.length);
            const cpHex = objectStoreKey(cp);
            at = cpHex + PAST;
            if (from === cpHex || from === at) {
              // The previous page ended with this prefix (v2 token, or v1 NextMarker = the prefix).
              after = at;
              jumped = true;
              break;
            }
            entry = { prefix: cp };
            jumped = true;
          }
        }
        if (entries.length === maxKeys) return { entries, truncated: true, resume };
        entries.push(entry);
        resume = at;
        after = at;
        if (jumped) break;
      }
      if (!jumped && rows.length < batch) return { entries, truncated: false, resume };
    }
  }
}

function contents(o: ObjectDoc, enc: (s: string) => string, owner: { ID: string } | undefined): Output {
  return {
    Key: enc(o.key),
    LastModified: new Date(o.lastModified),
    ETag: o.etag,
    ChecksumAlgorithm: o.checksum ? [o.checksum.algorithm] : undefined,
    ChecksumType: o.checksum?.type,
    Size: o.size,
    StorageClass: 'STANDARD',
    Owner: owner,
  };
}

/** `encoding-type=url`: keys percent-encoded, `/` kept (clients decode with unquote_plus / decodeURIComponent). */
export function urlEncode(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/');
}
