import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { IamDataCatalog } from '../../src/catalog/iam-data.js';
import { S3Error } from '../../src/services/s3/errors.js';
import type { IncomingBody, S3Caller } from '../../src/services/s3/model.js';
import { S3Service } from '../../src/services/s3/service.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { createChecksum } from '../../src/wire/checksums.js';
import { startTestPostgres } from '../support/postgres.js';

/**
 * S3 on PostgreSQL, in process: the real S3 service over the PostgreSQL store with its blob store
 * (what s3-endpoint.ts picks for a postgres store). Two services on two PostgresStores are two
 * replicas: what one writes the other serves, object bytes included; nothing is visible before its
 * metadata commits, and what S3 removes leaves no rows behind.
 */
const MiB = 1024 * 1024;
const server = await startTestPostgres();
const skip = 'skip' in server ? server.skip : undefined;
const url = 'url' in server ? server.url : '';
if ('how' in server) console.log(`# PostgreSQL: ${server.how}`);

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
const caller: S3Caller = { arn: 'arn:aws:sts::123456789012:assumed-role/r/s', id: 'AROAEXAMPLE:s', context: [], authorize: async () => undefined };

async function replica(): Promise<{ store: PostgresStore; s3: S3Service }> {
  const store = await openPostgresStore(url);
  const s3 = new S3Service({
    store,
    blobs: store.blobStore(),
    now: () => new Date(),
    random: (n) => randomBytes(n),
    account: '123456789012',
    region: 'us-east-1',
    catalog: await IamDataCatalog.load(['s3']),
    checksum: createChecksum,
  });
  return { store, s3 };
}

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end();
  }
}

const blobRows = async () => (await sql<{ state: string; n: number }>('SELECT state, COUNT(*)::int AS n FROM blobs GROUP BY state ORDER BY state')).reduce<Record<string, number>>((o, r) => ({ ...o, [r.state]: r.n }), {});

async function get(s3: S3Service, key: string, extra: Record<string, unknown> = {}): Promise<Buffer> {
  const r = await s3.objects.getObject(caller, { Bucket: 'pgbkt', Key: key, ...extra }, false);
  if (r.body?.bytes) return Buffer.from(r.body.bytes);
  const parts: Buffer[] = [];
  for await (const c of r.body?.stream ?? []) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

if (skip) it('S3 on PostgreSQL', { skip }, () => undefined);
else describe('S3 on PostgreSQL (object bytes in the database)', () => {
  let a: { store: PostgresStore; s3: S3Service };
  let b: { store: PostgresStore; s3: S3Service };
  before(async () => {
    a = await replica();
    b = await replica();
    await a.s3.buckets.createBucket(caller, { Bucket: 'pgbkt' }, 'us-east-1');
  });
  after(async () => {
    await a?.store.close();
    await b?.store.close();
    if (!('skip' in server)) await server.stop();
  });

  it('PutObject through one replica, GetObject (whole, ranges) through the other; an overwrite removes the old rows', async () => {
    const data = randomBytes(3 * MiB + 123);
    const out = await a.s3.objects.putObject(caller, { Bucket: 'pgbkt', Key: 'k' }, body(data));
    assert.equal(out['ETag'], `"${createHash('md5').update(data).digest('hex')}"`);
    assert.ok((await get(b.s3, 'k')).equals(data));
    assert.ok((await get(b.s3, 'k', { Range: `bytes=${MiB - 2}-${2 * MiB + 1}` })).equals(data.subarray(MiB - 2, 2 * MiB + 2)));
    assert.ok((await get(b.s3, 'k', { Range: 'bytes=-1' })).equals(data.subarray(-1)));
    const before = await blobRows();
    await b.s3.objects.putObject(caller, { Bucket: 'pgbkt', Key: 'k' }, body(Buffer.from('small now')));
    assert.deepEqual(await blobRows(), before);
    assert.equal((await get(a.s3, 'k')).toString(), 'small now');
  });

  it('a body that fails its digest leaves no row behind and no object', async () => {
    const before = await blobRows();
    await assert.rejects(a.s3.objects.putObject(caller, { Bucket: 'pgbkt', Key: 'bad' }, body(randomBytes(2 * MiB), { md5: '00' })), code('BadDigest'));
    assert.deepEqual(await blobRows(), before);
    await assert.rejects(get(b.s3, 'bad'), code('NoSuchKey'));
  });

  it('multipart across replicas: parts through both, complete through one, read through the other; no bytes copied', async () => {
    const { UploadId } = (await a.s3.multipart.createMultipartUpload(caller, { Bucket: 'pgbkt', Key: 'mp' })) as { UploadId: string };
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(MiB + 7);
    const e1 = (await a.s3.multipart.uploadPart(caller, { Bucket: 'pgbkt', Key: 'mp', UploadId, PartNumber: 1 }, body(p1)))['ETag'] as string;
    const e2 = (await b.s3.multipart.uploadPart(caller, { Bucket: 'pgbkt', Key: 'mp', UploadId, PartNumber: 2 }, body(p2)))['ETag'] as string;
    const chunksBefore = (await sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM blob_chunks'))[0]?.n;
    await b.s3.multipart.completeMultipartUpload(caller, { Bucket: 'pgbkt', Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } });
    assert.equal((await sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM blob_chunks'))[0]?.n, chunksBefore);
    const all = Buffer.concat([p1, p2]);
    assert.ok((await get(a.s3, 'mp')).equals(all));
    assert.ok((await get(a.s3, 'mp', { Range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}` })).equals(all.subarray(5 * MiB - 3, 5 * MiB + 3)));
    assert.ok((await get(a.s3, 'mp', { PartNumber: 2 })).equals(p2));
  });

  it('CopyObject and DeleteObject; a replica starting (recover) keeps every live blob; deleting everything leaves no rows', async () => {
    await a.s3.objects.copyObject(caller, { Bucket: 'pgbkt', Key: 'copy', CopySource: 'pgbkt/mp' });
    const c = await replica();
    try {
      assert.deepEqual(await c.s3.recover(), { blobs: 0, temporary: 0 });
      assert.ok((await get(c.s3, 'copy')).equals(await get(a.s3, 'mp')));
      for (const key of ['k', 'mp', 'copy']) await c.s3.objects.deleteObject(caller, { Bucket: 'pgbkt', Key: key });
      assert.deepEqual(await blobRows(), {});
      assert.equal((await sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM blob_chunks'))[0]?.n, 0);
      await assert.rejects(get(b.s3, 'copy'), code('NoSuchKey'));
    } finally {
      await c.store.close();
    }
  });
});
