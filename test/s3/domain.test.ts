import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IamDataCatalog } from '../../src/catalog/iam-data.js';
import { S3Error } from '../../src/services/s3/errors.js';
import { objectStoreKey, type AuthorizationCall, type IncomingBody, type S3Caller } from '../../src/services/s3/model.js';
import { parseRange } from '../../src/services/s3/objects.js';
import { S3Service } from '../../src/services/s3/service.js';
import { FsBlobStore } from '../../src/store/blobs.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';
import { createChecksum } from '../../src/wire/checksums.js';

/**
 * The S3 domain over the real SQLite store and file blob store, with an authorizer that allows
 * everything except what a test denies: listing order and pagination, ranges, multipart rules,
 * copies, limits, and startup recovery.
 */
const MiB = 1024 * 1024;

function body(bytes: Buffer, opts: { md5?: string } = {}): IncomingBody {
  const md5 = createHash('md5').update(bytes).digest('hex');
  return {
    length: bytes.length,
    stream: (async function* () {
      for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
    })(),
    digests: async () => {
      if (opts.md5 !== undefined && opts.md5 !== md5) throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
      return { md5Hex: md5, checksum: undefined };
    },
  };
}

const code = (c: string) => (e: unknown) => e instanceof S3Error && e.code === c;

describe('S3 domain', () => {
  let dir: string;
  let store: SqliteStore;
  let blobs: FsBlobStore;
  let s3: S3Service;
  const denied = new Set<string>();
  const calls: AuthorizationCall[] = [];
  const caller: S3Caller = {
    arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
    id: 'AROAEXAMPLE:s',
    context: [],
    authorize: async (call) => {
      calls.push(call);
      return denied.has(`${call.action} ${call.resource}`) ? `denied ${call.action}` : undefined;
    },
  };
  const newService = async () =>
    new S3Service({
      store,
      blobs,
      now: () => new Date(),
      random: (n) => randomBytes(n),
      account: '123456789012',
      region: 'us-east-1',
      catalog: await IamDataCatalog.load(['s3']),
      checksum: createChecksum,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-s3-domain-'));
    store = openSqliteStore(join(dir, 'store.db'));
    blobs = new FsBlobStore(join(dir, 's3'));
    s3 = await newService();
    await s3.buckets.createBucket(caller, { Bucket: 'bkt1' }, 'us-east-1');
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (key: string, bytes: Buffer | string, extra: Record<string, unknown> = {}) =>
    s3.objects.putObject(caller, { Bucket: 'bkt1', Key: key, ...extra }, body(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)));
  const read = async (key: string, extra: Record<string, unknown> = {}) => {
    const r = await s3.objects.getObject(caller, { Bucket: 'bkt1', Key: key, ...extra }, false);
    let data = Buffer.alloc(0);
    if (r.body?.bytes) data = Buffer.from(r.body.bytes);
    else if (r.body?.stream) for await (const c of r.body.stream) data = Buffer.concat([data, c]);
    return { ...r, data };
  };

  it('object store keys are the hex of the UTF-8 bytes: prefix- and order-preserving, case-sensitive', () => {
    const keys = ['a', 'B', 'b', 'a/b', 'a0', 'é', '\u{1F600}', 'Z', 'a/'];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...keys].sort((x, y) => (objectStoreKey(x) < objectStoreKey(y) ? -1 : 1)), byBytes);
    assert.notEqual(objectStoreKey('A'), objectStoreKey('a'));
    assert.ok(objectStoreKey('a/b').startsWith(objectStoreKey('a/')));
  });

  it('PutObject then GetObject: ETag is the quoted MD5, metadata and headers come back, keys are case-sensitive', async () => {
    const out = await put('Doc.txt', 'hello', { ContentType: 'text/plain', Metadata: { color: 'blue' }, ContentEncoding: 'aws-chunked,gzip' });
    assert.equal(out['ETag'], `"${createHash('md5').update('hello').digest('hex')}"`);
    await put('doc.txt', 'other');
    const r = await read('Doc.txt');
    assert.equal(r.data.toString(), 'hello');
    assert.equal(r.output['ContentType'], 'text/plain');
    assert.equal(r.output['ContentEncoding'], 'gzip');
    assert.deepEqual(r.output['Metadata'], { color: 'blue' });
    assert.equal((await read('doc.txt')).data.toString(), 'other');
  });

  it('ranges: a-b, a-, -n; past the end is InvalidRange; an unreadable one means the whole object', async () => {
    await put('r.txt', '0123456789');
    assert.deepEqual(parseRange('bytes=2-4', 10), { start: 2, end: 4 });
    assert.deepEqual(parseRange('bytes=7-', 10), { start: 7, end: 9 });
    assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
    assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
    assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=4-2', 10), undefined);
    assert.equal(parseRange('items=1-2', 10), undefined);
    const r = await read('r.txt', { Range: 'bytes=-3' });
    assert.equal(r.status, 206);
    assert.equal(r.data.toString(), '789');
    assert.equal(r.output['ContentRange'], 'bytes 7-9/10');
    await assert.rejects(read('r.txt', { Range: 'bytes=20-30' }), (e: unknown) => e instanceof S3Error && e.code === 'InvalidRange' && e.httpStatus === 416);
  });

  it('conditional GET: If-None-Match → 304, If-Match mismatch → 412, If-Modified-Since', async () => {
    const { ETag } = await put('c.txt', 'cond');
    assert.equal((await read('c.txt', { IfNoneMatch: ETag })).status, 304);
    assert.equal((await read('c.txt', { IfMatch: ETag })).status, 200);
    await assert.rejects(read('c.txt', { IfMatch: '"nope"' }), code('PreconditionFailed'));
    assert.equal((await read('c.txt', { IfModifiedSince: new Date(Date.now() + 60_000) })).status, 304);
    await assert.rejects(put('c.txt', 'again', { IfNoneMatch: '*' }), code('PreconditionFailed'));
  });

  it('a missing key is NoSuchKey with s3:ListBucket, AccessDenied without; a missing bucket is NoSuchBucket', async () => {
    await assert.rejects(read('missing'), (e: unknown) => e instanceof S3Error && e.code === 'NoSuchKey' && e.fields.some(([k, v]) => k === 'Key' && v === 'missing'));
    denied.add('s3:ListBucket arn:aws:s3:::bkt1');
    try {
      await assert.rejects(read('missing'), (e: unknown) => e instanceof S3Error && e.code === 'AccessDenied' && e.message === 'denied s3:ListBucket');
    } finally {
      denied.delete('s3:ListBucket arn:aws:s3:::bkt1');
    }
    await assert.rejects(s3.objects.getObject(caller, { Bucket: 'nope', Key: 'k' }, false), code('NoSuchBucket'));
  });

  it('ListObjectsV2: UTF-8 binary order, prefix, delimiter and CommonPrefixes, max-keys pages with tokens, start-after', async () => {
    await s3.buckets.createBucket(caller, { Bucket: 'list' }, 'us-east-1');
    const keys = ['a/1', 'a/2', 'a/b/3', 'b', 'B', 'c/x', 'c/y', 'é', 'd'];
    for (const k of keys) await s3.objects.putObject(caller, { Bucket: 'list', Key: k }, body(Buffer.from(k)));
    const all = await s3.listing.listObjectsV2(caller, { Bucket: 'list' });
    assert.deepEqual(
      (all['Contents'] as { Key: string }[]).map((c) => c.Key),
      ['B', 'a/1', 'a/2', 'a/b/3', 'b', 'c/x', 'c/y', 'd', 'é'],
    );
    const grouped = await s3.listing.listObjectsV2(caller, { Bucket: 'list', Delimiter: '/' });
    assert.deepEqual((grouped['Contents'] as { Key: string }[]).map((c) => c.Key), ['B', 'b', 'd', 'é']);
    assert.deepEqual((grouped['CommonPrefixes'] as { Prefix: string }[]).map((c) => c.Prefix), ['a/', 'c/']);
    assert.equal(grouped['KeyCount'], 6);
    const under = await s3.listing.listObjectsV2(caller, { Bucket: 'list', Prefix: 'a/', Delimiter: '/' });
    assert.deepEqual((under['Contents'] as { Key: string }[]).map((c) => c.Key), ['a/1', 'a/2']);
    assert.deepEqual((under['CommonPrefixes'] as { Prefix: string }[]).map((c) => c.Prefix), ['a/b/']);

    // Pages of two entries (keys and prefixes count alike) visit everything exactly once.
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.listing.listObjectsV2(caller, { Bucket: 'list', Delimiter: '/', MaxKeys: 2, ...(token ? { ContinuationToken: token } : {}) });
      seen.push(...((page['Contents'] as { Key: string }[]) ?? []).map((c) => c.Key), ...((page['CommonPrefixes'] as { Prefix: string }[]) ?? []).map((c) => c.Prefix));
      assert.ok((page['KeyCount'] as number) <= 2);
      token = page['NextContinuationToken'] as string | undefined;
      assert.equal(page['IsTruncated'], token !== undefined);
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(seen.sort(), ['B', 'a/', 'b', 'c/', 'd', 'é'].sort());

    const after = await s3.listing.listObjectsV2(caller, { Bucket: 'list', StartAfter: 'c/x' });
    assert.deepEqual((after['Contents'] as { Key: string }[]).map((c) => c.Key), ['c/y', 'd', 'é']);
    const url = await s3.listing.listObjectsV2(caller, { Bucket: 'list', Prefix: 'é', EncodingType: 'url' });
    assert.deepEqual((url['Contents'] as { Key: string }[]).map((c) => c.Key), ['%C3%A9']);
    await assert.rejects(s3.listing.listObjectsV2(caller, { Bucket: 'list', ContinuationToken: 'garbage' }), code('InvalidArgument'));

    // v1: markers, NextMarker with a delimiter.
    const v1 = await s3.listing.listObjects(caller, { Bucket: 'list', Delimiter: '/', MaxKeys: 2 });
    assert.equal(v1['NextMarker'], 'a/');
    const v1next = await s3.listing.listObjects(caller, { Bucket: 'list', Delimiter: '/', MaxKeys: 2, Marker: 'a/' });
    assert.deepEqual((v1next['Contents'] as { Key: string }[]).map((c) => c.Key), ['b']);
    assert.deepEqual((v1next['CommonPrefixes'] as { Prefix: string }[]).map((c) => c.Prefix), ['c/']);

    const ctx = calls.filter((c) => c.action === 's3:ListBucket').at(-1);
    assert.deepEqual(ctx?.context.find((e) => e.key === 's3:prefix')?.values, ['']);
    assert.deepEqual(ctx?.context.find((e) => e.key === 's3:delimiter')?.values, ['/']);
  });

  it('limits: KeyTooLongError, MetadataTooLarge, InvalidBucketName, BucketNotEmpty', async () => {
    await assert.rejects(put('k'.repeat(1025), 'x'), (e: unknown) => e instanceof S3Error && e.code === 'KeyTooLongError' && e.fields.some(([k, v]) => k === 'Size' && v === '1025'));
    await put('é'.repeat(512), 'x'); // 1024 bytes exactly
    await assert.rejects(put('meta', 'x', { Metadata: { big: 'v'.repeat(2046) } }), code('MetadataTooLarge'));
    for (const name of ['ab', 'UPPER', 'a..b', '-lead', '192.168.1.1', 'xn--abc', 'x'.repeat(64), 'name-s3alias', 'under_score']) {
      await assert.rejects(s3.buckets.createBucket(caller, { Bucket: name }, 'us-east-1'), code('InvalidBucketName'), name);
    }
    await assert.rejects(s3.buckets.deleteBucket(caller, { Bucket: 'bkt1' }), code('BucketNotEmpty'));
  });

  it('CreateBucket region rules: us-east-1 may not be named; other regions must match the endpoint; re-create', async () => {
    await assert.rejects(s3.buckets.createBucket(caller, { Bucket: 'reg1', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' } }, 'us-east-1'), code('InvalidLocationConstraint'));
    await assert.rejects(s3.buckets.createBucket(caller, { Bucket: 'reg1' }, 'us-east-2'), code('IllegalLocationConstraintException'));
    await assert.rejects(s3.buckets.createBucket(caller, { Bucket: 'reg1', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }, 'us-east-2'), code('IllegalLocationConstraintException'));
    await s3.buckets.createBucket(caller, { Bucket: 'reg1', CreateBucketConfiguration: { LocationConstraint: 'us-east-2' } }, 'us-east-2');
    assert.deepEqual(await s3.buckets.getBucketLocation(caller, { Bucket: 'reg1' }), { LocationConstraint: 'us-east-2' });
    await assert.rejects(s3.buckets.createBucket(caller, { Bucket: 'reg1', CreateBucketConfiguration: { LocationConstraint: 'us-east-2' } }, 'us-east-2'), code('BucketAlreadyOwnedByYou'));
    // us-east-1 keeps its legacy answer to re-creating your own bucket: success.
    await s3.buckets.createBucket(caller, { Bucket: 'bkt1' }, 'us-east-1');
    assert.deepEqual(await s3.buckets.getBucketLocation(caller, { Bucket: 'bkt1' }), { LocationConstraint: '' });
  });

  it('multipart: parts ≥ 5 MiB but the last, ordered, matching ETags; the ETag is md5-of-md5s-N; no bytes copied', async () => {
    const { UploadId } = (await s3.multipart.createMultipartUpload(caller, { Bucket: 'bkt1', Key: 'big', ContentType: 'application/x-big' })) as { UploadId: string };
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(1000);
    const e1 = (await s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: 'big', UploadId, PartNumber: 1 }, body(p1)))['ETag'] as string;
    const e2 = (await s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: 'big', UploadId, PartNumber: 2 }, body(p2)))['ETag'] as string;
    const complete = (parts: { PartNumber: number; ETag: string }[]) => s3.multipart.completeMultipartUpload(caller, { Bucket: 'bkt1', Key: 'big', UploadId, MultipartUpload: { Parts: parts } });
    await assert.rejects(complete([{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }]), code('InvalidPartOrder'));
    await assert.rejects(complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]), code('InvalidPart'));
    await assert.rejects(complete([{ PartNumber: 3, ETag: e1 }]), code('InvalidPart'));
    await assert.rejects(s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: 'big', UploadId, PartNumber: 10001 }, body(p2)), code('InvalidArgument'));
    const listed = await s3.multipart.listParts(caller, { Bucket: 'bkt1', Key: 'big', UploadId });
    assert.deepEqual((listed['Parts'] as { PartNumber: number }[]).map((p) => p.PartNumber), [1, 2]);
    const uploads = await s3.multipart.listMultipartUploads(caller, { Bucket: 'bkt1' });
    assert.deepEqual((uploads['Uploads'] as { Key: string }[]).map((u) => u.Key), ['big']);
    const blobCount = readdirSync(join(dir, 's3', 'blobs')).length;
    const done = await complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }]);
    const md5s = Buffer.concat([createHash('md5').update(p1).digest(), createHash('md5').update(p2).digest()]);
    assert.equal(done['ETag'], `"${createHash('md5').update(md5s).digest('hex')}-2"`);
    assert.equal(readdirSync(join(dir, 's3', 'blobs')).length, blobCount);
    const r = await read('big');
    assert.ok(r.data.equals(Buffer.concat([p1, p2])));
    assert.equal(r.output['ContentType'], 'application/x-big');
    const across = await read('big', { Range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}` });
    assert.ok(across.data.equals(Buffer.concat([p1, p2]).subarray(5 * MiB - 3, 5 * MiB + 3)));
    const part2 = await read('big', { PartNumber: 2 });
    assert.ok(part2.data.equals(p2));
    await assert.rejects(complete([{ PartNumber: 1, ETag: e1 }]), code('NoSuchUpload'));

    const small = (await s3.multipart.createMultipartUpload(caller, { Bucket: 'bkt1', Key: 'small' }))['UploadId'] as string;
    const s1 = (await s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: 'small', UploadId: small, PartNumber: 1 }, body(Buffer.from('tiny'))))['ETag'] as string;
    const s2 = (await s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: 'small', UploadId: small, PartNumber: 2 }, body(Buffer.from('tail'))))['ETag'] as string;
    await assert.rejects(
      s3.multipart.completeMultipartUpload(caller, { Bucket: 'bkt1', Key: 'small', UploadId: small, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1 }, { PartNumber: 2, ETag: s2 }] } }),
      (e: unknown) => e instanceof S3Error && e.code === 'EntityTooSmall' && e.fields.some(([k, v]) => k === 'ProposedSize' && v === '4'),
    );
    await s3.multipart.abortMultipartUpload(caller, { Bucket: 'bkt1', Key: 'small', UploadId: small });
    await assert.rejects(s3.multipart.abortMultipartUpload(caller, { Bucket: 'bkt1', Key: 'small', UploadId: small }), code('NoSuchUpload'));
  });

  it('composite and full-object checksums of a multipart upload', async () => {
    const crc = (b: Buffer) => {
      const c = createChecksum('CRC32');
      c.update(b);
      return c.digest();
    };
    const withSum = (bytes: Buffer): IncomingBody => ({ ...body(bytes), digests: async () => ({ md5Hex: createHash('md5').update(bytes).digest('hex'), checksum: { algorithm: 'CRC32', value: crc(bytes) } }) });
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(10);
    for (const type of ['COMPOSITE', 'FULL_OBJECT']) {
      const id = (await s3.multipart.createMultipartUpload(caller, { Bucket: 'bkt1', Key: `sum-${type}`, ChecksumAlgorithm: 'CRC32', ChecksumType: type }))['UploadId'] as string;
      const e1 = (await s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: `sum-${type}`, UploadId: id, PartNumber: 1 }, withSum(p1)))['ETag'] as string;
      const e2 = (await s3.multipart.uploadPart(caller, { Bucket: 'bkt1', Key: `sum-${type}`, UploadId: id, PartNumber: 2 }, withSum(p2)))['ETag'] as string;
      const done = await s3.multipart.completeMultipartUpload(caller, { Bucket: 'bkt1', Key: `sum-${type}`, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } });
      const composite = crc(Buffer.concat([Buffer.from(crc(p1), 'base64'), Buffer.from(crc(p2), 'base64')]));
      assert.equal(done['ChecksumCRC32'], type === 'COMPOSITE' ? `${composite}-2` : crc(Buffer.concat([p1, p2])));
      const got = await read(`sum-${type}`, { ChecksumMode: 'ENABLED' });
      assert.equal(got.output['ChecksumCRC32'], done['ChecksumCRC32']);
      assert.equal(got.output['ChecksumType'], type);
    }
    await assert.rejects(s3.multipart.createMultipartUpload(caller, { Bucket: 'bkt1', Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' }), code('InvalidRequest'));
  });

  it('CopyObject: metadata copied or replaced, both sides authorized, self-copy must change something', async () => {
    await put('src', 'copy me', { ContentType: 'text/x-src', Metadata: { a: '1' } });
    const out = await s3.objects.copyObject(caller, { Bucket: 'bkt1', Key: 'dst', CopySource: '/bkt1/src' });
    assert.equal((out['CopyObjectResult'] as { ETag: string }).ETag, `"${createHash('md5').update('copy me').digest('hex')}"`);
    const r = await read('dst');
    assert.equal(r.data.toString(), 'copy me');
    assert.deepEqual(r.output['Metadata'], { a: '1' });
    await s3.objects.copyObject(caller, { Bucket: 'bkt1', Key: 'dst2', CopySource: 'bkt1/src', MetadataDirective: 'REPLACE', Metadata: { b: '2' } });
    assert.deepEqual((await read('dst2')).output['Metadata'], { b: '2' });
    await assert.rejects(s3.objects.copyObject(caller, { Bucket: 'bkt1', Key: 'src', CopySource: 'bkt1/src' }), code('InvalidRequest'));
    denied.add('s3:GetObject arn:aws:s3:::bkt1/src');
    try {
      await assert.rejects(s3.objects.copyObject(caller, { Bucket: 'bkt1', Key: 'dst3', CopySource: 'bkt1/src' }), code('AccessDenied'));
    } finally {
      denied.delete('s3:GetObject arn:aws:s3:::bkt1/src');
    }
    await assert.rejects(s3.objects.copyObject(caller, { Bucket: 'bkt1', Key: 'dst3', CopySource: 'bkt1/missing' }), code('NoSuchKey'));
  });

  it('DeleteObjects authorizes each key: allowed keys go, denied keys are per-key AccessDenied', async () => {
    await put('d1', '1');
    await put('d2', '2');
    denied.add('s3:DeleteObject arn:aws:s3:::bkt1/d2');
    try {
      const out = await s3.objects.deleteObjects(caller, { Bucket: 'bkt1', Delete: { Objects: [{ Key: 'd1' }, { Key: 'd2' }, { Key: 'never-there' }] } });
      assert.deepEqual(out['Deleted'], [{ Key: 'd1' }, { Key: 'never-there' }]);
      assert.deepEqual(out['Errors'], [{ Key: 'd2', Code: 'AccessDenied', Message: 'Access Denied' }]);
    } finally {
      denied.delete('s3:DeleteObject arn:aws:s3:::bkt1/d2');
    }
    await assert.rejects(read('d1'), code('NoSuchKey'));
    assert.equal((await read('d2')).data.toString(), '2');
    const quiet = await s3.objects.deleteObjects(caller, { Bucket: 'bkt1', Delete: { Objects: [{ Key: 'd2' }], Quiet: true } });
    assert.deepEqual(quiet['Deleted'], []);
  });

  it('a body that fails its digest leaves nothing behind; an overwrite removes the old blob after commit', async () => {
    const before = readdirSync(join(dir, 's3', 'blobs')).length;
    await assert.rejects(s3.objects.putObject(caller, { Bucket: 'bkt1', Key: 'bad' }, body(Buffer.from('abc'), { md5: '00' })), code('BadDigest'));
    assert.equal(readdirSync(join(dir, 's3', 'blobs')).length, before);
    assert.deepEqual(readdirSync(join(dir, 's3', 'tmp')), []);
    await assert.rejects(read('bad'), code('NoSuchKey'));
    await put('ow', 'one');
    const n = readdirSync(join(dir, 's3', 'blobs')).length;
    await put('ow', 'two');
    assert.equal(readdirSync(join(dir, 's3', 'blobs')).length, n);
    assert.equal((await read('ow')).data.toString(), 'two');
  });

  it('bucket policies are validated as S3 validates them', async () => {
    const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    const ok = policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt1/*' });
    await s3.buckets.putBucketPolicy(caller, { Bucket: 'bkt1', Policy: ok });
    assert.deepEqual(await s3.buckets.getBucketPolicy(caller, { Bucket: 'bkt1' }), { Policy: ok });
    const bad: [string, string][] = [
      [policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' }), 'Policy has invalid resource'],
      [policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt1' }), 'Action does not apply to any resource(s) in statement'],
      [policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt1/*' }), 'Missing required field Principal'],
      [policy({ Effect: 'Allow', Principal: '*', Action: 'iam:GetRole', Resource: 'arn:aws:s3:::bkt1/*' }), 'Policy has invalid action'],
      ['{"Version": "2012-10-17", "Statement": [', 'This policy contains invalid Json'],
      ['[]', "Policies must be valid JSON and the first byte must be '{'"],
    ];
    for (const [text, message] of bad) {
      await assert.rejects(s3.buckets.putBucketPolicy(caller, { Bucket: 'bkt1', Policy: text }), (e: unknown) => e instanceof S3Error && e.code === 'MalformedPolicy' && e.message === message, message);
    }
    await s3.buckets.deleteBucketPolicy(caller, { Bucket: 'bkt1' });
    await assert.rejects(s3.buckets.getBucketPolicy(caller, { Bucket: 'bkt1' }), code('NoSuchBucketPolicy'));
  });

  it('startup recovery removes temporary files and blobs no metadata names, and keeps every live one', async () => {
    await put('keep', 'kept');
    const tmp = join(dir, 's3', 'tmp', 'abandoned');
    writeFileSync(tmp, 'partial');
    const orphan = join(dir, 's3', 'blobs', randomBytes(16).toString('hex'));
    writeFileSync(orphan, 'never committed');
    const fresh = await newService();
    const swept = await fresh.recover();
    assert.deepEqual(swept, { blobs: 1, temporary: 1 });
    assert.ok(!existsSync(tmp) && !existsSync(orphan));
    const r = await fresh.objects.getObject(caller, { Bucket: 'bkt1', Key: 'big' }, false);
    assert.equal(r.body?.length, 5 * MiB + 1000);
    await r.body?.close();
    assert.equal((await read('keep')).data.toString(), 'kept');
  });
});
