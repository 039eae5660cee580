import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { podIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/**
 * Crash safety of the blob protocol: `irsa up` is SIGKILLed while uploads are in flight — some
 * finished, some mid-body. After a restart on the same data directory every upload that got a
 * 200 is readable with the same ETag and bytes, no object is partial, and startup recovery has
 * left no temporary file and no unreferenced blob behind.
 */
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('S3 durability across SIGKILL', () => {
  let srv: IrsaProcess | undefined;
  let dataDir = '';
  after(async () => {
    await srv?.stop();
    removeDir(dataDir);
  });

  it('every acknowledged upload survives with its ETag and bytes; nothing partial; nothing left over', async () => {
    srv = await startIrsa();
    dataDir = srv.dataDir;
    assert.equal(aws(['s3', 'mb', 's3://durable'], srv.env).status, 0);
    const pod = await podIdentity(srv, { roleName: 'writer', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::durable', 'arn:aws:s3:::durable/*'] }] } });
    const creds = await pod.credentials();
    const client = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: creds, maxAttempts: 1 });

    const bodies = new Map<string, Buffer>();
    const acked = new Map<string, string>();
    const put = async (key: string, body: Buffer, slow: boolean) => {
      bodies.set(key, body);
      // Slow uploads send half their bytes and then wait: they are mid-body when the kill comes.
      const stream = slow
        ? Readable.from(
            (async function* () {
              yield body.subarray(0, body.length / 2);
              await new Promise((r) => setTimeout(r, 30_000).unref());
              yield body.subarray(body.length / 2);
            })(),
          )
        : body;
      const out = await client.send(new PutObjectCommand({ Bucket: 'durable', Key: key, Body: stream, ContentLength: body.length }));
      acked.set(key, out.ETag ?? '');
    };
    const fast = Array.from({ length: 12 }, (_, i) => put(`fast/${i}`, randomBytes(64 * 1024 + i * 150_000), false).catch(() => undefined));
    const slow = Array.from({ length: 4 }, (_, i) => put(`slow/${i}`, randomBytes(512 * 1024), true).catch(() => undefined));
    // Some fast uploads are acknowledged, the slow ones are certainly in flight; then the kill.
    for (let i = 0; i < 400 && acked.size < 6; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(acked.size >= 6, `only ${acked.size} uploads finished`);
    srv.child.kill('SIGKILL');
    await new Promise((r) => srv?.child.once('exit', r));
    await Promise.all([...fast, ...slow]);
    client.destroy();
    assert.ok(readdirSync(join(dataDir, 's3', 'tmp')).length >= 1, 'interrupted uploads left temporary files to recover from');
    const ackedAtKill = new Map(acked);

    srv = await startIrsa({ dataDir });
    const reopened = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: creds });
    try {
      for (const [key, etag] of ackedAtKill) {
        const got = await reopened.send(new GetObjectCommand({ Bucket: 'durable', Key: key }));
        const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        assert.equal(got.ETag, etag, key);
        assert.ok(bytes.equals(bodies.get(key) as Buffer), `${key}: same bytes`);
      }
      const listed = (await reopened.send(new ListObjectsV2Command({ Bucket: 'durable' }))).Contents ?? [];
      for (const o of listed) {
        const body = bodies.get(o.Key ?? '') as Buffer;
        // An upload whose response was lost may have committed: then it is whole, never partial.
        assert.equal(o.Size, body.length, `${o.Key} is whole`);
        assert.equal(o.ETag, `"${md5(body)}"`);
      }
      assert.ok(!listed.some((o) => o.Key?.startsWith('slow/')), 'no upload that was mid-body is visible');
      assert.deepEqual(readdirSync(join(dataDir, 's3', 'tmp')), [], 'startup recovery removed the temporary files');
      assert.equal(readdirSync(join(dataDir, 's3', 'blobs')).length, listed.length, 'one blob per object: no orphan');
    } finally {
      reopened.destroy();
    }
  });
});
